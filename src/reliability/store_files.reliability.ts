// Store files a server must refuse, at start-up, clearly, leaving the file as it was (its hash before and after),
// and the one-server-per-store rule probed at its edges. serve_store.test.ts has the plain cases (damaged pages,
// random bytes, another application's database, a second server on the same path); these are their kin: a store
// cut short at several lengths, a store whose header is overwritten, an empty-but-foreign schema, and two servers
// started at the same instant, on the same file reached by one path, a symlink, or a path spelt otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { call, cliEntry, startServerProcess } from '../api/test_server.js';
import { openStore } from '../store/index.js';

const REFUSAL = /^personalizer: refusing to start: Store: [^\n]+\n$/;

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-store-files-'));
}

function sha(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function serve(store: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliEntry(), 'serve', 'Eula=accept', 'ApiKey=k', 'Host=127.0.0.1', 'Port=0', `Store=${store}`], {
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A real store with events, closed (checkpointed into the main file). */
async function filledStore(file: string, events = 3000): Promise<void> {
  const s = await openStore(`sqlite:${file}`);
  for (let i = 0; i < events; i++) {
    void s.insertEvent({
      eventId: `e${i}`, timestamp: i, context: `{"u":[{"n":${i},"pad":"${'x'.repeat(300)}"}]}`, actions: [1, 2],
      probabilities: [0.5, 0.5], chosenIndex: 0, chosenProbability: 0.5, modelVersion: '1', deferActivation: false,
    });
  }
  await s.close();
}

function assertRefused(file: string, r: ReturnType<typeof serve>, before: string, what: RegExp): void {
  assert.equal(r.status, 1, r.stderr + r.stdout);
  assert.match(r.stderr, REFUSAL);
  assert.match(r.stderr, what);
  assert.ok(r.stderr.includes(file), r.stderr);
  assert.equal(sha(file), before, 'the file is left untouched');
}

test('a store cut short (a copy interrupted, a full disk) is refused at every length, the file untouched', { timeout: 180_000 }, async () => {
  const dir = tempDir();
  try {
    const whole = path.join(dir, 'whole.db');
    await filledStore(whole);
    const bytes = fs.readFileSync(whole);
    assert.ok(bytes.length > 200 * 4096, `${bytes.length} bytes`);
    // Inside the header, one page, a page and a half, half the file, all but the last page.
    for (const length of [50, 4096, 6144, Math.floor(bytes.length / 2), bytes.length - 4096]) {
      const file = path.join(dir, `cut-${length}.db`);
      fs.writeFileSync(file, bytes.subarray(0, length));
      const before = sha(file);
      assertRefused(file, serve(`sqlite:${file}`), before, /is damaged|is not a usable SQLite database|another application/);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a store whose header or schema page is overwritten is refused, the file untouched', { timeout: 60_000 }, async () => {
  const dir = tempDir();
  try {
    const whole = path.join(dir, 'whole.db');
    await filledStore(whole, 500);
    const cases: [string, (b: Buffer) => void][] = [
      ['magic', (b) => b.write('SQLite format 2\0', 0, 'latin1')],
      ['page size', (b) => b.writeUInt16BE(3, 16)],
      ['schema page', (b) => b.fill(0x5a, 100, 4096)],
    ];
    for (const [name, damage] of cases) {
      const file = path.join(dir, `${name.replace(' ', '-')}.db`);
      const bytes = Buffer.from(fs.readFileSync(whole));
      damage(bytes);
      fs.writeFileSync(file, bytes);
      const before = sha(file);
      assertRefused(file, serve(`sqlite:${file}`), before, /is damaged|is not a usable SQLite database|another application/);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("another application's databases (WAL mode, a user_version of its own, its own `events` table) are refused, untouched", { timeout: 60_000 }, () => {
  const dir = tempDir();
  try {
    const schemas: [string, string][] = [
      ['wal.db', "PRAGMA journal_mode = WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);"],
      ['versioned.db', "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); PRAGMA user_version = 7;"],
      ['events.db', "CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT); INSERT INTO events (what) VALUES ('mine');"],
    ];
    for (const [name, sql] of schemas) {
      const file = path.join(dir, name);
      const db = new Database(file);
      db.exec(sql);
      db.close();
      const before = sha(file);
      assertRefused(file, serve(`sqlite:${file}`), before, /is a SQLite database of another application/);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** Starts `serve` and resolves with its exit (or `running` once it listens). */
function race(store: string): { outcome: Promise<{ code: number | null; stderr: string } | 'running'>; kill(): void } {
  const child = spawn(process.execPath, [cliEntry(), 'serve', 'Eula=accept', 'ApiKey=k', 'Host=127.0.0.1', 'Port=0', `Store=${store}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const outcome = new Promise<{ code: number | null; stderr: string } | 'running'>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (out.includes('personalizer listening at')) resolve('running');
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.once('exit', (code) => resolve({ code, stderr: err }));
  });
  return { outcome, kill: () => child.kill('SIGKILL') };
}

test('two servers started at the same instant on one new store file, without Workers: exactly one serves, the other refuses clearly', { timeout: 120_000 }, async () => {
  for (let round = 0; round < 5; round++) {
    const dir = tempDir();
    const file = path.join(dir, 'p.db');
    const a = race(`sqlite:${file}`);
    const b = race(`sqlite:${file}`);
    try {
      const outcomes = await Promise.all([a.outcome, b.outcome]);
      const running = outcomes.filter((o) => o === 'running');
      const refused = outcomes.filter((o) => o !== 'running') as { code: number | null; stderr: string }[];
      assert.equal(running.length, 1, `round ${round}: ${JSON.stringify(outcomes)}`);
      assert.equal(refused[0]!.code, 1);
      assert.match(refused[0]!.stderr, new RegExp(`^personalizer: refusing to start: Store: ${file.replace(/[.]/g, '\\.')} is in use by another process \\(pid \\d+\\)\\n$`));
    } finally {
      a.kill();
      b.kill();
      await new Promise((r) => setTimeout(r, 200));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('a second server on the same store reached by a symlink, or by a path spelt otherwise, refuses too', { timeout: 120_000 }, async () => {
  const dir = tempDir();
  const file = path.join(dir, 'p.db');
  const first = await startServerProcess({ args: [`Store=sqlite:${file}`] });
  try {
    assert.equal((await call(first, 'POST', '/personalizer/v1.0/rank', { body: { actions: [{ id: 'a', features: [{ x: 1 }] }] } })).status, 201);
    const link = path.join(dir, 'link.db');
    fs.symlinkSync(file, link);
    const linkedDir = path.join(os.tmpdir(), `${path.basename(dir)}-link`);
    fs.symlinkSync(dir, linkedDir);
    try {
      for (const other of [link, `${dir}/./sub/../p.db`, `${dir}//p.db`, path.join(linkedDir, 'p.db')]) {
        if (other.includes('sub')) fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
        const r = serve(`sqlite:${other}`);
        assert.equal(r.status, 1, `${other}: ${r.stderr}${r.stdout.slice(0, 500)}`);
        assert.match(r.stderr, new RegExp(`is in use by another process \\(pid ${first.child.pid}\\)`), other);
      }
    } finally {
      fs.rmSync(linkedDir, { force: true });
    }
    assert.equal((await call(first, 'GET', '/ready')).status, 200);
  } finally {
    await first.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
