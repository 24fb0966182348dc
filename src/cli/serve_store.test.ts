// `personalizer serve` refuses a store it cannot run on, at start-up, with exit code 1 and one line naming the
// file: in use by another server, damaged, foreign, in a directory that cannot be created, not writable; and a
// store URL's password is never printed. Real processes, real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { call, cliEntry, startServerProcess } from '../api/test_server.js';
import Database from 'better-sqlite3';
import { openStore } from '../store/index.js';

const RANK = { actions: [{ id: 'a', features: [{ x: 1 }] }, { id: 'b', features: [{ x: 2 }] }] };

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-serve-store-'));
}

/** Runs `serve` to its refusal (or kills it after 15 s). */
function serve(store: string, options: SpawnSyncOptions = {}): { status: number | null; stdout: string; stderr: string; ms: number } {
  const start = Date.now();
  const r = spawnSync(process.execPath, [cliEntry(), 'serve', 'Eula=accept', 'ApiKey=k', 'Host=127.0.0.1', 'Port=0', `Store=${store}`], {
    encoding: 'utf8',
    timeout: 15_000,
    killSignal: 'SIGKILL',
    ...options,
  });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr), ms: Date.now() - start };
}

function sha(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A store file with some events, closed (checkpointed: everything in the main file). */
async function filledStore(file: string, events = 2000): Promise<void> {
  const s = await openStore(`sqlite:${file}`);
  for (let i = 0; i < events; i++) {
    void s.insertEvent({
      eventId: `e${i}`, timestamp: i, context: `{"FromUrl":[{"n":${i},"pad":"${'x'.repeat(200)}"}]}`, actions: [1, 2],
      probabilities: [0.5, 0.5], chosenIndex: 0, chosenProbability: 0.5, modelVersion: '1', deferActivation: false,
    });
  }
  await s.close();
}

test('a second server on the same store refuses to start while the first serves; after a kill -9 of the first, a new one starts', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'p.db');
  const first = await startServerProcess({ args: [`Store=sqlite:${file}`] });
  try {
    const second = serve(`sqlite:${file}`);
    assert.equal(second.status, 1, second.stderr + second.stdout);
    assert.equal(second.stderr, `personalizer: refusing to start: Store: ${file} is in use by another process (pid ${first.child.pid})\n`);
    assert.equal((await call(first, 'POST', '/personalizer/v1.0/rank', { body: RANK })).status, 201);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null);
    const third = await startServerProcess({ args: [`Store=sqlite:${file}`] });
    try {
      assert.equal((await call(third, 'POST', '/personalizer/v1.0/rank', { body: RANK })).status, 201);
    } finally {
      assert.equal(await third.stop(), 0);
    }
  } finally {
    await first.stop('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a store file with pages damaged mid-file is refused at start-up, naming the file, and left untouched', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'p.db');
  await filledStore(file);
  const size = fs.statSync(file).size;
  assert.ok(size > 100 * 4096, `store of ${size} bytes`);
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, randomBytes(8 * 4096), 0, 8 * 4096, 4096 * Math.floor(size / 4096 / 2)); // 8 pages in the middle
  fs.closeSync(fd);
  const before = sha(file);
  const r = serve(`sqlite:${file}`);
  assert.equal(r.status, 1, r.stderr + r.stdout);
  assert.match(r.stderr, new RegExp(`^personalizer: refusing to start: Store: ${file} is damaged \\(SQLite quick_check: [^\\n]+\\); it was left untouched\\n$`));
  assert.equal(sha(file), before);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a file that is not a SQLite database is refused, naming it, and left untouched', () => {
  const dir = tempDir();
  const file = path.join(dir, 'notes.txt');
  fs.writeFileSync(file, randomBytes(10_000));
  const before = sha(file);
  const r = serve(`sqlite:${file}`);
  assert.equal(r.status, 1, r.stderr + r.stdout);
  assert.equal(r.stderr, `personalizer: refusing to start: Store: ${file} is not a usable SQLite database (file is not a database); it was left untouched\n`);
  assert.equal(sha(file), before);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a store directory that cannot be created (under /proc) is refused at once', { skip: !fs.existsSync('/proc/self') && 'no /proc here' }, () => {
  const r = serve('sqlite:/proc/personalizer-x/p.db');
  assert.equal(r.status, 1, r.stderr + r.stdout);
  assert.match(r.stderr, /^personalizer: refusing to start: Store: cannot create the directory \/proc\/personalizer-x: [^\n]+\n$/);
  assert.ok(r.ms < 10_000, `${r.ms} ms`);
});

