// The container's settings: one typed, validated object built once at start-up (docs/architecture.md,
// "Where each concern lives"). Names and semantics follow Microsoft's Cognitive Services containers
// (docs/azure-api.md §7); anything that would make the container misbehave later is refused here instead.
import { DEFAULT_POLICY_NAMES, parseDefaultPolicy, type DefaultPolicySettings } from './default_policy.js';
import { FILE_NAMES, parseFileSettings, type FileSettings } from './files.js';
import { LIMIT_NAMES, parseHttpLimits, type HttpLimits } from './limits.js';
import { METRICS_NAMES, parseMetricsSettings, type MetricsSettings } from './metrics.js';
import { parseQuotaSettings, QUOTA_NAMES, type QuotaSettings } from './quotas.js';
import { OUTPUT_FILE_NAMES, parseOutputFileSettings, type OutputFileSettings } from './output_files.js';
import { collectRawSettings, SettingsError } from './sources.js';
import { parseWorkers, WORKERS_NAMES } from './workers.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface Settings extends HttpLimits, MetricsSettings, FileSettings, DefaultPolicySettings, QuotaSettings, OutputFileSettings {
  /** `Eula=accept` is required to start. */
  eula: 'accept';
  /** The key every `/personalizer/...` request must carry in `Ocp-Apim-Subscription-Key`. Never log it. */
  apiKey: string;
  /**
   * `ApiKey2`: a second key accepted like `apiKey`, so that a key can be rotated without downtime (Azure's
   * resources had key1 and key2). Never log it.
   */
  apiKey2?: string;
  /** Azure resource endpoint; accepted for compatibility with Microsoft's containers, not contacted. */
  billing?: string;
  port: number;
  host: string;
  /** `sqlite:<file>` or `postgres://…`, handed to the loop. */
  store: string;
  /** `Mounts:Output`: directory for disk logs. */
  outputMount?: string;
  /** `Logging:Disk:Format`: only `json`; undefined = no disk logs. */
  diskLogFormat?: 'json';
  /** `Logging:Disk:MaxFileSize` in MB per log file; -1 = unlimited. */
  diskLogMaxFileSizeMb: number;
  /** `Logging:Console:LogLevel:Default`, as a pino level. */
  logLevel: LogLevel;
  /** Seeds sampling together with the eventId. */
  appId: string;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** `Workers`: server processes on this machine (1: this process serves alone, no cluster). */
  workers: number;
  /** Argument keys that named no setting (ignored, reported in the start-up log). */
  unknownArguments: string[];
}

/** Canonical names, as written in messages and documentation. */
export const SETTING_NAMES = [
  'Eula',
  'ApiKey',
  'ApiKey2',
  'Billing',
  'Port',
  'Host',
  'Store',
  'Mounts:Output',
  'Logging:Disk:Format',
  'Logging:Disk:MaxFileSize',
  'Logging:Console:LogLevel:Default',
  'AppId',
  'BodyLimit',
  ...LIMIT_NAMES,
  ...QUOTA_NAMES,
  ...METRICS_NAMES,
  ...WORKERS_NAMES,
  ...FILE_NAMES,
  ...DEFAULT_POLICY_NAMES,
  ...OUTPUT_FILE_NAMES,
] as const;

export const DEFAULTS = {
  port: 5000,
  // A container must be reachable through its published port, hence all IPv4 interfaces (the
  // Cognitive Services containers listen on 0.0.0.0:5000); pass Host=127.0.0.1 to keep it local.
  host: '0.0.0.0',
  store: 'sqlite:./data/personalizer.db',
  diskLogMaxFileSizeMb: 1,
  logLevel: 'info' as LogLevel,
  appId: '',
  // 50 actions (docs/azure-api.md §5) with a few kB of features each stay well under 1 MiB.
  bodyLimit: 1024 * 1024,
};

// .NET's LogLevel names (what Microsoft's containers document) and pino's own.
const LOG_LEVELS: Record<string, LogLevel> = {
  trace: 'trace',
  debug: 'debug',
  information: 'info',
  info: 'info',
  warning: 'warn',
  warn: 'warn',
  error: 'error',
  critical: 'fatal',
  fatal: 'fatal',
  none: 'silent',
  silent: 'silent',
};

const KNOWN = new Set(SETTING_NAMES.map((n) => n.toLowerCase()));

