// Functions for driving several server processes of one loop (docs/scale-out.md) from outside, as an operator
// would: which process is the trainer leader is read from each one's GET /metrics.
import { sleep, type RunningServer } from './harness.js';

/** A sample's value in a Prometheus text exposition (the unlabelled series), undefined when absent. */
export function metricValue(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

export interface LeaderView {
  leader: boolean;
  /** The lease epoch on the leader, 0 on a follower. */
  epoch: number | undefined;
}

/** Asks one server whether it is the trainer leader; null when it does not answer. */
export async function leaderView(server: Pick<RunningServer, 'url' | 'key'>): Promise<LeaderView | null> {
  try {
    const r = await fetch(`${server.url}/metrics`, { headers: { 'Ocp-Apim-Subscription-Key': server.key } });
    const text = await r.text();
    if (r.status !== 200) return null;
    return { leader: metricValue(text, 'personalizer_trainer_leader') === 1, epoch: metricValue(text, 'personalizer_trainer_lease_epoch') };
  } catch {
    return null;
  }
}

/** Polls `servers` until one says it leads; rejects after `timeoutMs`. */
export async function findLeader<S extends Pick<RunningServer, 'url' | 'key'>>(
  servers: readonly S[],
  timeoutMs: number,
  pollMs = 50,
): Promise<{ server: S; epoch: number | undefined }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const s of servers) {
      const v = await leaderView(s);
      if (v?.leader) return { server: s, epoch: v.epoch };
    }
    if (Date.now() > deadline) throw new Error(`no trainer leader among ${servers.map((s) => s.url).join(', ')} within ${timeoutMs} ms`);
    await sleep(pollMs);
  }
}
