// Leases on a SQLite store (the contract: types.ts LeaseGrant). Processes sharing one file (Workers=N on one
// machine) share its clock, so expiry is compared with Date.now(). Each statement runs in the store's group
// commit, so a grant is committed before it is returned, and a fenced model export checks its epoch in the
// export's own transaction.
import type Database from 'better-sqlite3';
import { LeaseLostError } from './errors.js';
import type { GroupCommit } from './group_commit.js';
import type { LeaseGrant } from './types.js';

interface LeaseRow {
  name: string;
  holder: string;
  epoch: number;
  expires_at: number;
}

/**
 * Forgets every lease: called by the file's exclusive owner at open (sqlite.ts). The owner holds the file's
 * one-process lock (store_lock.ts), so whoever held a lease before is provably gone (the OS dropped its lock when
 * it exited, kill -9 included): the new process need not wait out a dead holder's expiry. Epochs are kept, so a
 * later grant still fences every earlier one.
 */
export function expireAllLeases(db: Database.Database): void {
  db.prepare(`UPDATE leases SET expires_at = 0`).run();
}

export class SqliteLeases {
  private readonly q;

  constructor(
    db: Database.Database,
    private readonly group: GroupCommit,
    private readonly now: () => number = Date.now,
  ) {
    this.q = {
      get: db.prepare<[string], LeaseRow>(`SELECT name, holder, epoch, expires_at FROM leases WHERE name = ?`),
      put: db.prepare(
        `INSERT INTO leases (name, holder, epoch, expires_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, epoch = excluded.epoch, expires_at = excluded.expires_at`,
      ),
      expire: db.prepare(`UPDATE leases SET expires_at = 0 WHERE name = ? AND holder = ? AND epoch = ?`),
    };
  }

  acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | null> {
    return this.group.write(() => {
      const t = this.now();
      const row = this.q.get.get(name);
      if (row && row.holder !== holder && row.expires_at > t) return null;
      const epoch = row ? (row.holder === holder && row.expires_at > t ? row.epoch : row.epoch + 1) : 1;
      this.q.put.run(name, holder, epoch, t + ttlMs);
      return { name, holder, epoch, expiresAt: t + ttlMs };
    });
  }

  renew(grant: LeaseGrant, ttlMs: number): Promise<LeaseGrant | null> {
    return this.group.write(() => {
      const t = this.now();
      const row = this.q.get.get(grant.name);
      if (!row || row.holder !== grant.holder || row.epoch !== grant.epoch || row.expires_at <= t) return null;
      this.q.put.run(grant.name, grant.holder, grant.epoch, t + ttlMs);
      return { ...grant, expiresAt: t + ttlMs };
    });
  }

  release(grant: LeaseGrant): Promise<void> {
    return this.group.write(() => {
      this.q.expire.run(grant.name, grant.holder, grant.epoch);
    });
  }

  /** Inside a write transaction: throws LeaseLostError unless `grant` still holds (same holder and epoch, not expired). */
  check(grant: LeaseGrant): void {
    const row = this.q.get.get(grant.name);
    if (!row || row.holder !== grant.holder || row.epoch !== grant.epoch || row.expires_at <= this.now()) {
      throw new LeaseLostError(grant.name, grant.epoch);
    }
  }
}
