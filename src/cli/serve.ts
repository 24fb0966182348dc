// `personalizer serve Eula=accept ApiKey=<key> [Billing=<uri>] [Key=Value…]`: starts the container the way
// Microsoft's Cognitive Services containers start (docs/azure-api.md §7). A setting that cannot work is refused with
// exit code 1 and one line on stderr naming it. SIGTERM/SIGINT stop gracefully: no new connections, in-flight
// requests answered, the loop (trainer, store) closed, exit 0 — `docker stop` sends SIGTERM to PID 1
// (docs/container.md), which Node ignores unless handled.
// `Workers=N` (N > 1): this process starts N worker processes that each run the server below on the same port and
// store, and supervises them (workers.ts); each worker's log lines carry its number and pid.
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../api/server.js';
import { createLogger, type ServerLogger } from '../api/logger.js';
import { openLoop, type Loop } from '../loop/index.js';
import { listenRefusal } from './listen_error.js';
import { describeSettings, parseSettings, redactUrl, SettingsError, type Settings } from '../settings/index.js';
import { modelImportOptions } from './model_options.js';
import { StoreOpenError } from '../store/index.js';
import { announceReady, runPrimary, workerNumber } from './workers.js';

/** How long in-flight requests and the loop get to finish after a stop signal before the process gives up. */
const STOP_TIMEOUT_MS = 30_000;

export async function runServe(argv: string[]): Promise<number | void> {
  const code = await serve(argv);
  // A worker's channel to its primary keeps its event loop alive: a worker refused at start must end itself.
  if (code !== undefined && workerNumber() !== undefined) process.exit(code);
  return code;
}

async function serve(argv: string[]): Promise<number | void> {
  let settings: Settings;
  try {
    settings = parseSettings(argv, process.env);
  } catch (err) {
    if (err instanceof SettingsError) return refuse(err.message);
    throw err;
  }

  const worker = workerNumber();
  // Each worker rotates its own disk log files, in a folder of its own: several processes rotating one file would
  // rename it under each other.
  if (worker !== undefined && settings.outputMount !== undefined) settings = { ...settings, outputMount: join(settings.outputMount, `worker-${worker}`) };

  let log: ServerLogger;
  try {
    log = await createLogger(settings);
  } catch (err) {
    return refuse(`Mounts:Output: cannot write disk logs under the output mount (${errorMessage(err)})`);
  }
  const logger = worker === undefined ? log.logger : log.logger.child({ worker, pid: process.pid });
  // A stop signal during start-up (a slow store) is remembered and honoured as soon as the server is up,
  // so that it still ends with a clean close and exit 0.
  let earlySignal: NodeJS.Signals | undefined;
  const remember = (signal: NodeJS.Signals): void => {
    earlySignal ??= signal;
  };
  process.on('SIGTERM', remember);
  process.on('SIGINT', remember);
  logger.info({ settings: describeSettings(settings) }, 'starting');
  if (settings.unknownArguments.length > 0) {
    logger.warn({ keys: settings.unknownArguments }, 'ignoring arguments that name no setting');
  }
  if (settings.workers > 1 && worker === undefined) {
    process.off('SIGTERM', remember);
    process.off('SIGINT', remember);
    return runPrimary(settings, log, refuse, earlySignal);
  }

  // The log mirror's and the usage ledger's directories are shared by every worker (their files are not rotated
  // by renaming; docs/log-mirror.md, docs/usage.md): created now, so that one that cannot be written stops the start.
  for (const [name, dir] of [['LogMirror:Directory', settings.logMirrorDirectory], ['Mounts:Output', settings.usageDirectory]] as const) {
    const problem = dir === undefined ? null : await writableDirectory(dir);
    if (problem !== null) return refuse(`${name}: cannot write ${dir} (${problem})`);
  }

  let loop: Loop;
  try {
    loop = await openLoop({
      store: settings.store,
      sharedStore: worker !== undefined,
      appId: settings.appId,
      logger: logger.child({ component: 'loop' }),
      models: modelImportOptions(settings),
      defaultPolicy: settings.defaultPolicy,
      ...(settings.logMirrorDirectory === undefined
        ? {}
        : { logMirror: { directory: settings.logMirrorDirectory, maxFileBytes: settings.logMirrorMaxFileBytes } }),
    });
  } catch (err) {
    log.flush();
    // A store refused for a known reason (in use, damaged, not writable, unsupported) is said in one line; its
    // message carries no credentials (store/index.ts).
    if (err instanceof StoreOpenError) return refuse(`Store: ${err.message}`);
    logger.error({ err }, 'the learning loop could not be opened');
    log.flush();
    return refuse(`Store: the store ${redactUrl(settings.store)} could not be opened (${errorMessage(err)})`);
  }

  let app: FastifyInstance;
  try {
    app = await buildServer(settings, loop, logger);
    await app.listen({
      host: settings.host,
      port: settings.port,
      listenTextResolver: (address) => `personalizer listening at ${address}`,
    });
  } catch (err) {
    logger.error({ err }, 'the server could not start');
    await loop.close().catch(() => undefined);
    log.flush();
    return refuse(listenRefusal(err, settings.host, settings.port));
  }

  let stopping = false;
  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight requests');
    setTimeout(() => {
      logger.error('stop timed out; exiting');
      log.flush();
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    let code = 0;
    try {
      await app.close(); // stops accepting, waits for in-flight requests
      await loop.close(); // trainer stopped, store flushed and closed
      logger.info('stopped');
    } catch (err) {
      logger.error({ err }, 'error while stopping');
      code = 1;
    }
    log.flush();
    // Explicit: a stray handle (a timer in a dependency) must not keep a stopped container alive.
    process.exit(code);
  };
  announceReady();
  process.off('SIGTERM', remember);
  process.off('SIGINT', remember);
  // once: a second signal during the stop takes the default action and ends the process at once.
  process.once('SIGTERM', (s) => void stop(s));
  process.once('SIGINT', (s) => void stop(s));
  if (earlySignal !== undefined) void stop(earlySignal);
}

function refuse(line: string): number {
  process.stderr.write(`personalizer: refusing to start: ${line.replace(/\s+/g, ' ')}\n`);
  return 1;
}

/** null when `dir` exists (or was created) and this process may write in it; else why not. */
async function writableDirectory(dir: string): Promise<string | null> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? errorMessage(err);
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
