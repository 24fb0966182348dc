// For tests and benchmarks only: runs `personalizer serve` as a real child process on a loopback port with a
// fresh store (SQLite in a temp dir; under TEST_STORE=postgres a fresh PostgreSQL database), both removed by stop(),
// and waits until /ready answers 200. The server is started by conformance/harness.ts's startServer, the one
// implementation; these wrappers keep the product's own defaults (no Billing, no DefaultPolicy) and an OS-picked port.
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { startServer } from '../conformance/harness.js';

export { serverEntry as cliEntry } from '../conformance/harness.js';

export interface StartServerOptions {
  /** Extra `Key=Value` settings; `Eula`, `ApiKey`, `Host`, `Port`, `Store` given here or in env replace the helper's own. */
  args?: string[];
  /** Added to the parent's environment. */
  env?: NodeJS.ProcessEnv;
  /** The key; random when omitted. */
  key?: string;
  /** Milliseconds to wait for /ready (default: testing/wait.ts's bound). */
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
  /** Sends the signal (SIGTERM by default), waits for the exit, removes the store; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServerProcess(options: StartServerOptions = {}): Promise<ServerProcess> {
  const server = await startServer({
    key: options.key ?? randomBytes(16).toString('hex'),
    // Port 0: the OS picks a free port and the start-up line reports it, so parallel tests never collide.
    port: 0,
    azureDefaults: false,
    ...(options.args === undefined ? {} : { args: options.args }),
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.timeoutMs === undefined ? {} : { startTimeoutMs: options.timeoutMs }),
  });
  const { url, port, key, dir, child, stdout, stderr, exited } = server;
  const stop = async (signal?: NodeJS.Signals): Promise<number | null> => {
    const code = await server.stop(signal);
    await server.cleanup();
    return code;
  };
  return { url, port, key, dir, child, stdout, stderr, exited, stop };
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
