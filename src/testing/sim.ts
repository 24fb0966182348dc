// The simulated Personalizer log of the replay benchmark and of the 200k-event VW reference test: 5 actions with
// shared User/Context/Geo namespaces and one Action namespace each (275 features per event with -q ::), logged by
// an epsilon-greedy policy (0.2) around action 0, with rewards from a hidden logistic model. Deterministic: the
// same (events, seed) always gives the same bytes, so a test can regenerate the file VW's reference outputs
// (src/engine/vw_reference_200k.json) were computed from.
import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { prng } from './fixtures.js';

const ACTIONS = [
  { id: 'a1', cat: 'news', price: 0.2 },
  { id: 'a2', cat: 'sports', price: 0.5 },
  { id: 'a3', cat: 'tech', price: 0.9 },
  { id: 'a4', cat: 'news', price: 0.6 },
  { id: 'a5', cat: 'tech', price: 0.3 },
];
const pick = <T>(r: () => number, xs: T[]): T => xs[Math.floor(r() * xs.length)]!;

/** The DSJSON lines of the simulation, one event each (no trailing newline). */
export function* simLines(n: number, seed: number): Generator<string> {
  const r = prng(seed);
  const multi = ACTIONS.map((a) => ({ Action: a }));
  for (let t = 0; t < n; t++) {
    const age = Math.round(r() * 1000) / 1000;
    const hour = Math.round(r() * 1000) / 1000;
    const tier = pick(r, ['bronze', 'silver', 'gold']);
    const ctx = {
      User: { age, tier, gender: pick(r, ['f', 'm']) },
      Context: { device: pick(r, ['mobile', 'desktop', 'tablet']), hour },
      Geo: { region: pick(r, ['na', 'eu', 'apac']) },
      _multi: multi,
    };
    // Logging policy: epsilon-greedy (0.2) around action 0, chosen swapped to the front.
    const order = [0, 1, 2, 3, 4];
    const p = [0.84, 0.04, 0.04, 0.04, 0.04];
    const u = r();
    const ci = u < 0.84 ? 0 : 1 + Math.min(3, Math.floor((u - 0.84) / 0.04));
    [order[0], order[ci]] = [order[ci]!, order[0]!];
    [p[0], p[ci]] = [p[ci]!, p[0]!];
    const chosen = order[0]!;
    const logit = -1 + (tier === 'gold' ? 1 : 0) + hour * ACTIONS[chosen]!.price - age * 0.5;
    const reward = r() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    const eventId = `evt-${String(t).padStart(7, '0')}-${seed}`;
    yield JSON.stringify({
      _label_cost: -reward,
      _label_probability: p[0],
      _label_Action: chosen + 1,
      _labelIndex: chosen,
      o: [{ v: reward, EventId: eventId, ActionTaken: false }],
      Timestamp: '2024-01-01T00:00:00.000000Z',
      Version: '1',
      EventId: eventId,
      a: order.map((o) => o + 1),
      c: ctx,
      p,
      VWState: { m: 'sim-logging-policy' },
      _original_label_cost: -reward,
    });
  }
}

/** Writes simLines(n, seed) to path, one line each (through path.partial, renamed when complete). */
export function writeSimFile(path: string, n: number, seed: number): void {
  const tmp = path + '.partial';
  const fd = openSync(tmp, 'w');
  try {
    let chunk = '';
    for (const line of simLines(n, seed)) {
      chunk += line + '\n';
      if (chunk.length > 1 << 20) {
        writeSync(fd, chunk);
        chunk = '';
      }
    }
    writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
