import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY_ARGUMENTS } from '../engine/index.js';
import { DEFAULT_SERVICE_CONFIGURATION } from './service_config.js';
import { testLoop, T0 } from './loop.fixtures.js';
import { SqliteStore } from '../store/index.js';
import { LoopError } from './types.js';

const DAY = 86_400_000;

test('configuration, policy and their shared epsilon survive a restart', async () => {
  const t = await testLoop();
  const c0 = await t.loop.getServiceConfiguration();
  assert.deepEqual(c0, { ...DEFAULT_SERVICE_CONFIGURATION, lastConfigurationEditDate: new Date(T0).toISOString() });
  // A loop opened without a defaultPolicy runs Azure's (the server passes its DefaultPolicy setting).
  assert.deepEqual(await t.loop.getPolicy(), { name: 'azure-default', arguments: DEFAULT_POLICY_ARGUMENTS });

  t.clock.now += 5000;
  const c1 = await t.loop.updateServiceConfiguration({ ...c0, explorationPercentage: 0.5, rewardWaitTime: 'PT4H', rewardAggregation: 'sum' });
  assert.equal(c1.lastConfigurationEditDate, new Date(T0 + 5000).toISOString());
  assert.equal((await t.loop.getPolicy()).arguments, '--cb_explore_adf --epsilon 0.5 --power_t 0 -l 0.001 --cb_type mtr -q ::');

  // A policy with an explicit --epsilon sets explorationPercentage; one without gets it appended.
  await t.loop.updatePolicy({ name: 'mine', arguments: '--cb_explore_adf --epsilon 0.3 --cb_type mtr -q ::' });
  assert.equal((await t.loop.getServiceConfiguration()).explorationPercentage, 0.3);
  const p = await t.loop.updatePolicy({ name: 'mine', arguments: '--cb_explore_adf --cb_type ips' });
  assert.equal(p.arguments, '--cb_explore_adf --cb_type ips --epsilon 0.3');

  await t.loop.close();
  const loop = await t.reopen();
  try {
    const c2 = await loop.getServiceConfiguration();
    assert.equal(c2.rewardWaitTime, 'PT4H');
    assert.equal(c2.rewardAggregation, 'sum');
    assert.equal(c2.explorationPercentage, 0.3);
    assert.deepEqual(await loop.getPolicy(), { name: 'mine', arguments: '--cb_explore_adf --cb_type ips --epsilon 0.3' });
    assert.deepEqual(await loop.resetPolicy(), { name: 'azure-default', arguments: DEFAULT_POLICY_ARGUMENTS });
    assert.equal((await loop.getServiceConfiguration()).explorationPercentage, 0.2);
  } finally {
    await loop.close();
  }
});

test('invalid configuration and policy are refused with the field named, nothing changes', async () => {
  const { loop } = await testLoop();
  try {
    const c = await loop.getServiceConfiguration();
    await assert.rejects(
      loop.updateServiceConfiguration({ ...c, learningMode: 'Offline' as 'Online' }),
      (e: unknown) => e instanceof LoopError && e.code === 'InvalidServiceConfiguration' && /learningMode: must be Online, Apprentice or LoggingOnly/.test(e.message),
    );
    await assert.rejects(
      loop.updateServiceConfiguration({ ...c, learningMode: 'Apprentice', defaultReward: 0.5 }),
      (e: unknown) => e instanceof LoopError && e.code === 'InvalidLearningModeServiceConfiguration' && e.status === 400,
    );
    await assert.rejects(loop.updateServiceConfiguration({ ...c, logRetentionDays: 1 }), /logRetentionDays: must be -1 or at least 2/);
    await assert.rejects(
      loop.updatePolicy({ name: 'p', arguments: '--cb_explore_adf --bogus 3' }),
      (e: unknown) => e instanceof LoopError && e.code === 'InvalidPolicyConfiguration' && /^--bogus: unsupported argument/.test(e.message),
    );
    await assert.rejects(
      loop.updatePolicy({ name: '', arguments: DEFAULT_POLICY_ARGUMENTS }),
      (e: unknown) => e instanceof LoopError && e.code === 'InvalidPolicyContract',
    );
    assert.deepEqual(await loop.getServiceConfiguration(), c);
    assert.equal((await loop.getPolicy()).arguments, DEFAULT_POLICY_ARGUMENTS);
  } finally {
    await loop.close();
  }
});

test('model properties, logs properties, delete and retention', async () => {
  const t = await testLoop();
  const { loop, clock } = t;
  try {
    assert.deepEqual(await loop.getModelProperties(), {
      creationTime: new Date(T0).toISOString(),
      lastModifiedTime: new Date(T0).toISOString(),
    });
    assert.deepEqual(await loop.getLogsProperties(), {});
    const actions = [{ id: 'a', features: [{ f: 1 }] }, { id: 'b', features: [{ f: 2 }] }];
    await loop.rank({ actions, eventId: 'old' });
    clock.now += DAY;
    await loop.rank({ actions, eventId: 'new' });
    assert.deepEqual(await loop.getLogsProperties(), {
      dateRange: { from: new Date(T0).toISOString(), to: new Date(T0 + DAY).toISOString() },
    });
    // logRetentionDays 2: at T0 + 2.5 days the first event is older than 2 days, the second is not.
    await loop.updateServiceConfiguration({ ...(await loop.getServiceConfiguration()), logRetentionDays: 2 });
    clock.now = T0 + 2.5 * DAY;
    // The sweep joins 'old' (its window closed long ago), but no model has learned it yet: retention keeps it.
    await loop.maintain();
    assert.notEqual(await loop.exportDsjson('old'), null);
    assert.equal((await loop.stats()).eventsPurged, 0);
    // Once a model has learned it, the next maintenance deletes it, with no hour to wait.
    await loop.flush();
    await loop.maintain();
    assert.equal(await loop.exportDsjson('old'), null);
    assert.notEqual(await loop.exportDsjson('new'), null);
    assert.deepEqual(await loop.getLogsProperties(), {
      dateRange: { from: new Date(T0 + DAY).toISOString(), to: new Date(T0 + DAY).toISOString() },
    });
    assert.equal((await loop.stats()).eventsPurged, 1);
    await loop.deleteLogs();
    assert.deepEqual(await loop.getLogsProperties(), {});
    assert.equal(loop.status().eventsRanked, 2);
  } finally {
    await loop.close();
  }
});

