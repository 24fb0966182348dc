// Model bytes outside the store's database. An exported model is megabytes; written into the main database it
// held SQLite's one write lock for the whole BLOB (tens of milliseconds on a loaded 2-core machine), and the main
// thread's next group commit waited for it synchronously (busy_timeout): every request stalled behind each export.
// The bytes of a model above INLINE_MAX_BYTES therefore go to a companion database `<store>.models`, a file with
// its own write lock that nothing on the request path ever writes, and the main database gets a small row that
// points to them (models.bytes_id, schema migration 9) and carries the model's cursor: the model's id, its bytes'
// id and its cursor change together, in one small transaction, and a lease check fencing the export
// (sqlite_lease.ts) sits in that same transaction.
//
// Order and crashes: the bytes are committed first, with synchronous=FULL (sqlite.org/pragma.html
// #pragma_synchronous: the WAL is synced at each commit), so they are on disk before any row names them. A crash
// between the two commits leaves bytes no row names (an orphan, deleted by a later export's pruning), never a row
// without its bytes, even after a power cut and whatever the main database's own synchronous mode.
// Pruning: after an export commits, bytes older than the oldest kept model's are deleted. With one trainer at a
// time (its lease), nothing else writes here.
//
// Small models stay inline in models.bytes: their write is short, and stores of a few events (tools, tests) get
// no second file. Rows written before migration 9 are inline too (bytes_id NULL).
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { StoreOpenError } from './errors.js';
import { checkIntegrity } from './sqlite_open.js';

/** Models up to this size are written inline: a 64 KiB BLOB is 16 pages, a write of well under a millisecond. */
export const INLINE_MAX_BYTES = 64 * 1024;

/** The companion's schema, versioned like the main one (PRAGMA user_version); append, never edit. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE model_bytes (
     id    INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused: a row names its bytes by this id
     bytes BLOB    NOT NULL
   );`,
];

export function companionPath(file: string): string {
  return `${file}.models`;
}

export interface ModelBytesOptions {
  readonly: boolean;
  /** The store's owner checks the file at open, as it checks the main database (sqlite_open.ts). */
  check: boolean;
}

export class ModelBytes {
  private db: Database.Database | null = null;
  private q: {
    put: Database.Statement<[Buffer]>;
    get: Database.Statement<[number], Buffer>;
    pruneBelow: Database.Statement<[number]>;
  } | null = null;

  constructor(
    private readonly file: string,
    private readonly options: ModelBytesOptions,
  ) {
    // Refused at open, like a damaged main database, rather than at the first export.
    if (options.check && fs.existsSync(this.path)) this.open();
  }

  get path(): string {
    return companionPath(this.file);
  }

  /** Stores `bytes` and commits (synced); returns their id. Runs on the exporting thread (the trainer's). */
  put(bytes: Buffer): number {
    const q = this.open();
    if (!q) throw new Error(`${this.path} cannot be written (read-only store)`);
    return Number(q.put.run(bytes).lastInsertRowid);
  }

  /** The bytes of `id`, or undefined when they are gone (pruned, or never committed). */
  get(id: number): Buffer | undefined {
    return this.open()?.get.get(id);
  }

  /** Deletes the bytes older than `id` (no kept model names them). */
  pruneBelow(id: number): void {
    this.open()?.pruneBelow.run(id);
  }

  /** The companion's files on disk. */
  sizeBytes(): number {
    return [this.path, `${this.path}-wal`, `${this.path}-shm`].reduce((t, f) => t + fileSize(f), 0);
  }

  close(): void {
    if (this.db?.open) this.db.close();
    this.db = null;
    this.q = null;
  }

  /** Opens the companion on first use (a read-only store whose companion does not exist has none: null). */
  private open(): ModelBytes['q'] {
    if (this.q) return this.q;
    if (this.options.readonly && !fs.existsSync(this.path)) return null;
    const db = new Database(this.path, { readonly: this.options.readonly });
    try {
      if (this.options.check) checkIntegrity(db, this.path, fileSize(this.path));
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('busy_timeout = 5000');
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > MIGRATIONS.length) {
        throw new StoreOpenError(`${this.path}: schema version ${version} is newer than this build understands (${MIGRATIONS.length})`);
      }
      if (!this.options.readonly && version < MIGRATIONS.length) {
        // IMMEDIATE: two processes opening a new store at once migrate it one after the other; the second finds
        // it done.
        db.transaction(() => {
          const now = db.pragma('user_version', { simple: true }) as number;
          for (let v = now; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
          db.pragma(`user_version = ${MIGRATIONS.length}`);
        }).immediate();
      }
    } catch (e) {
      db.close();
      throw e;
    }
    this.db = db;
    this.q = {
      put: db.prepare<[Buffer]>(`INSERT INTO model_bytes (bytes) VALUES (?)`),
      get: db.prepare<[number], Buffer>(`SELECT bytes FROM model_bytes WHERE id = ?`).pluck(),
      pruneBelow: db.prepare<[number]>(`DELETE FROM model_bytes WHERE id < ?`),
    };
    return this.q;
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
