// Which of the processes serving one store is the trainer leader (docs/scale-out.md). Every process competes for
// the store's `trainer` lease (Store.acquireLease, a row with an expiry and a fencing epoch); the holder runs the
// loop's singleton duties: the trainer worker, the join sweep, retention, auto-optimization and evaluation jobs.
// The holder renews the lease every RENEW_MS; the others try to take it at the same pace, so a dead holder is
// replaced at most TTL_MS + RENEW_MS after its last renewal.
//
// A holder steps down at once (without exporting) when another process took the lease, and when renewals have
// failed for TTL_MS since the last one that was sent before a success (the store was unreachable): by then the
// lease may have expired and been taken, and the successor must be the only trainer. Model exports are fenced
// with the grant as well (Store.saveModel(model, fence)), so a holder that learns of its loss late (paused, cut
// off) can still never overwrite its successor's model.
//
// Two cases keep the holder's duties running:
// - a lease that ran out with nobody taking it (this process stalled past the expiry: a start-up compiling its
//   schemas on a loaded machine) is taken again at once. Each new holder moves the epoch by one, so getting the
//   very next epoch proves that nobody held it in between: the trainer goes on, fenced with the new grant
//   (`extended`). Any later epoch means another process led meanwhile, and this one starts over (`elected`).
// - a full disk (StoreFullError) fails the renewal's write, but also every other process's acquisition (the
//   database is full for all): the holder keeps its grant, and its exports stay fenced.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { StoreFullError, type LeaseGrant, type Store } from '../store/index.js';

/** The lease's name in the store. */
export const TRAINER_LEASE = 'trainer';
/**
 * How long a grant lasts without renewal: the longest a dead leader's duties stay undone. A few seconds, so that
 * a kill -9 is repaired quickly, yet three renewals long, so that one slow store round trip is not a failover.
 */
export const LEASE_TTL_MS = 3000;
/** How often the holder renews and the others try to take over. */
export const LEASE_RENEW_MS = 1000;

/** Why a refused renewal deposes the holder. */
export const LOST = 'another process holds the lease, or held it meanwhile';

export interface LeadershipOptions {
  store: Store;
  /** Called when this process becomes the holder; its duties start here. */
  elected(grant: LeaseGrant): Promise<void>;
  /** Called when this process is no longer the holder; its duties stop here, at once. */
  deposed(reason: string): Promise<void>;
  /** Called when the holder got the next epoch after its lease ran out unclaimed: its duties go on under `grant`. */
  extended?(grant: LeaseGrant): Promise<void>;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  ttlMs?: number;
  renewMs?: number;
  /** The holder id; by default hostname, pid and a random suffix (two loops of one process differ). */
  holder?: string;
}

