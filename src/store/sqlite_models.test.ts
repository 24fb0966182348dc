import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { LeaseLostError, openStore, StoreOpenError, type NewModel, type Store } from './index.js';
import { companionPath, INLINE_MAX_BYTES, ModelBytes } from './sqlite_models.js';

function tempDb(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-models-')), 'loop.db');
}

function model(bytes: Uint8Array, cursor: number): NewModel {
  return { bytes, policy: 'p', createdAt: 1, modifiedAt: 10 * cursor, cursor, eventsLearned: cursor * 2 };
}

async function withStore(file: string, fn: (s: Store) => Promise<void>): Promise<void> {
  const s = await openStore(`sqlite:${file}`);
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

function fileSize(f: string): number {
  return fs.existsSync(f) ? fs.statSync(f).size : 0;
}

function rows(file: string): { id: number; len: number; bytes_id: number | null; cursor: number }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT id, length(bytes) AS len, bytes_id, cursor FROM models ORDER BY id').all() as never;
  } finally {
    db.close();
  }
}

function companionIds(file: string): number[] {
  const db = new Database(companionPath(file), { readonly: true });
  try {
    return db.prepare('SELECT id FROM model_bytes ORDER BY id').pluck().all() as number[];
  } finally {
    db.close();
  }
}

test('a large model is written to the companion file: the main database gets a small row, read back byte for byte', async () => {
  const file = tempDb();
  const big = new Uint8Array(randomBytes(2 * 1024 * 1024));
  await withStore(file, async (s) => {
    await s.saveModel(model(new Uint8Array([1, 2, 3]), 1));
    const walBefore = fileSize(`${file}-wal`);
    const saved = await s.saveModel(model(big, 2));
    // The main database's WAL grew by a few pages (the row), the companion's by the model.
    const grown = fileSize(`${file}-wal`) - walBefore;
    assert.ok(grown < 64 * 1024, `main WAL grew ${grown} bytes`);
    assert.ok(fileSize(`${companionPath(file)}-wal`) + fileSize(companionPath(file)) > big.length);
    const latest = await s.latestModel();
    assert.equal(latest?.id, saved.id);
    assert.equal(latest?.cursor, 2);
    assert.equal(latest?.eventsLearned, 4);
    assert.ok(Buffer.from(latest!.bytes).equals(Buffer.from(big)));
    // sizeBytes counts the companion's files too.
    const size = (await s.sizeBytes())!;
    assert.ok(size >= fileSize(file) + big.length, `sizeBytes ${size}`);
  });
  const r = rows(file);
  assert.deepEqual(r.map((x) => [x.len, x.bytes_id === null]), [[3, true], [0, false]]);
  // Reopened: the same model.
  await withStore(file, async (s) => assert.ok(Buffer.from((await s.latestModel())!.bytes).equals(Buffer.from(big))));
});

test('models at the inline limit stay in the main database; above it they do not', async () => {
  const file = tempDb();
  await withStore(file, async (s) => {
    await s.saveModel(model(new Uint8Array(INLINE_MAX_BYTES), 1));
    await s.saveModel(model(new Uint8Array(INLINE_MAX_BYTES + 1), 2));
    assert.equal((await s.latestModel())!.bytes.length, INLINE_MAX_BYTES + 1);
  });
  assert.deepEqual(rows(file).map((x) => [x.len, x.bytes_id]), [[INLINE_MAX_BYTES, null], [0, 1]]);
});

test('old versions are pruned in both files: the 3 newest kept, with their bytes only', async () => {
  const file = tempDb();
  await withStore(file, async (s) => {
    for (let i = 1; i <= 8; i++) await s.saveModel(model(new Uint8Array(100_000).fill(i), i));
    const latest = await s.latestModel();
    assert.equal(latest?.id, 8);
    assert.equal(latest?.bytes[99_999], 8);
  });
  assert.deepEqual(rows(file).map((x) => x.id), [6, 7, 8]);
  assert.deepEqual(companionIds(file), [6, 7, 8]);
});

test('a crash between the two commits leaves bytes no row names, never a row without bytes; the orphan is pruned later', async () => {
  const file = tempDb();
  await withStore(file, async (s) => {
    await s.saveModel(model(new Uint8Array(100_000).fill(1), 1));
  });
  // The bytes of an export committed, then the process died before its row: the previous model is the latest.
  const orphanStore = new ModelBytes(file, { readonly: false, check: false });
  const orphan = orphanStore.put(Buffer.alloc(100_000, 9));
  orphanStore.close();
  await withStore(file, async (s) => {
    const latest = await s.latestModel();
    assert.equal(latest?.id, 1);
    assert.equal(latest?.bytes[0], 1);
    for (let i = 2; i <= 6; i++) await s.saveModel(model(new Uint8Array(100_000).fill(i), i));
  });
  assert.ok(!companionIds(file).includes(orphan), 'orphan pruned');
  assert.deepEqual(rows(file).map((x) => x.id), [4, 5, 6]);
});

