// Start-up checks of a SQLite store file, each refusing with one clear line (StoreOpenError) instead of a
// server that reports ready and then fails every write or every maintenance turn.
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { StoreOpenError } from './errors.js';

/**
 * Creates the store's directory one level at a time from its nearest existing ancestor. Not
 * `mkdirSync(…, {recursive: true})`: under a pseudo file system such as /proc, Node 20's recursive mkdir loops
 * forever on the ENOENT it gets back (and no signal is handled meanwhile); a plain mkdir fails at once.
 */
export function ensureDirectory(dir: string): void {
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new StoreOpenError(`cannot use the directory ${at}: ${reason(e)}`);
    }
    if (stat) {
      if (!stat.isDirectory()) throw new StoreOpenError(`${at} is not a directory, so the store cannot be created under it`);
      break;
    }
    missing.unshift(at);
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new StoreOpenError(`cannot create the directory ${d}: ${reason(e)}`);
    }
  }
}

/**
 * The store file, when it exists, must be a regular file this process may read and write, in a directory where
 * it may create the WAL and lock files. SQLite itself would open a file it cannot write read-only, silently, and
 * fail every write later.
 */
export function checkWritable(file: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (e) {
    throw new StoreOpenError(`the directory ${dir} is not writable by this process (${who()}): ${reason(e)}; the store needs to create ${path.basename(file)}-wal and -shm files there`);
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return; // created by SQLite
  }
  if (!stat.isFile()) throw new StoreOpenError(`${file} is not a regular file`);
  try {
    fs.accessSync(file, fs.constants.R_OK | fs.constants.W_OK);
  } catch (e) {
    throw new StoreOpenError(`${file} is not writable by this process (${who()}): ${reason(e)}`);
  }
}

/**
 * Files up to this size are checked whole at start-up. quick_check reads every page: on a store of 100,000 ranked
 * events of 2.6 kB (417 MB) it took 1.6 s with the file in the page cache and 7 s from disk (2-core machine).
 */
export const FULL_CHECK_MAX_BYTES = 512 * 1024 * 1024;

/**
 * PRAGMA quick_check (sqlite.org/pragma.html#pragma_quick_check): reads every page, checking the b-tree
 * structure, but not that indexes match their tables. Run before anything writes, so that a damaged or foreign
 * file is refused and left as it was. Above FULL_CHECK_MAX_BYTES, to bound the start-up time, every table but the
 * event log (nearly all of such a file) is checked: `quick_check(<table>)` checks one table and its indexes.
 */
export function checkIntegrity(db: Database.Database, file: string, sizeBytes: number): void {
  let problems: string[];
  try {
    const check = (arg: string): string[] => (db.pragma(`quick_check(${arg})`) as { quick_check: string }[]).map((r) => r.quick_check);
    if (sizeBytes <= FULL_CHECK_MAX_BYTES) {
      problems = check('5');
    } else {
      const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name <> 'events'`).pluck().all() as string[];
      problems = tables.flatMap((t) => check(JSON.stringify(t))).filter((p) => p !== 'ok');
      if (problems.length === 0) problems = ['ok'];
    }
  } catch (e) {
    throw new StoreOpenError(`${file} is not a usable SQLite database (${(e as Error).message}); it was left untouched`);
  }
  if (problems.length !== 1 || problems[0] !== 'ok') {
    throw new StoreOpenError(`${file} is damaged (SQLite quick_check: ${problems.join('; ')}); it was left untouched`);
  }
}

/**
 * A SQLite database of another application is refused before anything writes to it (switching it to WAL mode
 * and migrating it would change it): a file at schema version 0 (never migrated by a store) that already holds
 * tables, or one whose version says migrated but that lacks the store's own tables.
 */
export function checkOwnSchema(db: Database.Database, file: string): void {
  let version: number;
  let tables: string[];
  try {
    version = db.pragma('user_version', { simple: true }) as number;
    tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`).pluck().all() as string[];
  } catch (e) {
    throw new StoreOpenError(`${file} is not a usable SQLite database (${(e as Error).message}); it was left untouched`);
  }
  if (version === 0 && tables.length === 0) return; // a new store
  if (version > 0 && tables.includes('events') && tables.includes('settings')) return;
  const shown = tables.slice(0, 5).join(', ') + (tables.length > 5 ? `, … (${tables.length} tables)` : '');
  throw new StoreOpenError(
    `${file} is a SQLite database of another application (schema version ${version}, tables: ${shown || 'none'}), not a personalizer store; it was left untouched`,
  );
}

/** A write transaction, rolled back: SQLite refuses it on a connection it could only open read-only. */
export function checkWriteLock(db: Database.Database, file: string): void {
  try {
    db.exec('BEGIN IMMEDIATE; ROLLBACK');
  } catch (e) {
    throw new StoreOpenError(`${file} cannot be written (${(e as Error).message})`);
  }
}

function who(): string {
  return typeof process.getuid === 'function' ? `uid ${process.getuid()}` : `pid ${process.pid}`;
}

function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code === 'EACCES' || err.code === 'EPERM'
    ? 'permission denied'
    : err.code === 'EROFS'
      ? 'read-only file system'
      : err.code === 'ENOENT'
        ? 'the file system does not allow it (ENOENT)'
        : (err.code ?? err.message);
}
