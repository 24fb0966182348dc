// The store folder's surface: the Store contract and `openStore(url)`.
// URLs: `sqlite:<file>` (kill -9 safe; `?synchronous=full` adds power-loss durability, see sqlite.ts);
// `postgres://user:password@host:port/database` (or `postgresql://`; libpq's URL form, parameters such as
// `sslmode` included: postgres.ts, docs/postgres.md). Messages never repeat a URL that is not `sqlite:` (a
// connection URL may carry a password).
import { StoreOpenError } from './errors.js';
import { PostgresStore } from './postgres.js';
import { SqliteStore, type SqliteOptions } from './sqlite.js';
import type { Store } from './types.js';

export * from './types.js';
export * from './errors.js';
export { SqliteStore } from './sqlite.js';
export { PostgresStore } from './postgres.js';

export const DEFAULT_STORE_URL = 'sqlite:./data/personalizer.db';

export interface StoreOpenOptions {
  /**
   * Other processes of the same server use this store too (Workers=N): a SQLite file is then opened without taking
   * its one-process lock and start-up checks, which the process that started the others holds and ran.
   */
  shared?: boolean;
}

export async function openStore(url: string = DEFAULT_STORE_URL, open: StoreOpenOptions = {}): Promise<Store> {
  if (url.startsWith('sqlite:')) {
    let rest = url.slice('sqlite:'.length);
    // Accept the sqlite://<path> spelling too.
    if (rest.startsWith('//')) rest = rest.slice(2);
    const [file, query = ''] = rest.split('?', 2) as [string, string?];
    if (!file) throw new StoreOpenError(`store URL ${url}: missing file name`);
    const options: SqliteOptions = open.shared ? { exclusive: false } : {};
    const params = new URLSearchParams(query);
    const sync = params.get('synchronous')?.toLowerCase();
    if (sync !== undefined) {
      if (sync !== 'full' && sync !== 'normal') throw new StoreOpenError(`store URL ${url}: synchronous must be full or normal`);
      options.synchronous = sync;
    }
    return new SqliteStore(file, options);
  }
  // `shared` changes nothing here: every process of every replica opens a PostgreSQL store the same way.
  if (/^postgres(ql)?:\/\//i.test(url)) return PostgresStore.open(url);
  throw new StoreOpenError('unsupported store URL (expected sqlite:<file> or postgres://…)');
}
