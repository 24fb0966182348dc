// Drives a real server process over loopback for the end-to-end conformance tests and the HTTP benchmark.
// Everything here talks to the server the way a client would: a child process, a TCP port, HTTP.
// TEST_STORE=postgres runs the same servers on PostgreSQL: each store a test asks for (tempStore, or a server
// started without one) is then a fresh database on the test server (testing/postgres.ts), dropped by cleanup.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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
  /** A store URL; a fresh one (tempStore) when omitted. */
  store?: string;
  key?: string;
  port?: number;
  /** Extra `Key=Value` settings. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the API to answer (ms). */
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
  store: string;
  child: ChildProcess;
  pid: number;
  /** Everything the process printed, for diagnostics. */
  output(): string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL (kill -9) and wait for the exit. */
  kill9(): Promise<void>;
  exited: Promise<number | null>;
}

const DEFAULT_KEY = 'conformance-test-key-0123456789abcdef';

export async function startServer(opts: ServerOptions = {}): Promise<RunningServer & { cleanup(): Promise<void> }> {
  let cleanupStore = async (): Promise<void> => {};
  let store = opts.store;
  if (!store) {
    const t = await tempStore();
    store = t.url;
    cleanupStore = t.cleanup;
  }
  const key = opts.key ?? DEFAULT_KEY;
  const port = opts.port ?? (await freePort());
  const args = [
    serverEntry(),
    'serve',
    'Eula=accept',
    'Billing=https://localhost.invalid/',
    `ApiKey=${key}`,
    `Port=${port}`,
    'Host=127.0.0.1',
    `Store=${store}`,
    // The conformance suite checks Azure's behaviour, so its loops start on Azure's default policy unless a test
    // names another (docs/policy-presets.md).
    ...(namesSetting(opts, 'DefaultPolicy') ? [] : ['DefaultPolicy=azure-default']),
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot(),
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer): void => {
    out += b.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
  let gone = false;
  void exited.then(() => (gone = true));

  const url = `http://127.0.0.1:${port}`;
  const base = `${url}/personalizer/v1.0`;
  // Until it answers, or a bound only a broken start reaches (testing/wait.ts): a loaded machine starts slowly.
  const deadline = Date.now() + (opts.startTimeoutMs ?? WAIT_BOUND_MS);
  for (;;) {
    if (gone) throw new Error(`server exited before answering:\n${out}`);
    try {
      const r = await fetch(`${base}/configurations/service`, { headers: { 'Ocp-Apim-Subscription-Key': key } });
      await r.arrayBuffer();
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not answer within the start timeout:\n${out}`);
    }
    await sleep(50);
  }

  const waitExit = async (signal: NodeJS.Signals): Promise<void> => {
    if (gone) return;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };
  return {
    url,
    endpoint: url,
    base,
    port,
    key,
    store,
    child,
    pid: child.pid!,
    output: () => out,
    stop: () => waitExit('SIGTERM'),
    kill9: () => waitExit('SIGKILL'),
    exited,
    cleanup: cleanupStore,
  };
}

/** Whether the options give the setting, as an argument or in the environment (keys match case-insensitively). */
function namesSetting(opts: ServerOptions, name: string): boolean {
  const key = name.toLowerCase();
  return (
    (opts.args ?? []).some((a) => a.slice(0, Math.max(0, a.indexOf('='))).replace(/^(--|\/)/, '').toLowerCase() === key) ||
    Object.keys(opts.env ?? {}).some((k) => k.replace(/__/g, ':').toLowerCase() === key)
  );
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

/** Read the header of a VW 9.x binary model (vw-learner.md §8): little-endian, strings are u32 length + bytes with NUL. */
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
