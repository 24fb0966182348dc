// Drives a real server process over loopback for the end-to-end conformance tests and the benchmarks; its
// startServer is the one place that starts a server for tests (api/test_server.ts wraps it with the product's
// defaults). Everything here talks to the server the way a client would: a child process, a TCP port, HTTP.
// TEST_STORE=postgres runs the same servers on PostgreSQL: each store a test asks for (tempStore, or a server
// started without one) is then a fresh database on the test server (testing/postgres.ts), dropped by cleanup.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '../testing/postgres.js';
import { WAIT_BOUND_MS } from '../testing/wait.js';

/** The folder holding package.json, found by walking up from this module (works from src/ and dist/). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The shared reference folder (`../shared` next to the repository), or undefined when it is absent. */
export function sharedDir(): string | undefined {
  const dir = resolve(repoRoot(), '..', 'shared');
  return existsSync(dir) ? dir : undefined;
}

/** The compiled CLI entry point; tests skip when it has not been built. */
export function serverEntry(): string {
  return join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
}

export function serverAvailable(): boolean {
  return existsSync(serverEntry());
}

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

export function tempDir(prefix = 'personalizer-conf-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Whether the servers tests start store on PostgreSQL (TEST_STORE=postgres) rather than in SQLite files. */
export function testOnPostgres(): boolean {
  return process.env['TEST_STORE'] === 'postgres';
}

export interface TestStore {
  /** `sqlite:<file>` in a temp dir, or `postgres://…/<fresh database>` under TEST_STORE=postgres. */
  url: string;
  /** Removes the file's dir or drops the database (after the servers using it have stopped). */
  cleanup(): Promise<void>;
}

/** An empty store for one test, which several server lives (restarts) may share. */
export async function tempStore(prefix = 'personalizer-conf-'): Promise<TestStore> {
  if (testOnPostgres()) {
    const db = await createTestDatabase(prefix.replace(/[^a-z0-9]+/gi, '_').replace(/_+$/, ''));
    return { url: db.url, cleanup: () => db.drop().catch(() => undefined) };
  }
  const t = tempDir(prefix);
  return { url: 'sqlite:' + join(t.dir, 'personalizer.db'), cleanup: async () => t.cleanup() };
}

export interface ServerOptions {
  /** A store URL; when neither this nor args/env give one, a fresh store of the server's own (see RunningServer.dir). */
  store?: string;
  /** The key (`ApiKey`); a fixed test key when omitted. */
  key?: string;
  /** The port: a free one found beforehand when omitted; 0 lets the OS pick, read from the start-up line. */
  port?: number;
  /** Extra `Key=Value` settings; a setting named here or in env replaces the helper's own. */
  args?: string[];
  /** Added to the parent's environment. */
  env?: NodeJS.ProcessEnv;
  /**
   * Start as Azure's container is started (the default): `Billing` given and loops on Azure's default policy
   * (`DefaultPolicy=azure-default`, docs/policy-presets.md), since the conformance suite checks Azure's behaviour.
   * false: the product's own defaults, as the API tests check them.
   */
  azureDefaults?: boolean;
  /** How long to wait for /ready (ms); by default a bound only a broken start reaches (testing/wait.ts). */
  startTimeoutMs?: number;
}

export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Endpoint as an SDK takes it (same as url). */
  endpoint: string;
  /** `<url>/personalizer/v1.0` */
  base: string;
  port: number;
  key: string;
  /** The store URL the server runs on. */
  store: string;
  /**
   * A temp dir of this server's own; the store is `sqlite:<dir>/personalizer.db` when the helper made it (on
   * PostgreSQL, under TEST_STORE=postgres, a fresh database). Removed by cleanup(), or when the server exits if it is
   * empty.
   */
  dir: string;
  child: ChildProcess;
  pid: number;
  /** Everything the process printed, both streams in order (its last 100-200 kB), for diagnostics. */
  output(): string;
  /** All stdout so far (pino JSON lines). */
  stdout(): string;
  stderr(): string;
  /** Sends the signal (SIGTERM by default) and waits for the exit; the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL (kill -9) and wait for the exit. */
  kill9(): Promise<number | null>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

const DEFAULT_KEY = 'conformance-test-key-0123456789abcdef';
const LISTENING = /personalizer listening at (https?:\/\/[^"\s]+)/;

/**
 * The one implementation that starts `personalizer serve` for tests and benchmarks (api/test_server.ts wraps it):
 * a child process on a loopback port, waited for until /ready answers 200. cleanup() removes the store the helper
 * made (after the server has stopped: a store given or kept may serve several server lives).
 */
export async function startServer(opts: ServerOptions = {}): Promise<RunningServer & { cleanup(): Promise<void> }> {
  const given = new Set([...settingsIn(opts.args ?? []).keys(), ...Object.keys(opts.env ?? {}).map(settingKey)]);
  let store = settingValue(opts, 'Store') ?? opts.store;
  const database = store === undefined && testOnPostgres() ? await createTestDatabase('personalizer_server') : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'personalizer-test-'));
  store ??= database?.url ?? `sqlite:${join(dir, 'personalizer.db')}`;
  const cleanup = async (): Promise<void> => {
    rmSync(dir, { recursive: true, force: true });
    await database?.drop().catch(() => undefined);
  };
  const key = opts.key ?? settingValue(opts, 'ApiKey') ?? DEFAULT_KEY;
  // A port the caller names is used as is (the start-up line may be below the log level); 0 is read from that line.
  const named = Number(settingValue(opts, 'Port') ?? Number.NaN);
  const port = Number.isInteger(named) ? named : (opts.port ?? (await freePort()));
  const azure = opts.azureDefaults ?? true;
  const defaults = [
    'Eula=accept',
    ...(azure ? ['Billing=https://localhost.invalid/'] : []),
    `ApiKey=${key}`,
    'Host=127.0.0.1',
    `Port=${port}`,
    `Store=${store}`,
    ...(azure ? ['DefaultPolicy=azure-default'] : []),
  ].filter((a) => !given.has(settingKey(a.slice(0, a.indexOf('=')))));
  const child = spawn(process.execPath, [serverEntry(), 'serve', ...defaults, ...(opts.args ?? [])], {
    cwd: repoRoot(),
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let both = '';
  const keep = (s: string): void => {
    both += s;
    if (both.length > 200_000) both = both.slice(-100_000);
  };
  child.stdout!.setEncoding('utf8').on('data', (s: string) => ((out += s), keep(s)));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => ((err += s), keep(s)));
  const exited = new Promise<number | null>((ok) =>
    child.once('exit', (code) => {
      try {
        rmdirSync(dir); // only when empty: a store the helper made there outlives this life until cleanup()
      } catch {
        /* holds the store, or already removed */
      }
      ok(code);
    }),
  );
  let gone = false;
  void exited.then(() => (gone = true));

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (!gone) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? WAIT_BOUND_MS);
  let url = port > 0 ? `http://127.0.0.1:${port}` : undefined;
  for (;;) {
    if (gone) {
      await cleanup();
      throw new Error(`server exited before it was ready:\n${both}`);
    }
    url ??= LISTENING.exec(out)?.[1];
    if (url !== undefined) {
      try {
        const r = await fetch(`${url}/ready`);
        await r.arrayBuffer();
        if (r.status === 200) break;
      } catch {
        /* not listening yet */
      }
    }
    if (Date.now() > deadline) {
      await stop('SIGKILL');
      await cleanup();
      throw new Error(`server not ready within the start timeout:\n${both}`);
    }
    await sleep(25);
  }
  return {
    url,
    endpoint: url,
    base: `${url}/personalizer/v1.0`,
    port: Number(new URL(url).port),
    key,
    store,
    dir,
    child,
    pid: child.pid!,
    output: () => both,
    stdout: () => out,
    stderr: () => err,
    stop,
    kill9: () => stop('SIGKILL'),
    exited,
    cleanup,
  };
}

/** A setting's key as the server compares them: `__` for `:`, case-insensitive (settings/sources.ts). */
function settingKey(name: string): string {
  return name.replace(/^(--|\/)/, '').replace(/__/g, ':').toLowerCase();
}

/** `Key=Value` arguments as the server reads them: the last value of each key. */
function settingsIn(args: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const a of args) if (a.indexOf('=') > 0) values.set(settingKey(a.slice(0, a.indexOf('='))), a.slice(a.indexOf('=') + 1));
  return values;
}

