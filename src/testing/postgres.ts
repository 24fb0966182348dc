// PostgreSQL for the tests: a fresh database per test (CREATE DATABASE on the server PG_TEST_URL names, by default
// the local one at 127.0.0.1:5432 with trust auth), dropped when the test ends. Where no server answers, the test
// is skipped with a line saying so, except under REQUIRE_SERVICES=1 (set by .ci/run), where that fails it.
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import pg from 'pg';

/** The maintenance database tests create theirs from; override with PG_TEST_URL. */
export const PG_TEST_URL = process.env['PG_TEST_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export const NO_POSTGRES = `no PostgreSQL server answers at ${redact(PG_TEST_URL)} (set PG_TEST_URL; REQUIRE_SERVICES=1 makes this a failure)`;

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

let available: Promise<boolean> | undefined;

/** Whether the test server answers (asked once per process). */
export function postgresAvailable(): Promise<boolean> {
  available ??= (async () => {
    const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return available;
}

/** The URL of `name` on the test server. */
export function databaseUrl(name: string): string {
  const u = new URL(PG_TEST_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_TEST_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Creates an empty database and returns its URL and a function that drops it (closing its sessions first). */
export async function createTestDatabase(prefix = 'personalizer_test'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * A fresh database for this test, dropped after it; undefined (the test skipped, saying why) when no server
 * answers, or a failure under REQUIRE_SERVICES=1.
 */
export async function freshPostgres(t: TestContext): Promise<string | undefined> {
  if (!(await postgresAvailable())) {
    if (process.env['REQUIRE_SERVICES'] === '1') throw new Error(NO_POSTGRES);
    t.skip(NO_POSTGRES);
    return undefined;
  }
  const db = await createTestDatabase();
  t.after(() => db.drop());
  return db.url;
}