/** The id a process competes under: unique across machines and across restarts of one pid. */
export function holderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export class Leadership {
  readonly holder: string;
  private grant: LeaseGrant | null = null;
  /** Local time a renewal was last sent that then succeeded: the lease runs at least until this + TTL. */
  private renewedSentAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly ttlMs: number;
  private readonly renewMs: number;
  private failures = 0;

  constructor(private readonly o: LeadershipOptions) {
    this.holder = o.holder ?? holderId();
    this.ttlMs = o.ttlMs ?? LEASE_TTL_MS;
    this.renewMs = o.renewMs ?? LEASE_RENEW_MS;
  }

  /** The grant this process holds, null when it is a follower. */
  get lease(): LeaseGrant | null {
    return this.grant;
  }

  get leader(): boolean {
    return this.grant !== null;
  }

  /** Competes once now (a lone process is the leader when this resolves), then every renewMs. */
  async start(): Promise<void> {
    await this.turn();
    this.schedule();
  }

  /** Runs a turn now (tests, and after a fenced export failed: the loss is known before the next renewal). */
  check(): Promise<void> {
    return this.turn();
  }

  /** Steps down at once: the duties stop and the lease is left to expire (a fenced write was refused). */
  async lost(reason: string): Promise<void> {
    await this.serial(() => this.stepDown(reason));
  }

  /**
   * Stops competing. With `release`, a held lease is given up (after `beforeRelease`, which exports the last
   * model) so that another process takes over at once; without, it is left to expire, as a crash would.
   */
  async stop(release: boolean, beforeRelease?: () => Promise<void>): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    const grant = this.grant;
    if (grant === null) return;
    if (!release) return;
    await beforeRelease?.();
    this.grant = null;
    await this.o.store.releaseLease(grant).catch((e: unknown) => {
      this.o.log?.('warn', `the ${TRAINER_LEASE} lease could not be released (${(e as Error).message}); it expires in ${this.ttlMs} ms`);
    });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.turn().finally(() => this.schedule());
    }, this.renewMs);
    this.timer.unref();
  }

  private turn(): Promise<void> {
    return this.serial(() => (this.grant ? this.renew(this.grant) : this.acquire()));
  }

  private serial(fn: () => Promise<void>): Promise<void> {
    const p = (this.running ?? Promise.resolve()).then(fn).catch((e: unknown) => {
      this.o.log?.('error', `leadership: ${(e as Error).stack ?? String(e)}`);
    });
    this.running = p;
    return p;
  }

  private async acquire(): Promise<void> {
    if (this.stopped) return;
    const sentAt = Date.now();
    let grant: LeaseGrant | null;
    try {
      grant = await this.o.store.acquireLease(TRAINER_LEASE, this.holder, this.ttlMs);
    } catch (e) {
      this.reportFailure(e);
      return;
    }
    this.failures = 0;
    if (grant === null || this.stopped) return;
    this.grant = grant;
    this.renewedSentAt = sentAt;
    this.o.log?.('info', `this process is now the trainer leader (${TRAINER_LEASE} lease epoch ${grant.epoch}, holder ${this.holder})`);
    await this.o.elected(grant);
  }

  private async renew(grant: LeaseGrant): Promise<void> {
    const sentAt = Date.now();
    let renewed: LeaseGrant | null;
    try {
      renewed = await this.o.store.renewLease(grant, this.ttlMs);
    } catch (e) {
      if (e instanceof StoreFullError) return; // nobody can take the lease either (see the top)
      this.reportFailure(e);
      // Not known to be lost, but the lease may have expired by now: stop before a successor can start.
      if (Date.now() - this.renewedSentAt >= this.ttlMs) await this.stepDown(`the lease could not be renewed for ${this.ttlMs} ms`);
      return;
    }
    this.failures = 0;
    if (this.grant !== grant) return; // stepped down meanwhile
    if (renewed !== null) {
      this.grant = renewed;
      this.renewedSentAt = sentAt;
      return;
    }
    // Ran out, or taken over: try to take it again.
    let again: LeaseGrant | null;
    try {
      again = await this.o.store.acquireLease(TRAINER_LEASE, this.holder, this.ttlMs);
    } catch (e) {
      if (e instanceof StoreFullError) return;
      this.reportFailure(e);
      await this.stepDown(LOST);
      return;
    }
    if (again !== null && again.epoch === grant.epoch + 1) {
      this.grant = again;
      this.renewedSentAt = sentAt;
      this.o.log?.('info', `the ${TRAINER_LEASE} lease ran out before it was renewed and nobody took it: held again at epoch ${again.epoch}`);
      await this.o.extended?.(again);
      return;
    }
    await this.stepDown(LOST);
    if (again === null || this.stopped) return;
    this.grant = again;
    this.renewedSentAt = sentAt;
    this.o.log?.('info', `this process is now the trainer leader (${TRAINER_LEASE} lease epoch ${again.epoch}, holder ${this.holder})`);
    await this.o.elected(again);
  }

  private async stepDown(reason: string): Promise<void> {
    const grant = this.grant;
    if (grant === null) return;
    this.grant = null;
    this.o.log?.('warn', `this process is no longer the trainer leader (epoch ${grant.epoch}): ${reason}`);
    await this.o.deposed(reason);
  }

  private reportFailure(e: unknown): void {
    if (e instanceof StoreFullError) return; // the store reports a full disk itself, once per interval
    // Once per outage, then every 30 turns: an unreachable store fails every turn.
    if (this.failures++ % 30 === 0) this.o.log?.('warn', `leadership: the store did not answer (${(e as Error).message})`);
  }
}
