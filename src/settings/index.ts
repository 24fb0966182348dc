// The container's settings (Key=Value arguments and environment variables), validated once at start.
export { parseSettings, describeSettings, redactUrl, DEFAULTS, SETTING_NAMES } from './settings.js';
export type { Settings, LogLevel } from './settings.js';
export { SettingsError } from './sources.js';
export { readCertificates, DEFAULT_MODEL_SIZE_LIMIT } from './files.js';