/** The value the caller gives a setting: an argument wins over the environment, as in the server. */
function settingValue(opts: ServerOptions, name: string): string | undefined {
  const key = name.toLowerCase();
  return settingsIn(opts.args ?? []).get(key) ?? Object.entries(opts.env ?? {}).find(([k]) => settingKey(k) === key)?.[1];
}

export function sleep(ms: number): Promise<void> {
  return new Promise((ok) => setTimeout(ok, ms));
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  bytes: Uint8Array;
  /** Parsed body when it is JSON, else undefined. */
  json: any;
}

export interface CallOptions {
  body?: unknown;
  /** Sent as-is (string or bytes) instead of JSON.stringify(body). */
  raw?: string | Uint8Array;
  contentType?: string | null;
  key?: string | null;
  headers?: Record<string, string>;
}

/** A small JSON-over-HTTP client for one server's v1.0 base path. */
export class Api {
  constructor(
    readonly base: string,
    readonly key: string,
  ) {}

  async call(method: string, path: string, o: CallOptions = {}): Promise<HttpResult> {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? this.key : o.key;
    if (key !== null) headers['Ocp-Apim-Subscription-Key'] = key;
    let body: string | Uint8Array | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    const ct = o.contentType === undefined ? (body !== undefined ? 'application/json; charset=utf-8' : null) : o.contentType;
    if (ct !== null) headers['Content-Type'] = ct;
    const r = await fetch(this.base + path, { method, headers, body });
    const bytes = new Uint8Array(await r.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    let json: any;
    if ((r.headers.get('content-type') ?? '').includes('json') && text.length > 0) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    return { status: r.status, headers: r.headers, text, bytes, json };
  }

  get(path: string, o?: CallOptions): Promise<HttpResult> {
    return this.call('GET', path, o);
  }
  put(path: string, body: unknown, o?: CallOptions): Promise<HttpResult> {
    return this.call('PUT', path, { ...o, body });
  }
  post(path: string, body?: unknown, o?: CallOptions): Promise<HttpResult> {
    return this.call('POST', path, { ...o, body });
  }
  delete(path: string, o?: CallOptions): Promise<HttpResult> {
    return this.call('DELETE', path, o);
  }

  rank(request: unknown): Promise<HttpResult> {
    return this.post('/rank', request);
  }
  reward(eventId: string, value: unknown): Promise<HttpResult> {
    return this.post(`/events/${encodeURIComponent(eventId)}/reward`, { value });
  }
  activate(eventId: string): Promise<HttpResult> {
    return this.call('POST', `/events/${encodeURIComponent(eventId)}/activate`, { contentType: null });
  }
}

/** Describe a response for assertion messages. */
export function show(r: HttpResult): string {
  return `${r.status} ${r.headers.get('content-type') ?? ''} ${r.text.slice(0, 500)}`;
}

/** Run `fn` over `items` with at most `limit` in flight. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export interface ModelHeader {
  version: string;
  id: string;
  minLabel: number;
  maxLabel: number;
  bits: number;
  options: string;
  checksum: number;
  /** cb_adf's counters (present when options hold --cb_adf): with --cb_type mtr, eventSum = learned events. */
  eventSum?: bigint;
  actionSum?: bigint;
}

