// The evaluation job queue (docs/architecture.md "Threads and processes": evaluation jobs run in their own workers and
// write progress and results to the store). One FIFO queue, one job at a time: a job's replays use every core
// (evaluation/), so two at once would only share them. Each job runs in a worker thread that reads the events
// and writes the result itself (evaluation_worker.ts); this side, on the thread that ranks, only writes small
// status rows: running, progress (at most once a second), failed.
//
// Lifecycle: pending → running → completed (the worker commits the result) or failed (+ failureReason). A
// deleted evaluation's worker is terminated. At start-up every job found pending or running (the process
// stopped or was killed mid-run) is queued again and runs from the start; a job interrupted MAX_ATTEMPTS times,
// or whose stored contract cannot be read, is failed with the reason instead, so none stays `running`.
// A graceful stop puts the running job back to pending without counting the interruption.
//
// When several processes serve one store (docs/scale-out.md), only the trainer leader runs jobs: the others store
// the evaluations they are asked for as pending, and the leader adopts every pending one it finds (adopt(), on its
// maintenance turns). A leader that steps down ends its running job's worker and leaves the row running (its
// successor queues it again at its start, as after a crash). Deleting an evaluation that runs in another process
// deletes the row; that process sees it gone at its next progress write and ends the job's worker.
//
// Size limits (LogsSizeExceedAllowedLimit): at most MAX_EVALUATION_EVENTS events and MAX_EVALUATION_CONTEXT_BYTES
// characters of logged contexts, which the job holds in memory (every replay pass reads them again). The request
// checks the store's cheap estimate; the worker checks the exact figures while reading and fails the job with
// the same code if the estimate was short.
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { Progress } from '../evaluation/index.js';
import type { EvaluationKind, EvaluationRecord, Store } from '../store/index.js';
import { isoTime } from './date_time.js';
import { parseStoredContract, type AcceptedContract } from './evaluation_contract.js';
import type { EvaluationJobInit, FromEvaluationWorker } from './evaluation_protocol.js';
import { LoopError, type LoopOptions } from './types.js';

export const MAX_EVALUATION_EVENTS = 1_000_000;
export const MAX_EVALUATION_CONTEXT_BYTES = 512 * 2 ** 20;
/** Starts of one job (each restart mid-run starts it again) before it is failed instead. */
export const MAX_ATTEMPTS = 3;
const PROGRESS_WRITE_MS = 1000;

export interface EvaluationJobsOptions {
  store: Store;
  storeUrl: string;
  now: () => number;
  logger?: LoopOptions['logger'];
  /** Called once a job's result is committed (status completed): auto-optimization decides then. */
  onCompleted?: (evaluationId: string) => Promise<void>;
  /** Tests: smaller size limits. */
  limits?: { maxEvents: number; maxContextBytes: number };
}

interface RunningJob {
  id: string;
  attempts: number;
  worker: Worker;
  progress: Progress;
  persistedAt: number;
  writing: boolean;
  outcome: { done: true } | { done: false; reason: string } | null;
  error: Error | null;
  /** Why this side ended the worker: a DELETE, or the loop closing. */
  stopping: 'cancel' | 'close' | null;
  exited: Promise<void>;
}

export class EvaluationJobs {
  private readonly queue: string[] = [];
  private running: RunningJob | null = null;
  /** The job being started (between its pending row being read and its worker existing). */
  private starting: { id: string; cancelled: boolean } | null = null;
  private pumping: Promise<void> | null = null;
  private closed = false;
  /** This process runs jobs (it is the trainer leader); otherwise create() only stores them as pending. */
  private active = false;
  private readonly maxEvents: number;
  private readonly maxContextBytes: number;

  constructor(private readonly o: EvaluationJobsOptions) {
    this.maxEvents = o.limits?.maxEvents ?? MAX_EVALUATION_EVENTS;
    this.maxContextBytes = o.limits?.maxContextBytes ?? MAX_EVALUATION_CONTEXT_BYTES;
  }

  /** Queues again, oldest first, the jobs a previous process left pending or running. */
  async start(): Promise<void> {
    this.closed = false;
    this.active = true;
    const left = (await this.o.store.listEvaluations()).filter((r) => r.status === 'pending' || r.status === 'running').reverse();
    for (const r of left) {
      if (r.status === 'running') {
        await this.o.store.updateEvaluation(r.id, { status: 'pending', progress: 0, stage: 'resuming: the server stopped while it ran' }, ['running']);
      }
      this.queue.push(r.id);
    }
    if (left.length > 0) this.o.logger?.info({ evaluations: left.map((r) => r.id) }, 'evaluations left unfinished are queued again');
    void this.pump();
  }