/** Builds the settings from arguments and environment; throws SettingsError naming the first bad setting. */
export function parseSettings(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Settings {
  const raw = collectRawSettings(argv, env, KNOWN);
  const get = (name: (typeof SETTING_NAMES)[number]): string | undefined => {
    const v = raw.values.get(name.toLowerCase())?.trim();
    return v === undefined || v === '' ? undefined : v;
  };

  const eula = get('Eula');
  if (eula?.toLowerCase() !== 'accept') {
    throw new SettingsError('Eula', eula === undefined ? 'Eula=accept is required to start the container' : 'Eula must be "accept"');
  }

  const apiKey = get('ApiKey');
  if (apiKey === undefined) throw new SettingsError('ApiKey', 'ApiKey is required (ApiKey=<key>): clients send it in Ocp-Apim-Subscription-Key');

  // Like ApiKey, an empty value counts as not given: an empty key is never accepted. The same value twice is
  // refused: it would leave nothing to rotate to, and is most likely the old key pasted into both.
  const apiKey2 = get('ApiKey2');
  if (apiKey2 !== undefined && apiKey2 === apiKey) {
    throw new SettingsError('ApiKey2', 'ApiKey2 must differ from ApiKey: it is the second key, accepted alongside ApiKey while clients move from one to the other');
  }

  const billing = get('Billing');
  if (billing !== undefined && !isAbsoluteHttpUri(billing)) {
    throw new SettingsError('Billing', 'Billing must be an absolute http(s) URI, e.g. https://<resource>.cognitiveservices.azure.com/');
  }

  const port = parseInteger('Port', get('Port'), DEFAULTS.port, 0, 65535);
  const host = get('Host') ?? DEFAULTS.host;

  const store = get('Store') ?? DEFAULTS.store;
  if (!/^sqlite:.+/i.test(store) && !/^postgres(ql)?:\/\/.+/i.test(store)) {
    throw new SettingsError('Store', 'Store must be sqlite:<file> or postgres://<connection>');
  }

  const outputMount = get('Mounts:Output');
  const format = get('Logging:Disk:Format');
  let diskLogFormat: 'json' | undefined;
  if (format !== undefined) {
    if (format.toLowerCase() !== 'json') throw new SettingsError('Logging:Disk:Format', 'Logging:Disk:Format must be "json"');
    if (outputMount === undefined) {
      throw new SettingsError('Mounts:Output', 'Logging:Disk:Format=json requires Mounts:Output=<directory> for the log files');
    }
    diskLogFormat = 'json';
  }

  const sizeText = get('Logging:Disk:MaxFileSize');
  let diskLogMaxFileSizeMb = DEFAULTS.diskLogMaxFileSizeMb;
  if (sizeText !== undefined) {
    const size = Number(sizeText);
    if (!Number.isFinite(size) || (size <= 0 && size !== -1)) {
      throw new SettingsError('Logging:Disk:MaxFileSize', 'Logging:Disk:MaxFileSize must be a positive number of MB, or -1 for unlimited');
    }
    diskLogMaxFileSizeMb = size;
  }

  const levelText = get('Logging:Console:LogLevel:Default');
  const logLevel = levelText === undefined ? DEFAULTS.logLevel : LOG_LEVELS[levelText.toLowerCase()];
  if (logLevel === undefined) {
    throw new SettingsError(
      'Logging:Console:LogLevel:Default',
      'Logging:Console:LogLevel:Default must be one of Trace, Debug, Information, Warning, Error, Critical, None',
    );
  }

  // AppId may legitimately be any string, including one with spaces: take it untrimmed.
  const appId = raw.values.get('appid') ?? DEFAULTS.appId;
  const bodyLimit = parseInteger('BodyLimit', get('BodyLimit'), DEFAULTS.bodyLimit, 1, Number.MAX_SAFE_INTEGER);
  const limits = parseHttpLimits(get);

  return {
    eula: 'accept',
    apiKey,
    ...(apiKey2 === undefined ? {} : { apiKey2 }),
    ...(billing === undefined ? {} : { billing }),
    port,
    host,
    store,
    ...(outputMount === undefined ? {} : { outputMount }),
    ...(diskLogFormat === undefined ? {} : { diskLogFormat }),
    diskLogMaxFileSizeMb,
    logLevel,
    appId,
    bodyLimit,
    ...limits,
    ...parseQuotaSettings(get),
    ...parseMetricsSettings(get),
    workers: parseWorkers(get('Workers')),
    ...parseFileSettings(get),
    ...parseDefaultPolicy(get),
    ...parseOutputFileSettings(get, outputMount),
    unknownArguments: raw.unknownArguments,
  };
}

/**
 * The settings as they may be logged: the keys, and a password in the store URL, are never written anywhere.
 * `apiKey2` shows whether a second key is set, never its value.
 */
export function describeSettings(settings: Settings): Omit<Settings, 'apiKey' | 'apiKey2'> & { apiKey: string; apiKey2?: string } {
  return {
    ...settings,
    apiKey: '[redacted]',
    ...(settings.apiKey2 === undefined ? {} : { apiKey2: '[redacted]' }),
    store: redactUrl(settings.store),
  };
}

/** `postgres://user:secret@host/db` → `postgres://user:[redacted]@host/db` (also a `password=` parameter). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/]*@/i, '$1:[redacted]@').replace(/([?&]password=)[^&]*/gi, '$1[redacted]');
}

function parseInteger(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) throw new SettingsError(name, `${name} must be an integer between ${min} and ${max}`);
  const n = Number(text);
  if (n < min || n > max) throw new SettingsError(name, `${name} must be an integer between ${min} and ${max}`);
  return n;
}

function isAbsoluteHttpUri(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.host !== '';
  } catch {
    return false;
  }
}
