// One process per store file. Two servers on one file would each keep the settings in memory and both run a
// trainer writing models, so the second one must refuse to start. The lock is a companion SQLite file
// `<store>.lock` that the holder keeps locked with `PRAGMA locking_mode = EXCLUSIVE` after one write
// (sqlite.org/pragma.html#pragma_locking_mode: "the first time the database is written, an exclusive lock is
// obtained and held"). It is an OS file lock (fcntl), so the OS releases it when the holder exits in any way,
// kill -9 included: no stale lock to clean up. The holder's pid is written as the file's user_version, which the
// file format keeps at byte offset 60 (sqlite.org/fileformat.html, "Database header"), so the refusing process
// can name the holder without taking any lock. The file stays on disk (removing it while another process opens it
// would let two processes lock two different files of the same name).
//
// Only the process's main thread locks: its worker threads (trainer, checkpointer) open the store itself, which
// this lock does not touch.
import fs from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { StoreOpenError } from './errors.js';

/** Lock files held by this process: never read them here with fs (closing any descriptor of a file drops the
 * process's fcntl locks on it, sqlite.org/lockingv3.html "How To Corrupt", §2.2). */
const held = new Set<string>();

export class StoreLock {
  private constructor(
    private readonly path: string,
    private readonly db: Database.Database,
  ) {}

  /** Locks `<file>.lock`, or throws a StoreOpenError naming the holder's pid. */
  static acquire(file: string): StoreLock {
    // Named after the file's real path: a symlink to the store, or a path spelt otherwise, must meet the same lock.
    const path = `${realPath(file)}.lock`;
    if (held.has(path)) throw new StoreOpenError(`${file} is in use by another store of this process (pid ${process.pid})`);
    let db: Database.Database | undefined;
    try {
      // timeout 0: a held lock answers SQLITE_BUSY at once instead of waiting for it.
      db = new Database(path, { timeout: 0 });
      db.pragma('locking_mode = EXCLUSIVE');
      db.pragma('journal_mode = MEMORY');
      db.pragma(`user_version = ${process.pid}`);
    } catch (e) {
      db?.close();
      const code = (e as { code?: string }).code ?? '';
      if (code.startsWith('SQLITE_BUSY')) {
        const pid = holderPid(path);
        throw new StoreOpenError(`${file} is in use by another process (${pid === undefined ? 'pid unknown' : `pid ${pid}`})`);
      }
      throw new StoreOpenError(`cannot create the lock file ${path}: ${(e as Error).message}`);
    }
    held.add(path);
    return new StoreLock(path, db);
  }

  release(): void {
    if (!this.db.open) return;
    this.db.close();
    held.delete(this.path);
  }
}

/** The file's canonical path (symlinks, `.`, `..` resolved); for a file not created yet, its directory's. */
function realPath(file: string): string {
  try {
    return fs.realpathSync(file);
  } catch {
    try {
      return nodePath.join(fs.realpathSync(nodePath.dirname(nodePath.resolve(file))), nodePath.basename(file));
    } catch {
      return nodePath.resolve(file);
    }
  }
}

function holderPid(path: string): number | undefined {
  try {
    const header = Buffer.alloc(64);
    const fd = fs.openSync(path, 'r');
    try {
      if (fs.readSync(fd, header, 0, 64, 0) < 64) return undefined;
    } finally {
      fs.closeSync(fd);
    }
    const pid = header.readUInt32BE(60);
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
