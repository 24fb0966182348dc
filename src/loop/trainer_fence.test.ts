// The trainer worker fences every export with the lease it was given (docs/scale-out.md): once another process
// holds the lease, an export is refused by the store, nothing is written, the worker says so once and refuses
// every later request instead of trying again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { DEFAULT_POLICY_ARGUMENTS } from '../engine/index.js';
import { openStore } from '../store/index.js';
import { TRAINER_LEASE } from './leadership.js';
import { tempStoreUrl } from './loop.fixtures.js';
import { TrainerHandle } from './trainer.js';
import type { PublishedModel } from './trainer_protocol.js';

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a trainer whose lease another process took exports nothing, says so once and refuses every later request', async () => {
  const url = tempStoreUrl();
  const store = await openStore(url);
  const grant = (await store.acquireLease(TRAINER_LEASE, 'this-process', 60_000))!;
  const models: PublishedModel[] = [];
  const lost: string[] = [];
  const trainer = new TrainerHandle(
    { storeUrl: url, lease: grant, policyArguments: DEFAULT_POLICY_ARGUMENTS, modelExportMs: 60_000 },
    { model: (m) => models.push(m), progress: () => {}, log: () => {}, leaseLost: (m) => lost.push(m), exit: () => {} },
  );
  try {
    // On an empty store the trainer exports its fresh model at once: accepted under the live lease.
    await until('the first export', () => models.length === 1, 10_000);
    assert.equal(await store.latestModelId(), models[0]!.id);

    const db = new Database(url.slice('sqlite:'.length).split('?')[0]!);
    db.prepare(`UPDATE leases SET holder = 'other', epoch = epoch + 1 WHERE name = ?`).run(TRAINER_LEASE);
    db.close();
    // A reset exports at once: refused, nothing written.
    await assert.rejects(trainer.request({ op: 'reset', at: Date.now() }), /no longer held by this process/);
    assert.equal(await store.latestModelId(), models[0]!.id);
    assert.equal(models.length, 1);
    await until('the lease-lost notice', () => lost.length === 1, 2000);
    assert.match(lost[0]!, /epoch 1/);
    // Nothing is tried again: every later request is refused without touching the store.
    await assert.rejects(trainer.request({ op: 'flush' }), /lease was lost/);
    assert.equal(lost.length, 1);
    assert.equal(await store.latestModelId(), models[0]!.id);
  } finally {
    await trainer.kill();
    await store.close();
  }
});
