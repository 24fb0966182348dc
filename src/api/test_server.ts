// For tests and benchmarks only: runs `personalizer serve` as a real child process on a loopback port with a
// fresh SQLite store in a temp dir (under TEST_STORE=postgres: a fresh PostgreSQL database, dropped by stop()),
// and waits until /ready answers 200.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '../testing/postgres.js';
import { WAIT_BOUND_MS } from '../testing/wait.js';

export interface StartServerOptions {
  /** Extra `Key=Value` settings; `Eula`, `ApiKey`, `Host`, `Port`, `Store` given here or in env replace the helper's own. */
  args?: string[];
  /** Added to the parent's environment. */
  env?: NodeJS.ProcessEnv;
  /** The key; random when omitted. */
  key?: string;
  /** Milliseconds to wait for /ready (default 20 s). */
  timeoutMs?: number;
}

export interface ServerProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  key: string;
  /** The temp dir holding the store (removed by stop()). */
  dir: string;
  child: ChildProcess;
  /** All stdout so far (pino JSON lines). */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Sends the signal (SIGTERM by default), waits for the exit, removes the temp dir; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function cliEntry(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'src', 'cli', 'main.js');
    dir = dirname(dir);
  }
  throw new Error('package.json not found above the test server helper');
}

const LISTENING = /personalizer listening at (https?:\/\/[^"\s]+)/;

export async function startServerProcess(options: StartServerOptions = {}): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'personalizer-test-'));
  const key = options.key ?? randomBytes(16).toString('hex');
  // The helper's defaults give way to any setting the caller passes, as an argument or in the environment.
  const given = new Set([
    ...(options.args ?? []).map((a) => a.slice(0, a.indexOf('=')).replace(/^(--|\/)/, '').toLowerCase()),
    ...Object.keys(options.env ?? {}).map((k) => k.replace(/__/g, ':').toLowerCase()),
  ]);
  const database = !given.has('store') && process.env['TEST_STORE'] === 'postgres' ? await createTestDatabase('personalizer_server') : null;
  const defaults = [
    'Eula=accept',
    `ApiKey=${key}`,
    'Host=127.0.0.1',
    // Port 0: the OS picks a free port and the start-up line reports it, so parallel tests never collide.
    'Port=0',
    `Store=${database ? database.url : `sqlite:${join(dir, 'personalizer.db')}`}`,
  ].filter((a) => !given.has(a.slice(0, a.indexOf('=')).toLowerCase()));
  const child = spawn(process.execPath, [cliEntry(), 'serve', ...defaults, ...(options.args ?? [])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (!gone) child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const code = await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
    await database?.drop().catch(() => undefined);
    return code;
  };

  // Until it is ready, or a bound only a broken start reaches (testing/wait.ts): a loaded machine starts slowly.
  const deadline = Date.now() + (options.timeoutMs ?? WAIT_BOUND_MS);
  // A fixed port given by the caller is used as is (the start-up line may be below the log level).
  const fixed = fixedPort(options);
  let url: string | undefined = fixed === undefined ? undefined : `http://127.0.0.1:${fixed}`;
  for (;;) {
    if (gone) {
      await stop();
      throw new Error(`server exited before it was ready:\n${out}\n${err}`);
    }
    url ??= LISTENING.exec(out)?.[1];
    if (url !== undefined) {
      try {
        const response = await fetch(`${url}/ready`);
        await response.arrayBuffer();
        if (response.status === 200) break;
      } catch {
        // not answering yet
      }
    }
    if (Date.now() > deadline) {
      await stop('SIGKILL');
      throw new Error(`server not ready within the timeout:\n${out}\n${err}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const port = Number(new URL(url).port);
  return { url, port, key, dir, child, stdout: () => out, stderr: () => err, exited, stop };
}

function fixedPort(options: StartServerOptions): number | undefined {
  const fromArgs = (options.args ?? []).filter((a) => /^(--|\/)?port=/i.test(a)).pop()?.split('=')[1];
  const fromEnv = Object.entries(options.env ?? {}).find(([k]) => k.toLowerCase() === 'port')?.[1];
  // Arguments win over the environment, as in the settings themselves.
  const port = Number(fromArgs !== undefined ? fromArgs : (fromEnv ?? 0));
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON. */
  json: any;
}

/** One HTTP call: `body` is sent as JSON; `raw` as-is; `key: null` sends no key header. */
export async function call(
  server: Pick<ServerProcess, 'url' | 'key'>,
  method: string,
  path: string,
  o: { body?: unknown; raw?: string | Uint8Array; contentType?: string | null; key?: string | null } = {},
): Promise<HttpAnswer> {
  const headers: Record<string, string> = {};
  const key = o.key === undefined ? server.key : o.key;
  if (key !== null) headers['Ocp-Apim-Subscription-Key'] = key;
  const payload = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
  const contentType = o.contentType === undefined ? (payload === undefined ? null : 'application/json; charset=utf-8') : o.contentType;
  if (contentType !== null) headers['Content-Type'] = contentType;
  const response = await fetch(server.url + path, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}
