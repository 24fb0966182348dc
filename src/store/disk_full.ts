// Disk full, as the store sees it. SQLite reports a write that finds no space as SQLITE_FULL (its unix VFS maps
// ENOSPC and EDQUOT to it, os_unix.c unixWrite); growing the WAL index (-shm) reports SQLITE_IOERR_SHMSIZE
// instead (os_unix.c unixShmMap), and the store's own fsync ENOSPC. Any of these becomes a StoreFullError, and
// the store is "full" until a write commits again with space left on its file system: readiness (/ready) turns
// 503 meanwhile, so an orchestrator sees it.
import fs from 'node:fs';
import { StoreFullError } from './errors.js';

/** Below this much free space a successful write does not end the full state (it may have used the last frames
 * of an already allocated WAL file). */
const MIN_FREE_BYTES = 1024 * 1024;

export interface StoreHealth {
  /** false while writes fail for lack of space. */
  writable: boolean;
  /** Since when writes fail (ms since epoch). */
  since?: number;
  /** false while the store cannot be reached (a database server down or cut off); absent means reachable. */
  reachable?: boolean;
}

export class DiskFull {
  private since: number | null = null;

  constructor(private readonly dir: string) {}

  health(): StoreHealth {
    return this.since === null ? { writable: true } : { writable: false, since: this.since };
  }

  get full(): boolean {
    return this.since !== null;
  }

  /** The error a caller gets: a StoreFullError for lack of space (and the store turns full), else `e` itself. */
  map(e: unknown): unknown {
    if (e instanceof StoreFullError) return e;
    const code = String((e as { code?: unknown } | null)?.code ?? '');
    const full =
      code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT' || (code.startsWith('SQLITE_IOERR') && (this.freeBytes() ?? Infinity) < MIN_FREE_BYTES);
    if (!full) return e;
    this.since ??= Date.now();
    return new StoreFullError(e);
  }

  /** A write committed: the store is writable again once its file system has room. */
  committed(): void {
    if (this.since !== null && (this.freeBytes() ?? Infinity) >= MIN_FREE_BYTES) this.since = null;
  }

  /** Free bytes for unprivileged writers; undefined where the file system does not say. */
  freeBytes(): number | undefined {
    try {
      const s = fs.statfsSync(this.dir);
      return s.bavail * s.bsize;
    } catch {
      return undefined;
    }
  }
}
