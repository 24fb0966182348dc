// A closed-loop Rank+Reward load against a running server, for the benchmarks that need each request's own
// latency (autocannon merges every request of a sequence into one histogram). Each of `connections` clients
// ranks, then rewards the event it was given, over keep-alive HTTP/1.1, until the time is up; the latencies of
// the two kinds are kept apart. Requests are bounded in time and only ever sent to the given (loopback) URL.
import http from 'node:http';

export interface LoadResult {
  rank: number[];
  reward: number[];
  /** Responses other than 201 (rank) and 204 (reward), and failed connections. */
  failures: number;
  seconds: number;
}

export interface LoadOptions {
  url: string;
  key: string;
  connections: number;
  seconds: number;
  /** The Rank body for the n-th event of this run. */
  rankBody: (eventId: string) => string;
  /** The reward sent after each rank (null: no reward). */
  reward: (n: number) => number | null;
  /** Prefix of this run's event ids (unique per run). */
  prefix: string;
}

function post(agent: http.Agent, url: URL, path: string, key: string, body: string): Promise<number> {
  return new Promise((ok, fail) => {
    const req = http.request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
          'ocp-apim-subscription-key': key,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => ok(res.statusCode ?? 0));
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

export async function rankRewardLoad(o: LoadOptions): Promise<LoadResult> {
  const url = new URL(o.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const out: LoadResult = { rank: [], reward: [], failures: 0, seconds: o.seconds };
  const end = Date.now() + o.seconds * 1000;
  let n = 0;
  const client = async (): Promise<void> => {
    while (Date.now() < end) {
      const i = n++;
      const eventId = `${o.prefix}-${i}`;
      let t = performance.now();
      try {
        const status = await post(agent, url, '/personalizer/v1.0/rank', o.key, o.rankBody(eventId));
        out.rank.push(performance.now() - t);
        if (status !== 201) out.failures++;
        const value = o.reward(i);
        if (value === null || status !== 201) continue;
        t = performance.now();
        const s2 = await post(agent, url, `/personalizer/v1.0/events/${eventId}/reward`, o.key, `{"value":${value}}`);
        out.reward.push(performance.now() - t);
        if (s2 !== 204) out.failures++;
      } catch {
        out.failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.connections }, client));
  agent.destroy();
  return out;
}

/** The q-quantile (0…1) of `xs` (nearest rank), in the same unit. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
