// The server's log: pino JSON lines on stdout and, with Logging:Disk:Format=json and Mounts:Output, rotating
// JSON files under that directory of at most Logging:Disk:MaxFileSize MB each (docs/azure-api.md §7, the disk
// logger of Microsoft's containers). The API key is redacted wherever it could be logged.
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import pinoRoll from 'pino-roll';
import type { Settings } from '../settings/index.js';
import { redactUrl } from './redact.js';

export interface ServerLogger {
  logger: Logger;
  /** Writes out everything buffered; call before the process exits. */
  flush(): void;
}

/**
 * Where a key could appear: request headers (if a serializer ever logs them) and the settings object, both keys
 * (describeSettings already replaces them; this is the second line of defence).
 */
const REDACT = [
  'req.headers["ocp-apim-subscription-key"]',
  'headers["ocp-apim-subscription-key"]',
  'apiKey',
  'apiKey2',
  'settings.apiKey',
  'settings.apiKey2',
];

/** The disk log file name: pino-roll numbers it, personalizer.1.log, personalizer.2.log… */
export const DISK_LOG_FILE = 'personalizer.log';

export async function createLogger(settings: Settings): Promise<ServerLogger> {
  const level = settings.logLevel;
  // A stream needs a real level; 'silent' is applied by the logger itself.
  const streamLevel: pino.Level = level === 'silent' ? 'fatal' : level;
  const stdout = pino.destination({ dest: 1, sync: false });
  const streams: pino.StreamEntry[] = [{ level: streamLevel, stream: stdout }];
  let disk: Awaited<ReturnType<typeof pinoRoll>> | undefined;
  if (settings.diskLogFormat === 'json' && settings.outputMount !== undefined) {
    disk = await pinoRoll({
      file: join(settings.outputMount, DISK_LOG_FILE),
      mkdir: true,
      ...(settings.diskLogMaxFileSizeMb > 0 ? { size: `${Math.max(1, Math.round(settings.diskLogMaxFileSizeMb * 1024))}k` } : {}),
    });
    streams.push({ level: streamLevel, stream: disk });
  }
  const logger = pino(
    {
      level,
      redact: { paths: REDACT, censor: '[redacted]' },
      // A key sent in the query string (redact.ts) is replaced in any URL a line carries.
      serializers: {
        url: (url: unknown) => (typeof url === 'string' ? redactUrl(url) : url),
        // fastify's own request serializer's fields, the URL redacted.
        req: (req: unknown) => (isRequest(req) ? { method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip } : req),
      },
      base: { service: 'personalizer' },
    },
    pino.multistream(streams),
  );
  return {
    logger,
    flush() {
      for (const stream of [stdout, disk]) {
        try {
          stream?.flushSync();
        } catch {
          // not open yet, or already closed: nothing buffered to lose
        }
      }
    },
  };
}

function isRequest(value: unknown): value is { method?: string; url: string; host?: string; ip?: string } {
  return typeof value === 'object' && value !== null && typeof (value as { url?: unknown }).url === 'string';
}
