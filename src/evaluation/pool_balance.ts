// How the pool splits a pass's policies across its threads: by an estimate of each policy's cost, measured on a
// few events, so that the threads finish together (a pass lasts as long as its slowest thread). The unit costs
// are this engine's, per event and per feature the policy's featurizer expands (measured on Rank-shaped events
// of 10 actions with 224 to 2,621 features each: parsing ~8 ns a byte of context, expansion ~4 ns a feature;
// scoring and learning ~11 ns a feature for mtr, which updates the chosen action only, ~60 for ips and ~73 for
// dr, which regress every action). Policies of one feature configuration share a featurizer on a thread
// (pass.ts), so a thread pays a configuration's featurizing cost once, however many of its policies it runs.
import { createFeaturizer, FeatureError } from '../engine/index.js';
import { maskContext } from './mask.js';
import { featureSignature, replayConfig } from './pass.js';
import type { LoggedEvent, PassPolicy } from './types.js';

const SAMPLE = 16;
const PARSE_PER_BYTE = 8;
const EXPAND_PER_FEATURE = 4;
// dm and sm regress every action as ips does (cb_adf.cc learn_dm, learn_sm), so they cost about the same.
const LEARN_PER_FEATURE = { mtr: 11, ips: 60, dr: 73, dm: 60, sm: 60 } as const;
/** maskContext parses and re-serializes the context before the featurizer parses it again. */
const MASK_FACTOR = 3;

export interface Share {
  /** Indexes into the pass's policies, in their order. */
  policies: number[];
  /** Estimated cost of the thread's work, per event (arbitrary unit; comparable between shares). */
  cost: number;
}

/**
 * Splits policies across at most `threads` shares (longest processing time first, a configuration's featurizing
 * counted once per share). `rewardModel`: the arguments of the reward model the first share trains, absent when
 * the shares read a complete reward table instead. Always at least one share (a pass of no policy yields q̂).
 */
export function splitPolicies(
  events: readonly LoggedEvent[],
  policies: readonly PassPolicy[],
  rewardModel: string | undefined,
  threads: number,
): Share[] {
  const sample: LoggedEvent[] = [];
  const step = Math.max(1, Math.floor(events.length / SAMPLE));
  for (let t = 0; t < events.length && sample.length < SAMPLE; t += step) sample.push(events[t]!);
  let bytes = 0;
  for (const e of sample) bytes += e.context.length;
  bytes /= Math.max(1, sample.length);
  const features = new Map<string, number>();
  const featuresOf = (args: string, mask: PassPolicy['mask']): { sig: string; f: number } => {
    const config = replayConfig(args);
    const sig = featureSignature(config, mask);
    let f = features.get(sig);
    if (f === undefined) {
      const featurize = createFeaturizer(config, { reuse: true });
      let total = 0;
      for (const e of sample) {
        try {
          const ex = featurize(mask ? maskContext(e.context, mask) : e.context);
          for (const a of ex.actions) total += a.count;
        } catch (err) {
          if (!(err instanceof FeatureError)) throw err;
        }
      }
      f = total / Math.max(1, sample.length);
      features.set(sig, f);
    }
    return { sig, f };
  };
  const featurizeCost = (sig: string, masked: boolean): number =>
    (PARSE_PER_BYTE * bytes + EXPAND_PER_FEATURE * features.get(sig)!) * (masked ? MASK_FACTOR : 1);
  const items = policies.map((p, i) => {
    const { sig, f } = featuresOf(p.arguments, p.mask);
    return { i, sig, masked: p.mask !== undefined, cost: LEARN_PER_FEATURE[replayConfig(p.arguments).cbType] * f };
  });
  // The reward model is trained by the first share alone (the others read its q̂ as it goes, pool.ts): a thread of
  // its own when there are threads to spare, so that it runs beside the policies rather than before them.
  const count = Math.max(1, Math.min(threads, policies.length + (rewardModel !== undefined ? 1 : 0)));
  const shares = Array.from({ length: count }, () => ({ policies: [] as number[], cost: 0, sigs: new Set<string>() }));
  if (rewardModel !== undefined) {
    const { sig, f } = featuresOf(rewardModel, undefined);
    shares[0]!.cost += featurizeCost(sig, false) + LEARN_PER_FEATURE.mtr * f;
    shares[0]!.sigs.add(sig);
  }
  items.sort((a, b) => b.cost - a.cost || a.i - b.i);
  for (const it of items) {
    let best = shares[0]!;
    let bestCost = Infinity;
    for (const s of shares) {
      const c = s.cost + it.cost + (s.sigs.has(it.sig) ? 0 : featurizeCost(it.sig, it.masked));
      if (c < bestCost) {
        bestCost = c;
        best = s;
      }
    }
    best.cost = bestCost;
    best.sigs.add(it.sig);
    best.policies.push(it.i);
  }
  // A share left empty (its policies went where their featurizer already was) would only train the reward model.
  const used = shares.filter((s, k) => s.policies.length > 0 || (k === 0 && rewardModel !== undefined));
  if (used.length === 0) used.push(shares[0]!);
  return used.map((s) => ({ policies: s.policies.sort((a, b) => a - b), cost: s.cost }));
}