  /**
   * Checks the range against the store (NoLogsExistInDateRange, LogsSizeExceedAllowedLimit), stores the
   * evaluation as pending and queues it. `id`: the client's (2022-09-01-preview creates with PUT), else a new UUID.
   */
  async create(contract: AcceptedContract, kind: EvaluationKind, id: string = randomUUID()): Promise<EvaluationRecord> {
    const range = `[${isoTime(contract.startTime)}, ${isoTime(contract.endTime)})`;
    const estimate = await this.o.store.estimateEvaluationEvents(contract.startTime, contract.endTime);
    if (estimate === null) {
      throw new LoopError('NoLogsExistInDateRange', `no joined events were ranked in ${range} (events still inside their reward window, and deferred events never activated, are not evaluated)`);
    }
    if (estimate.events > this.maxEvents) {
      throw new LoopError('LogsSizeExceedAllowedLimit', `${range} holds about ${estimate.events} events; an evaluation takes at most ${this.maxEvents}: evaluate a shorter range`);
    }
    if (estimate.contextBytes > this.maxContextBytes) {
      throw new LoopError(
        'LogsSizeExceedAllowedLimit',
        `the events of ${range} hold about ${(estimate.contextBytes / 2 ** 20).toFixed(1)} MiB of logged features; an evaluation takes at most ${(this.maxContextBytes / 2 ** 20).toFixed(1)} MiB: evaluate a shorter range`,
      );
    }
    const createdAt = this.o.now();
    const record = { id, name: contract.name, kind, status: 'pending', contract: JSON.stringify(contract), createdAt };
    await this.o.store.insertEvaluation(record);
    if (this.active) {
      this.queue.push(id);
      void this.pump();
    }
    return {
      ...record,
      startedAt: null,
      finishedAt: null,
      attempts: 0,
      progress: 0,
      stage: null,
      failureReason: null,
      summary: null,
      result: null,
    };
  }

  /** The running job's latest progress (fresher than the stored one). */
  live(id: string): Progress | undefined {
    return this.running?.id === id ? { ...this.running.progress } : undefined;
  }

  /** Deletes an evaluation, ending its worker first if it runs; false when there is none. */
  async delete(id: string): Promise<boolean> {
    const queued = this.queue.indexOf(id);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (this.starting?.id === id) this.starting.cancelled = true;
    const job = this.running;
    if (job?.id === id) {
      job.stopping = 'cancel';
      await job.worker.terminate();
      await job.exited;
    }
    return this.o.store.deleteEvaluation(id);
  }

  /** Queues the pending evaluations other processes stored (oldest first); only while this process runs jobs. */
  async adopt(): Promise<void> {
    if (!this.active || this.closed) return;
    const known = (id: string): boolean => this.queue.includes(id) || this.running?.id === id || this.starting?.id === id;
    const pending = (await this.o.store.listEvaluations()).filter((r) => r.status === 'pending' && !known(r.id)).reverse();
    if (pending.length === 0 || !this.active || this.closed) return;
    for (const r of pending) if (!known(r.id)) this.queue.push(r.id);
    void this.pump();
  }

  /**
   * Ends the running job's worker; its evaluation goes back to pending and runs again at the next start. With
   * `handOver` (this process stepped down as leader) the row is left as it is: the new leader may already run it.
   */
  async close(handOver = false): Promise<void> {
    this.closed = true;
    this.active = false;
    this.queue.length = 0;
    await this.pumping;
    const job = this.running;
    if (job) {
      job.stopping = handOver ? 'cancel' : 'close';
      await job.worker.terminate();
      await job.exited;
    }
  }

  private pump(): Promise<void> {
    this.pumping ??= this.drainQueue().finally(() => (this.pumping = null));
    return this.pumping;
  }

  private async drainQueue(): Promise<void> {
    while (!this.closed && this.running === null && this.queue.length > 0) {
      const id = this.queue.shift()!;
      try {
        await this.startJob(id);
      } catch (e) {
        this.o.logger?.error({ err: e, evaluationId: id }, 'an evaluation could not be started');
        await this.fail(id, `the evaluation could not be started: ${(e as Error).message}`).catch(() => undefined);
      }
    }
  }

  private async fail(id: string, reason: string): Promise<void> {
    this.o.logger?.warn({ evaluationId: id, reason }, 'evaluation failed');
    await this.o.store.updateEvaluation(id, { status: 'failed', failureReason: reason, finishedAt: this.o.now(), stage: null }, ['pending', 'running']);
  }