// As root, file modes do not stop writes: the server then runs as an unprivileged user (a non-root image on a
// root-owned volume, the case this guards against). Otherwise the modes themselves do.
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;
function unprivileged(): SpawnSyncOptions {
  return asRoot ? { uid: NOBODY, gid: NOBODY } : {};
}

test('a store file the server may not write is refused at start-up, naming the file and the permission', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'p.db');
  await filledStore(file, 10);
  fs.chmodSync(dir, 0o777);
  fs.chmodSync(file, asRoot ? 0o644 : 0o444);
  const before = sha(file);
  const r = serve(`sqlite:${file}`, unprivileged());
  assert.equal(r.status, 1, r.stderr + r.stdout);
  const uid = asRoot ? NOBODY : process.getuid?.();
  assert.equal(r.stderr, `personalizer: refusing to start: Store: ${file} is not writable by this process (uid ${uid}): permission denied\n`);
  assert.equal(sha(file), before);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a store directory the server may not write (no room for the WAL and the lock) is refused at start-up', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'p.db');
  await filledStore(file, 10);
  fs.chmodSync(file, 0o666);
  fs.chmodSync(dir, asRoot ? 0o755 : 0o555);
  const r = serve(`sqlite:${file}`, unprivileged());
  fs.chmodSync(dir, 0o755);
  assert.equal(r.status, 1, r.stderr + r.stdout);
  const uid = asRoot ? NOBODY : process.getuid?.();
  assert.match(r.stderr, new RegExp(`^personalizer: refusing to start: Store: the directory ${dir} is not writable by this process \\(uid ${uid}\\): permission denied; [^\\n]+\\n$`));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a postgres:// store that cannot be reached is refused in one line, and its password is printed nowhere', () => {
  // Port 1 on loopback: nothing listens there, the connection is refused at once (serve_postgres.test.ts has the rest).
  const r = serve('postgres://app:S3cretPassw0rd@127.0.0.1:1/personalizer?application_name=loop');
  assert.equal(r.status, 1, r.stderr + r.stdout);
  assert.equal(r.stderr, 'personalizer: refusing to start: Store: cannot reach PostgreSQL at 127.0.0.1:1/personalizer: connection refused (is the server running there?)\n');
  assert.ok(!(r.stdout + r.stderr).includes('S3cretPassw0rd'), r.stdout + r.stderr);
  assert.match(r.stdout, /"store":"postgres:\/\/app:\[redacted\]@127\.0\.0\.1:1\/personalizer\?application_name=loop"/);
});

// Found by the reliability suite (src/reliability): another application's SQLite database was switched to WAL
// mode and given the store's tables.
test("another application's SQLite database is refused at start-up, naming it, and left untouched", () => {
  const dir = tempDir();
  const file = path.join(dir, 'app.sqlite');
  const other = new Database(file);
  other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('keep me');");
  other.close();
  const before = sha(file);
  const r = serve(`sqlite:${file}`);
  assert.equal(r.status, 1, r.stderr + r.stdout);
  assert.equal(
    r.stderr,
    `personalizer: refusing to start: Store: ${file} is a SQLite database of another application (schema version 0, tables: notes), not a personalizer store; it was left untouched\n`,
  );
  assert.equal(sha(file), before);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['app.sqlite', 'app.sqlite.lock']);
  fs.rmSync(dir, { recursive: true, force: true });
});
