// Test-only: waiting on observable state (a metric, a model's learned-event counter, a log line) instead of
// sleeping a fixed time. A wait polls until its probe holds; its overall bound is generous (WAIT_BOUND_MS, 120 s
// unless TEST_WAIT_MS says otherwise) so that only a truly broken run reaches it, never a slow or loaded machine.

/** The overall bound of a wait, in ms: what only a broken run reaches. */
export const WAIT_BOUND_MS = Number(process.env['TEST_WAIT_MS'] ?? 120_000);

export interface WaitOptions {
  /** How often the probe runs (ms; default 50). */
  pollMs?: number;
  /** The overall bound (ms; default WAIT_BOUND_MS). */
  boundMs?: number;
}

/**
 * Polls `probe` until it gives a value other than undefined, null or false, and returns that value; throws
 * "timed out … waiting for <what>" past the bound.
 */
export async function waitFor<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, options: WaitOptions = {}): Promise<T> {
  const bound = options.boundMs ?? WAIT_BOUND_MS;
  const start = performance.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (performance.now() - start > bound) throw new Error(`timed out after ${bound} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50));
  }
}

/** One sample of a server's GET /metrics (Prometheus text), or null when the series is absent. */
export async function metric(server: { url: string; key: string }, name: string): Promise<number | null> {
  const r = await fetch(`${server.url}/metrics`, { headers: { 'Ocp-Apim-Subscription-Key': server.key } });
  const line = (await r.text()).split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? null : Number(line.split(' ')[1]);
}
