// The ranker: ranks typical Ranks on the main thread and hands heavy ones to its worker thread. Rank's computing
// (featurize the interaction terms, score, explore, sample) is most of what a Rank costs beyond HTTP, JSON and
// the durable insert.
//
// A typical Rank (10 actions × 10 features: ~2,600 terms, ~18 µs) is ranked right here, on the main thread: a
// worker's round trip (copying the context, two messages, waking two threads) costs more CPU than that, 20–25 µs
// per Rank over all threads as measured by bench/http.bench.ts, so on the 1–2 cores a container usually gets the
// worker would only slow Ranks down. A Rank that expands to more than INLINE_MAX_FEATURES terms (the featurizer
// says so before building them), or whose context is longer than INLINE_MAX_CHARS, goes to the worker, so that a
// heavy request (up to 2 million terms, ~50 ms) never stalls the event loop for the others.
//
// Jobs queued during one turn of the event loop go to the worker in one message, and it answers them in one.
// The main thread's engine has the same model as the worker's: it checks each model before the worker gets it,
// and ranks everything while the worker is down (a crash answers the jobs it held here, and the worker is
// restarted), so a Rank never fails because of the worker.
import { Worker } from 'node:worker_threads';
import type { NamedTerms } from './explain_terms.js';
import type { ValidRank } from './validate_rank.js';
import { RankEngine } from './rank_engine.js';
import type { FromRanker, RankFailure, RankJob, RankResult, RankerInit, RankerModel, ToRanker } from './ranker_protocol.js';

const RESTART_MS = 1000;
/**
 * ~7× a typical Rank's terms, at 5–7 ns each: ~100–150 µs of work at most on the main thread (50 actions × 10
 * features, 13,000 terms, fit).
 */
export const INLINE_MAX_FEATURES = 20_000;
/** Longer contexts are not even parsed here: parsing is a few µs per KB. */
export const INLINE_MAX_CHARS = 32 * 1024;

export interface RankerOptions {
  /** Ranks that expand to at most this many terms are ranked on the main thread (default INLINE_MAX_FEATURES). */
  inlineMaxFeatures?: number;
}

export type RankOutcome = RankResult | RankFailure;

export class Ranker {
  private worker: Worker | null = null;
  private readonly local: RankEngine;
  private init: RankerInit;
  private queue: RankJob[] = [];
  private scheduled = false;
  private readonly pending = new Map<number, { job: RankJob; resolve(r: RankOutcome): void }>();
  private nextId = 1;
  private closed = false;
  private readonly inlineMaxFeatures: number;
  private workerRanks = 0;

  /** Throws, as RankEngine does, when the model cannot be loaded. */
  constructor(
    init: RankerInit,
    private readonly log: (level: 'warn' | 'error', message: string) => void,
    options: RankerOptions = {},
  ) {
    this.local = new RankEngine(init.model, init.appId, init.maxFeatures);
    this.init = init;
    this.inlineMaxFeatures = options.inlineMaxFeatures ?? INLINE_MAX_FEATURES;
    this.spawn();
  }

  /** Ranks sent to the worker (the others were ranked on the main thread). */
  get rankedByWorker(): number {
    return this.workerRanks;
  }

  /** Whether the worker is up (otherwise the main thread ranks). */
  get workerRunning(): boolean {
    return this.worker !== null;
  }

  /** `slots`: a multi-slot Rank's slot ids (docs/multi-slot.md). */
  rank(context: string, eventId: string, slots?: string[]): Promise<RankOutcome> {
    const job: RankJob = slots === undefined ? { id: this.nextId++, context, eventId } : { id: this.nextId++, context, eventId, slots };
    if (this.worker === null) return Promise.resolve(this.local.rank(job));
    // A multi-slot Rank is bounded the same way: all its slots' terms together (3 slots × 10 actions × 10
    // features: ~8,000 terms) against the same limit.
    if (context.length <= INLINE_MAX_CHARS && this.inlineMaxFeatures > 0) {
      const r = this.local.rank(job, this.inlineMaxFeatures);
      if (r !== null) return Promise.resolve(r);
    }
    this.workerRanks++;
    return new Promise((resolve) => {
      this.pending.set(job.id, { job, resolve });
      this.queue.push(job);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.send());
      }
    });
  }

  /**
   * The score terms of the one action of `context` (explain.ts), on the main thread: a single action's terms are a
   * fraction of a Rank's work. The main thread's model is the worker's (it is installed here first).
   */
  explain(context: string, v: Pick<ValidRank, 'contextFeatures' | 'actions'>, position: number): NamedTerms {
    return this.local.explain(context, v, position);
  }

  /** Throws when the model cannot be loaded; the current one stays then, here and in the worker. */
  install(model: RankerModel): void {
    this.local.install(model);
    this.init = { ...this.init, model };
    this.post({ type: 'model', model });
  }

  setEpsilon(epsilon: number): void {
    this.local.setEpsilon(epsilon);
    this.init = { ...this.init, model: { ...this.init.model, epsilon } };
    this.post({ type: 'epsilon', epsilon });
  }

  /** Answers what is pending and ends the worker. */
  async stop(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    this.send();
    this.answerHere();
    if (worker) await worker.terminate();
  }

  /** Ends the worker at once, as a crash would (tests); it is restarted like after a crash. */
  async kill(): Promise<void> {
    await this.worker?.terminate();
  }

  private post(m: ToRanker): void {
    this.worker?.postMessage(m);
  }

  private send(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const jobs = this.queue;
    this.queue = [];
    if (this.worker === null) {
      for (const job of jobs) this.settle(this.local.rank(job));
      return;
    }
    this.post({ type: 'rank', jobs });
  }

  private settle(r: RankOutcome): void {
    const p = this.pending.get(r.id);
    if (p === undefined) return;
    this.pending.delete(r.id);
    p.resolve(r);
  }

  /** The jobs sent to a worker that is gone: ranked here, with the same model. */
  private answerHere(): void {
    for (const { job } of [...this.pending.values()]) this.settle(this.local.rank(job));
  }

  private spawn(): void {
    const worker = new Worker(new URL('./ranker_worker.js', import.meta.url), { workerData: this.init });
    worker.unref();
    this.worker = worker;
    worker.on('message', (m: FromRanker) => {
      if (m.type === 'ranked') for (const r of m.results) this.settle(r);
      else this.log(m.level, m.message);
    });
    worker.on('error', (err) => this.log('error', `ranker worker failed: ${err.stack ?? err.message}`));
    worker.on('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.answerHere();
      if (this.closed) return;
      this.log('error', `ranker worker exited (code ${code}); the main thread ranks until it is restarted`);
      setTimeout(() => this.closed || this.worker !== null || this.spawn(), RESTART_MS).unref();
    });
  }
}