test('a row whose bytes cannot be read is passed over for the one before it', async () => {
  const file = tempDb();
  await withStore(file, async (s) => {
    await s.saveModel(model(new Uint8Array(100_000).fill(1), 1));
    await s.saveModel(model(new Uint8Array(100_000).fill(2), 2));
  });
  const db = new Database(companionPath(file));
  db.prepare('DELETE FROM model_bytes WHERE id = 2').run();
  db.close();
  await withStore(file, async (s) => {
    const latest = await s.latestModel();
    assert.equal(latest?.id, 1);
    assert.equal(latest?.cursor, 1);
    assert.equal(latest?.bytes[0], 1);
  });
});

test('a fenced export whose lease is lost makes nothing current; its bytes go with a later pruning', async () => {
  const file = tempDb();
  await withStore(file, async (s) => {
    const a = (await s.acquireLease('trainer', 'A', 60_000))!;
    const first = await s.saveModel(model(new Uint8Array(100_000).fill(1), 1), a);
    await s.releaseLease(a);
    const b = (await s.acquireLease('trainer', 'B', 60_000))!;
    await assert.rejects(() => s.saveModel(model(new Uint8Array(100_000).fill(2), 2), a), (e: unknown) => e instanceof LeaseLostError);
    assert.equal(await s.latestModelId(), first.id);
    assert.equal((await s.latestModel())?.bytes[0], 1);
    for (let i = 3; i <= 7; i++) await s.saveModel(model(new Uint8Array(100_000).fill(i), i), b);
    assert.equal((await s.latestModel())?.bytes[0], 7);
  });
  // Bytes 2 (the refused export's) are gone; 3 models kept, each with its bytes.
  assert.deepEqual(companionIds(file), [5, 6, 7]);
  assert.deepEqual(rows(file).map((x) => x.bytes_id), [5, 6, 7]);
});

test('a large model set aside keeps its bytes in set_aside; the previous model becomes the latest', async () => {
  const file = tempDb();
  const big = new Uint8Array(randomBytes(200_000));
  await withStore(file, async (s) => {
    await s.saveModel(model(new Uint8Array([5]), 1));
    const saved = await s.saveModel(model(big, 2));
    await s.setAsideModel(saved.id, 'does not load', 123);
    assert.deepEqual([...(await s.latestModel())!.bytes], [5]);
  });
  const db = new Database(file, { readonly: true });
  const row = db.prepare(`SELECT kind, reason, bytes, value FROM set_aside`).get() as { kind: string; reason: string; bytes: Buffer; value: string };
  db.close();
  assert.equal(row.kind, 'model');
  assert.equal(row.reason, 'does not load');
  assert.ok(row.bytes.equals(Buffer.from(big)));
  assert.equal(JSON.parse(row.value).cursor, 2);
});

test('a damaged or newer companion file is refused at open with one line, the store left untouched', async () => {
  const file = tempDb();
  await withStore(file, async (s) => void (await s.saveModel(model(new Uint8Array(100_000), 1))));
  const companion = companionPath(file);
  // Newer schema.
  const db = new Database(companion);
  db.pragma('user_version = 99');
  db.close();
  await assert.rejects(() => openStore(`sqlite:${file}`), (e: unknown) => e instanceof StoreOpenError && /schema version 99 is newer/.test(e.message));
  // Damaged: not a database at all.
  for (const f of [companion, `${companion}-wal`, `${companion}-shm`]) fs.rmSync(f, { force: true });
  fs.writeFileSync(companion, Buffer.alloc(8192, 0x5a));
  await assert.rejects(
    () => openStore(`sqlite:${file}`),
    (e: unknown) => e instanceof StoreOpenError && e.message.includes(companion) && !e.message.includes('\n'),
  );
  assert.deepEqual(fs.readFileSync(companion), Buffer.alloc(8192, 0x5a));
  // The lock was released: once the file is removed, the store opens (the model's bytes are gone: none is latest).
  fs.rmSync(companion);
  await withStore(file, async (s) => assert.equal(await s.latestModel(), null));
});

test('an in-memory store keeps every model inline', async () => {
  const s = await openStore('sqlite::memory:');
  try {
    const big = new Uint8Array(randomBytes(300_000));
    await s.saveModel(model(big, 1));
    assert.ok(Buffer.from((await s.latestModel())!.bytes).equals(Buffer.from(big)));
  } finally {
    await s.close();
  }
});