  private async startJob(id: string): Promise<void> {
    const record = await this.o.store.getEvaluation(id);
    if (!record || record.status !== 'pending') return;
    let contract: AcceptedContract;
    try {
      contract = parseStoredContract(record.contract);
    } catch (e) {
      return this.fail(id, `the evaluation cannot be resumed: ${(e as Error).message}`);
    }
    if (record.attempts >= MAX_ATTEMPTS) {
      return this.fail(id, `the evaluation was interrupted ${record.attempts} times (the server stopped or was killed while it ran); it is not started again`);
    }
    this.starting = { id, cancelled: false };
    try {
      const attempts = record.attempts + 1;
      const ok = await this.o.store.updateEvaluation(
        id,
        { status: 'running', startedAt: this.o.now(), attempts, progress: 0, stage: 'starting', failureReason: null },
        ['pending'],
      );
      if (!ok) return;
      if (this.closed) {
        await this.o.store.updateEvaluation(id, { status: 'pending', attempts: record.attempts, stage: null }, ['running']);
        return;
      }
      if (this.starting.cancelled) return;
      this.spawn(id, attempts, contract);
    } finally {
      this.starting = null;
    }
  }

  private spawn(id: string, attempts: number, contract: AcceptedContract): void {
    const init: EvaluationJobInit = {
      storeUrl: this.o.storeUrl,
      evaluationId: id,
      contract,
      maxEvents: this.maxEvents,
      maxContextBytes: this.maxContextBytes,
      clockOffsetMs: this.o.now() - Date.now(),
    };
    const worker = new Worker(new URL('./evaluation_worker.js', import.meta.url), { workerData: init });
    let exited!: () => void;
    const job: RunningJob = {
      id,
      attempts,
      worker,
      progress: { fraction: 0, stage: 'starting' },
      persistedAt: 0,
      writing: false,
      outcome: null,
      error: null,
      stopping: null,
      exited: new Promise<void>((resolve) => (exited = resolve)),
    };
    this.running = job;
    this.o.logger?.info({ evaluationId: id, attempt: attempts }, 'evaluation started');
    worker.on('message', (m: FromEvaluationWorker) => {
      switch (m.type) {
        case 'progress':
          job.progress = { fraction: m.fraction, stage: m.stage };
          return this.persistProgress(job);
        case 'done':
          job.outcome = { done: true };
          return;
        case 'failed':
          job.outcome = { done: false, reason: m.reason };
          if (m.detail) this.o.logger?.error({ evaluationId: id, detail: m.detail }, 'evaluation failed');
      }
    });
    worker.on('error', (err) => (job.error = err));
    worker.on('exit', (code) => {
      this.finish(job, code)
        .catch((e: unknown) => this.o.logger?.error({ err: e, evaluationId: id }, 'evaluation job bookkeeping failed'))
        .finally(() => {
          this.running = null;
          exited();
          void this.pump();
        });
    });
  }

  private persistProgress(job: RunningJob): void {
    const t = Date.now();
    if (job.writing || t - job.persistedAt < PROGRESS_WRITE_MS) return;
    job.writing = true;
    job.persistedAt = t;
    this.o.store
      .updateEvaluation(job.id, { progress: job.progress.fraction, stage: job.progress.stage }, ['running'])
      .then(async (written) => {
        // Deleted by another process (a DELETE answered there): end the job as a DELETE here would.
        if (written || (await this.o.store.getEvaluation(job.id)) !== null) return;
        if (this.running !== job || job.stopping !== null) return;
        job.stopping = 'cancel';
        await job.worker.terminate();
      })
      .catch(() => undefined)
      .finally(() => (job.writing = false));
  }

  private async finish(job: RunningJob, code: number): Promise<void> {
    if (job.stopping === 'cancel') return;
    if (job.stopping === 'close') {
      await this.o.store.updateEvaluation(
        job.id,
        { status: 'pending', attempts: job.attempts - 1, progress: 0, stage: 'interrupted by a server stop: it runs again at the next start' },
        ['running'],
      );
      return;
    }
    let outcome = job.outcome;
    // A result committed just before an exit whose message was not seen is still a result.
    if (outcome === null && (await this.o.store.getEvaluation(job.id))?.status === 'completed') outcome = { done: true };
    if (outcome?.done) {
      this.o.logger?.info({ evaluationId: job.id }, 'evaluation completed');
      await this.o.onCompleted?.(job.id);
      return;
    }
    const reason = outcome?.reason ?? `the evaluation's worker stopped unexpectedly (${job.error?.message ?? `exit code ${code}`})`;
    await this.fail(job.id, reason);
  }
}
