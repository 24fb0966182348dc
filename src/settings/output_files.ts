// Files the server writes for the operator beside its disk logs (docs/log-mirror.md, docs/usage.md):
// - `LogMirror:Directory`: where the log mirror writes its DSJSON files while the service configuration's
//   logMirrorEnabled is true; default `<Mounts:Output>/logmirror`. Without either, logMirrorEnabled=true is refused.
// - `LogMirror:MaxFileSize`: MB per mirror file before the next one is started (files also change at each UTC day).
// - `Usage:FlushInterval`: seconds between appends to the usage ledger under `<Mounts:Output>/usage/`; a crash loses
//   at most the counts of the last interval.
// Only the values are checked here; serve.ts creates the directories and refuses to start when they cannot be written.
import { join } from 'node:path';
import { SettingsError } from './sources.js';

export const OUTPUT_FILE_NAMES = ['LogMirror:Directory', 'LogMirror:MaxFileSize', 'Usage:FlushInterval'] as const;

type Name = (typeof OUTPUT_FILE_NAMES)[number];

export interface OutputFileSettings {
  /** The log mirror's directory (LogMirror:Directory, else Mounts:Output/logmirror); undefined: no log mirror. */
  logMirrorDirectory?: string;
  /** Bytes per mirror file (LogMirror:MaxFileSize MB). */
  logMirrorMaxFileBytes: number;
  /** The usage ledger's directory (Mounts:Output/usage); undefined: no ledger. */
  usageDirectory?: string;
  /** Milliseconds between ledger appends (Usage:FlushInterval seconds). */
  usageFlushMs: number;
}

/** 100 MB: a day of a busy loop (about 2 kB a line, 50,000 events) in one file, small enough to copy around. */
export const DEFAULT_LOG_MIRROR_MAX_FILE_MB = 100;
const MAX_LOG_MIRROR_FILE_MB = 100 * 1024;
export const DEFAULT_USAGE_FLUSH_SECONDS = 60;
const MAX_USAGE_FLUSH_SECONDS = 3600;

export function parseOutputFileSettings(get: (name: Name) => string | undefined, outputMount: string | undefined): OutputFileSettings {
  const directory = get('LogMirror:Directory') ?? (outputMount === undefined ? undefined : join(outputMount, 'logmirror'));

  const sizeText = get('LogMirror:MaxFileSize');
  let sizeMb = DEFAULT_LOG_MIRROR_MAX_FILE_MB;
  if (sizeText !== undefined) {
    sizeMb = Number(sizeText);
    // At least one byte: a smaller file could hold no line at all.
    if (!Number.isFinite(sizeMb) || sizeMb * 1024 * 1024 < 1 || sizeMb > MAX_LOG_MIRROR_FILE_MB) {
      throw new SettingsError('LogMirror:MaxFileSize', `LogMirror:MaxFileSize must be a number of MB (decimals allowed) above 0 and at most ${MAX_LOG_MIRROR_FILE_MB}`);
    }
  }

  const flushText = get('Usage:FlushInterval');
  let flushSeconds = DEFAULT_USAGE_FLUSH_SECONDS;
  if (flushText !== undefined) {
    flushSeconds = /^\d+$/.test(flushText) ? Number(flushText) : NaN;
    if (!(flushSeconds >= 1 && flushSeconds <= MAX_USAGE_FLUSH_SECONDS)) {
      throw new SettingsError('Usage:FlushInterval', `Usage:FlushInterval must be an integer number of seconds between 1 and ${MAX_USAGE_FLUSH_SECONDS}`);
    }
  }

  return {
    ...(directory === undefined ? {} : { logMirrorDirectory: directory }),
    logMirrorMaxFileBytes: Math.floor(sizeMb * 1024 * 1024),
    ...(outputMount === undefined ? {} : { usageDirectory: join(outputMount, 'usage') }),
    usageFlushMs: flushSeconds * 1000,
  };
}