test('settings stored by another writer meanwhile are never overwritten with the loop\'s stale copy', async () => {
  const t = await testLoop();
  // Another writer on the same file (a second connection, as another process would hold): it changes the policy.
  const file = t.storeUrl.slice('sqlite:'.length).split('?')[0]!;
  const other = new SqliteStore(file, { exclusive: false });
  try {
    const policy = { name: 'theirs', arguments: '--cb_explore_adf --cb_type ips --epsilon 0.2' };
    await other.putSettings({ policy }, await other.settingsRevision());
    // The loop changes the service configuration from its copy, read before that change.
    const c0 = await t.loop.getServiceConfiguration();
    await t.loop.updateServiceConfiguration({ ...c0, rewardWaitTime: 'PT7M' });
    assert.deepEqual(await other.getSetting('policy'), policy);
    assert.deepEqual(await t.loop.getPolicy(), policy);
    assert.equal((await other.getSetting<{ rewardWaitTime: string }>('service'))?.rewardWaitTime, 'PT7M');

    // And the other way round: their service change survives the loop's policy change.
    const service = await other.getSetting<Record<string, unknown>>('service');
    await other.putSettings({ service: { ...service, rewardAggregation: 'sum' } }, await other.settingsRevision());
    await t.loop.updatePolicy({ name: 'mine', arguments: '--cb_explore_adf --cb_type mtr --epsilon 0.2' });
    const stored = await other.getSetting<{ rewardAggregation: string; rewardWaitTime: string }>('service');
    assert.equal(stored?.rewardAggregation, 'sum');
    assert.equal(stored?.rewardWaitTime, 'PT7M');
    assert.equal((await t.loop.getServiceConfiguration()).rewardAggregation, 'sum');
    assert.deepEqual(await other.getSetting('policy'), { name: 'mine', arguments: '--cb_explore_adf --cb_type mtr --epsilon 0.2' });
  } finally {
    await other.close();
    await t.loop.close();
  }
});

test('retention past the batch size of 1,000: all 2,100 learned events go; -1 keeps them; a new rank is kept', async () => {
  const t = await testLoop();
  const { loop, clock } = t;
  try {
    const actions = [{ id: 'a', features: [{ f: 1 }] }, { id: 'b', features: [{ f: 2 }] }];
    for (let chunk = 0; chunk < 21; chunk++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => loop.rank({ actions, eventId: `e${chunk * 100 + i}` })));
    }
    // 91 days on: all are joined (default reward) and learned, and older than the default 90 days.
    clock.now = T0 + 91 * DAY;
    await loop.updateServiceConfiguration({ ...(await loop.getServiceConfiguration()), logRetentionDays: -1 });
    await loop.flush();
    await loop.maintain();
    assert.equal((await loop.stats()).eventsPurged, 0, '-1 keeps everything');
    assert.equal((await loop.getLogsProperties()).dateRange?.from, new Date(T0).toISOString());
    await loop.updateServiceConfiguration({ ...(await loop.getServiceConfiguration()), logRetentionDays: 90 });
    await loop.rank({ actions, eventId: 'fresh' });
    await loop.maintain();
    assert.equal((await loop.stats()).eventsPurged, 2100);
    assert.equal(await loop.exportDsjson('e0'), null);
    assert.equal(await loop.exportDsjson('e2099'), null);
    const now = new Date(T0 + 91 * DAY).toISOString();
    assert.deepEqual(await loop.getLogsProperties(), { dateRange: { from: now, to: now } });
  } finally {
    await loop.close();
  }
});

// Found by the fuzz suite (src/reliability): concurrent changes in one process exhausted the compare-and-set
// retries and answered 500.
test('a burst of concurrent policy and configuration changes in one process all succeed, the last one wins', async () => {
  const t = await testLoop();
  try {
    const c0 = await t.loop.getServiceConfiguration();
    const changes = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0
        ? t.loop.resetPolicy()
        : i % 3 === 1
          ? t.loop.updatePolicy({ name: `p${i}`, arguments: `--cb_explore_adf --epsilon 0.${(i % 9) + 1} --cb_type mtr -q ::` })
          : t.loop.updateServiceConfiguration({ ...c0, rewardWaitTime: `PT${i}M` }),
    );
    const settled = await Promise.allSettled(changes);
    assert.deepEqual(settled.filter((s) => s.status === 'rejected').map((s) => String((s as PromiseRejectedResult).reason)), []);
    // Queued in call order: the last policy change (i = 28) and the last configuration change (i = 29) stand,
    // the latter's explorationPercentage (c0's 0.2) setting the policy's --epsilon, as any configuration change does.
    assert.deepEqual(await t.loop.getPolicy(), { name: 'p28', arguments: '--cb_explore_adf --epsilon 0.2 --cb_type mtr -q ::' });
    assert.equal((await t.loop.getServiceConfiguration()).rewardWaitTime, 'PT29M');
  } finally {
    await t.loop.close();
  }
});
