// Rolling and whole-run figures of a simulation: per event, the reward the loop received and the expected
// reward (hidden click probability) of the loop's choice, of the baseline (the app's first action, Azure's
// Baseline1), of a uniformly random choice (Azure's BaselineRand) and of the oracle (the best expected action).
// Expected rewards are what the table compares: they carry none of the click draw's noise, so a window of a few
// hundred events already tells a learning loop from the baseline.
import { createHash } from 'node:crypto';

export interface EventOutcome {
  index: number;
  eventId: string;
  /** The scenario index of the action the loop chose (rewardActionId). */
  chosen: number;
  reward: number;
  expected: number[];
}

export interface Figures {
  events: number;
  /** Mean reward the loop received. */
  loop: number;
  /** Mean expected reward of the loop's choices. */
  loopExpected: number;
  baseline: number;
  random: number;
  oracle: number;
  /** loopExpected / baseline − 1. */
  lift: number;
  /** Share of events where the loop chose an oracle action. */
  oracleShare: number;
}

interface Sums {
  n: number;
  loop: number;
  loopExpected: number;
  baseline: number;
  random: number;
  oracle: number;
  hits: number;
}

const zero = (): Sums => ({ n: 0, loop: 0, loopExpected: 0, baseline: 0, random: 0, oracle: 0, hits: 0 });

function row(o: EventOutcome): Sums {
  const best = Math.max(...o.expected);
  return {
    n: 1,
    loop: o.reward,
    loopExpected: o.expected[o.chosen]!,
    baseline: o.expected[0]!,
    random: o.expected.reduce((s, x) => s + x, 0) / o.expected.length,
    oracle: best,
    hits: o.expected[o.chosen]! === best ? 1 : 0,
  };
}

function add(into: Sums, r: Sums, sign: 1 | -1): void {
  into.n += sign * r.n;
  into.loop += sign * r.loop;
  into.loopExpected += sign * r.loopExpected;
  into.baseline += sign * r.baseline;
  into.random += sign * r.random;
  into.oracle += sign * r.oracle;
  into.hits += sign * r.hits;
}

function figures(s: Sums): Figures {
  const n = Math.max(1, s.n);
  return {
    events: s.n,
    loop: s.loop / n,
    loopExpected: s.loopExpected / n,
    baseline: s.baseline / n,
    random: s.random / n,
    oracle: s.oracle / n,
    lift: s.baseline > 0 ? s.loopExpected / s.baseline - 1 : 0,
    oracleShare: s.hits / n,
  };
}

/**
 * Outcomes arrive in any order (concurrent requests); the rolling window is over the last `window` events in
 * event order that have completed without a gap, so the live line never mixes in a late event twice.
 */
export class SimulationStats {
  private readonly total = zero();
  private readonly recent = zero();
  private readonly rows: Sums[] = [];
  private readonly pending = new Map<number, EventOutcome>();
  private readonly outcomes: EventOutcome[] = [];
  private next = 0;

  constructor(readonly window: number) {}

  record(o: EventOutcome): void {
    this.pending.set(o.index, o);
    for (let p = this.pending.get(this.next); p !== undefined; p = this.pending.get(this.next)) {
      this.pending.delete(this.next);
      this.outcomes.push(p);
      const r = row(p);
      add(this.total, r, 1);
      add(this.recent, r, 1);
      this.rows.push(r);
      if (this.rows.length > this.window) add(this.recent, this.rows[this.rows.length - 1 - this.window]!, -1);
      this.next++;
    }
  }

  /** Events completed in order so far. */
  get done(): number {
    return this.next;
  }

  overall(): Figures {
    return figures(this.total);
  }

  rolling(): Figures {
    return figures(this.recent);
  }

  /** First `n` events' figures (the untrained start, for the summary). */
  first(n: number): Figures {
    const s = zero();
    for (const r of this.rows.slice(0, n)) add(s, r, 1);
    return figures(s);
  }

  /** A digest of every event's id, choice and reward in event order: equal digests mean equal runs. */
  digest(): string {
    const h = createHash('sha256');
    for (const o of this.outcomes) h.update(`${o.eventId} ${o.chosen} ${o.reward}\n`);
    return h.digest('hex');
  }
}
