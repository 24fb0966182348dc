// Whatever is stored must never stop a start: bad state written straight into a real SQLite store file, then a
// real server process started on it. It starts and is ready, the defaults are in force, the bad state is still
// in the file (set_aside), and the log says what was set aside.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { call, startServerProcess } from '../api/test_server.js';
import { createLearner, DEFAULT_POLICY_ARGUMENTS, modelProblem, parsePolicyArguments, readModel, writeModel } from '../engine/index.js';
import { openStore } from '../store/index.js';
import { learningSignature } from './policy.js';

const RANK = {
  contextFeatures: [{ user: { tier: 'gold' } }],
  actions: [{ id: 'a', features: [{ c: 'x' }] }, { id: 'b', features: [{ c: 'y' }] }],
};

/** A migrated store file in a temp dir, then raw writes to it. */
async function storeWith(write: (db: Database.Database) => void): Promise<{ dir: string; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pzr-stored-'));
  const file = join(dir, 'p.db');
  await (await openStore(`sqlite:${file}`)).close();
  const db = new Database(file);
  write(db);
  db.close();
  return { dir, file };
}

function insertModel(db: Database.Database, bytes: Uint8Array, policy: string): void {
  db.prepare('INSERT INTO models (bytes, policy, created_at, modified_at, cursor, events_learned) VALUES (?, ?, 0, 0, 0, 0)').run(
    Buffer.from(bytes),
    policy,
  );
}

function setAside(file: string): { kind: string; reason: string; value: string | null; bytes: Buffer | null }[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT kind, reason, value, bytes FROM set_aside ORDER BY id').all() as never;
  } finally {
    db.close();
  }
}

test('a stored policy, service configuration and model that cannot be used are set aside; the server starts on the defaults', async () => {
  const badPolicy = { name: 'old', arguments: '--cb_explore_adf --epsilon 0.2 -l 1e39 --power_t 0 -q ::' };
  const badService = { rewardWaitTime: 'PT10M', defaultReward: 0, rewardAggregation: 'earliest', explorationPercentage: 0.3, modelExportFrequency: 'PT0S', logRetentionDays: 90 };
  const corrupt = new Uint8Array([1, 2, 3, 4, 5]);
  const { dir, file } = await storeWith((db) => {
    const put = db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    put.run('policy', JSON.stringify(badPolicy));
    put.run('service', JSON.stringify(badService));
    insertModel(db, corrupt, 'whatever');
  });
  // Azure's default as the configured one: the replacement policy is the configured default (DefaultPolicy).
  const server = await startServerProcess({ args: [`Store=sqlite:${file}`, 'DefaultPolicy=azure-default'] });
  try {
    assert.equal((await call(server, 'GET', '/ready', { key: null })).status, 200);
    const policy = await call(server, 'GET', '/personalizer/v1.0/configurations/policy');
    assert.equal(policy.status, 200);
    assert.equal(policy.json.arguments, DEFAULT_POLICY_ARGUMENTS);
    const service = await call(server, 'GET', '/personalizer/v1.0/configurations/service');
    assert.equal(service.json.modelExportFrequency, 'PT5M');
    const rank = await call(server, 'POST', '/personalizer/v1.0/rank', { body: RANK });
    assert.equal(rank.status, 201, rank.text);
    const model = await call(server, 'GET', '/personalizer/v1.0/model');
    assert.equal(model.status, 200);
    assert.equal(modelProblem(new Uint8Array(await (await fetch(`${server.url}/personalizer/v1.0/model`, { headers: { 'Ocp-Apim-Subscription-Key': server.key } })).arrayBuffer())), null);
    const out = server.stdout();
    assert.match(out, /stored learning policy cannot be used \(-l: '1e39' is out of range.*set aside/);
    assert.match(out, /stored service configuration cannot be used \(modelExportFrequency: .*set aside/);
    assert.match(out, /stored model 1 cannot be loaded .*set aside/);
    // A second start on the same store finds nothing more to set aside.
    assert.equal(await server.stop(), 0);
    const again = await startServerProcess({ args: [`Store=sqlite:${file}`] });
    try {
      assert.doesNotMatch(again.stdout(), /set aside/);
    } finally {
      await again.stop();
    }
    const kept = setAside(file);
    assert.deepEqual(kept.map((r) => r.kind), ['setting:service', 'setting:policy', 'model']);
    assert.deepEqual(JSON.parse(kept[0]!.value!), badService);
    assert.deepEqual(JSON.parse(kept[1]!.value!), badPolicy);
    assert.deepEqual(new Uint8Array(kept[2]!.bytes!), corrupt);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a stored model holding a non-finite weight and a setting that is not JSON are set aside; ranking uses the previous good model', async () => {
  const config = parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS);
  const good = createLearner(config).saveModel();
  const state = readModel(good);
  state.weights[4 * 1234] = Number.NaN;
  const poisoned = writeModel(state);
  const { dir, file } = await storeWith((db) => {
    insertModel(db, good, learningSignature(config));
    insertModel(db, poisoned, learningSignature(config));
    db.prepare("INSERT INTO settings (key, value) VALUES ('service', '{\"rewardWaitTime\": \"PT1')").run();
  });
  const server = await startServerProcess({ args: [`Store=sqlite:${file}`] });
  try {
    const rank = await call(server, 'POST', '/personalizer/v1.0/rank', { body: RANK });
    assert.equal(rank.status, 201, rank.text);
    for (const a of rank.json.ranking) assert.equal(a.probability, 0.5);
    assert.match(server.stdout(), /stored model 2 cannot be loaded \(weight slot 1234 is NaN\).*set aside/);
    assert.match(server.stdout(), /stored service configuration cannot be used \(not readable: .*set aside/);
    assert.equal((await call(server, 'GET', '/personalizer/v1.0/configurations/service')).json.rewardWaitTime, 'PT10M');
    const kept = setAside(file);
    assert.deepEqual(kept.map((r) => r.kind), ['setting:service', 'model']);
    assert.equal(kept[0]!.value, '{"rewardWaitTime": "PT1');
    assert.deepEqual(new Uint8Array(kept[1]!.bytes!), poisoned);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