/** Read the header of a VW 9.x binary model (docs/learner.md §8): little-endian, strings are u32 length + bytes with NUL. */
export function parseModelHeader(bytes: Uint8Array): ModelHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > bytes.length) throw new Error(`model truncated at byte ${pos} (need ${n} of ${bytes.length})`);
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const f32 = (): number => {
    need(4);
    const v = view.getFloat32(pos, true);
    pos += 4;
    return v;
  };
  const str = (): string => {
    const n = u32();
    need(n);
    const s = new TextDecoder().decode(bytes.subarray(pos, pos + n));
    pos += n;
    return s.replace(/\0$/, '');
  };
  const version = str();
  const id = str();
  need(1);
  pos += 1; // 'm'
  const minLabel = f32();
  const maxLabel = f32();
  const bits = u32();
  u32(); // lda
  const ngrams = u32();
  pos += ngrams * 3;
  const skips = u32();
  pos += skips * 3;
  const options = str();
  const csLen = u32();
  need(csLen);
  const checksum = csLen === 4 ? view.getUint32(pos, true) : 0;
  pos += csLen;
  const header: ModelHeader = { version, id, minLabel, maxLabel, bits, options, checksum };
  if (/(^|\s)--cb_adf(\s|$)/.test(options)) {
    need(16);
    header.eventSum = view.getBigUint64(pos, true);
    header.actionSum = view.getBigUint64(pos + 8, true);
  }
  return header;
}
