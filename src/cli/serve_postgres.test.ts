// `personalizer serve` on a PostgreSQL store it cannot use refuses to start: exit code 1 and one line on stderr
// naming the cause (nothing listening, an unknown role, a wrong password, an unknown database, a database of a
// newer schema), never the password. And one that can: it starts, migrates, and a second server on the same
// database starts too. Real processes, a real PostgreSQL server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { call, cliEntry, startServerProcess } from '../api/test_server.js';
import { freshPostgres } from '../testing/postgres.js';
import { PG_MIGRATIONS } from '../store/postgres_schema.js';

const SECRET = 'S3cretPassw0rd';

/** Runs `serve` to its refusal (or kills it after 20 s). Asynchronous: the test's own PostgreSQL work goes on. */
function serve(store: string): Promise<{ status: number | null; stdout: string; stderr: string; ms: number }> {
  const start = Date.now();
  const child = spawn(process.execPath, [cliEntry(), 'serve', 'Eula=accept', 'ApiKey=k', 'Host=127.0.0.1', 'Port=0', `Store=${store}`]);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, ms: Date.now() - start });
    }),
  );
}

/** `url` with the user, password or database replaced. */
function withPart(url: string, part: { user?: string; password?: string; database?: string; port?: string }): string {
  const u = new URL(url);
  if (part.user !== undefined) u.username = part.user;
  if (part.password !== undefined) u.password = part.password;
  if (part.database !== undefined) u.pathname = `/${part.database}`;
  if (part.port !== undefined) u.port = part.port;
  return u.toString();
}

function refusedWith(r: { status: number | null; stdout: string; stderr: string }, line: RegExp): void {
  assert.equal(r.status, 1, r.stderr + r.stdout);
  assert.match(r.stderr, /^personalizer: refusing to start: Store: [^\n]+\n$/, 'one line');
  assert.match(r.stderr, line);
  assert.ok(!(r.stdout + r.stderr).includes(SECRET), 'the password is printed nowhere');
}

test('unreachable: a port where nothing listens is refused in one line, at once', async () => {
  const r = await serve(`postgres://app:${SECRET}@127.0.0.1:1/personalizer`);
  refusedWith(r, /cannot reach PostgreSQL at 127\.0\.0\.1:1\/personalizer: connection refused/);
  assert.ok(r.ms < 10_000, `${r.ms} ms`);
});

test('an unknown role, a role that may not log in and an unknown database are refused, each named', async (t) => {
  const url = await freshPostgres(t);
  if (!url) return;
  const role = `pzr_nologin_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const noRole = await serve(withPart(url, { user: 'no_such_role_here', password: SECRET }));
    refusedWith(noRole, /refused the login: role "no_such_role_here" does not exist$/m);
    // Wrong credentials as this server's trust authentication can show them: a role that exists but may not log in
    // (where passwords are checked, a wrong one takes the same path: SQLSTATE 28P01, "password authentication failed").
    await admin.query(`CREATE ROLE ${role} NOLOGIN`);
    const noLogin = await serve(withPart(url, { user: role, password: SECRET }));
    refusedWith(noLogin, new RegExp(`refused the login: role "${role}" is not permitted to log in$`, 'm'));
    const noDb = await serve(withPart(url, { database: 'no_such_database_here', password: SECRET }));
    refusedWith(noDb, /PostgreSQL at 127\.0\.0\.1:5432\/no_such_database_here: database "no_such_database_here" does not exist$/m);
  } finally {
    await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
    await admin.end();
  }
});

test('a database of a newer schema is refused and left as it was', async (t) => {
  const url = await freshPostgres(t);
  if (!url) return;
  const newer = PG_MIGRATIONS.length + 1;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query('CREATE TABLE personalizer_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    await admin.query('INSERT INTO personalizer_schema (version) VALUES ($1)', [newer]);
    const r = await serve(url);
    refusedWith(r, new RegExp(`store schema version ${newer}, newer than this build understands \\(${PG_MIGRATIONS.length}\\)`));
    const tables = await admin.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
    assert.equal(tables.rows[0].n, 1, 'nothing was created');
  } finally {
    await admin.end();
  }
});

test('two servers start together on one empty database: migrated once, both rank, a reward posted to either joins', async (t) => {
  const url = await freshPostgres(t);
  if (!url) return;
  const [a, b] = await Promise.all([startServerProcess({ args: [`Store=${url}`] }), startServerProcess({ args: [`Store=${url}`] })]);
  try {
    const rank = { eventId: 'two-servers', contextFeatures: [{ u: 1 }], actions: [{ id: 'x', features: [{ f: 1 }] }, { id: 'y', features: [{ f: 2 }] }] };
    const r = await call(a, 'POST', '/personalizer/v1.0/rank', { body: rank });
    assert.equal(r.status, 201, r.text);
    const again = await call(b, 'POST', '/personalizer/v1.0/rank', { body: rank });
    assert.equal(again.status, 400, 'the eventId is taken, whichever server is asked');
    const reward = await call(b, 'POST', '/personalizer/v1.0/events/two-servers/reward', { body: { value: 1 } });
    assert.equal(reward.status, 204, reward.text);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const versions = await admin.query('SELECT version FROM personalizer_schema ORDER BY version');
      assert.deepEqual(versions.rows.map((x) => x.version), PG_MIGRATIONS.map((_, i) => i + 1));
      const rewards = await admin.query(`SELECT r.value FROM rewards r JOIN events e ON e.seq = r.event_seq WHERE e.event_id = 'two-servers'`);
      assert.deepEqual(rewards.rows.map((x) => x.value), [1]);
    } finally {
      await admin.end();
    }
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});
