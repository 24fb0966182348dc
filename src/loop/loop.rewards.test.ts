import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SERVICE_CONFIGURATION } from './service_config.js';
import { parseLine, testLoop, type TestLoop } from './loop.fixtures.js';
import { LoopError, type RankRequest, type RewardAggregation } from './types.js';

const WAIT_S = 60;
const req = (eventId: string, deferActivation = false): RankRequest => ({
  contextFeatures: [{ user: { type: 'a' } }],
  actions: [
    { id: 'x', features: [{ k: 'x' }] },
    { id: 'y', features: [{ k: 'y' }] },
  ],
  eventId,
  deferActivation,
});

async function configure(t: TestLoop, rewardAggregation: RewardAggregation, defaultReward = 0): Promise<void> {
  await t.loop.updateServiceConfiguration({
    ...DEFAULT_SERVICE_CONFIGURATION,
    rewardWaitTime: `PT${WAIT_S}S`,
    rewardAggregation,
    defaultReward,
  });
}

/** The joined label: cost, or 'skip', or null when not joined yet. */
async function label(t: TestLoop, eventId: string): Promise<number | 'skip' | null> {
  const line = parseLine(await t.loop.exportDsjson(eventId));
  if (line._skipLearn === true) return 'skip';
  return typeof line._label_cost === 'number' ? line._label_cost : null;
}

test('reward values: finite numbers in [-1, 1]; unknown events counted, not stored', async () => {
  const t = await testLoop();
  try {
    await t.loop.rank(req('e1'));
    for (const bad of [1.01, -1.5, Number.NaN, Number.POSITIVE_INFINITY, '1' as unknown as number]) {
      await assert.rejects(
        t.loop.reward('e1', bad),
        (e: unknown) => e instanceof LoopError && e.code === 'InvalidRewardRequest' && /^value: must be a number between -1 and 1/.test(e.message),
      );
    }
    await t.loop.reward('e1', -1);
    await t.loop.reward('e1', 1);
    await t.loop.reward('ghost', 0.5);
    await t.loop.activate('ghost');
    const s = t.loop.status();
    assert.equal(s.rewardsReceived, 2);
    assert.equal(s.rewardsUnknownEvent, 1);
    assert.equal(parseLine(await t.loop.exportDsjson('e1')).o instanceof Array, true);
    assert.equal(await t.loop.exportDsjson('ghost'), null);
  } finally {
    await t.loop.close();
  }
});

test('earliest: learnable at the first reward (early), later and late rewards ignored', async () => {
  const t = await testLoop();
  try {
    await configure(t, 'earliest', 0.1);
    await t.loop.rank(req('early'));
    await t.loop.rank(req('none'));
    await t.loop.rank(req('late'));
    t.clock.now += 1000;
    await t.loop.reward('early', 0.3);
    await t.loop.reward('early', 1);
    assert.equal(await label(t, 'early'), -0.3); // before the window closed
    assert.equal(await label(t, 'none'), null);
    t.clock.now += WAIT_S * 1000; // window closed
    await t.loop.reward('late', 1);
    await t.loop.maintain();
    assert.equal(await label(t, 'none'), -0.1); // defaultReward
    assert.equal(await label(t, 'late'), -0.1); // stored but not learned
    const o = parseLine(await t.loop.exportDsjson('late')).o as { v: number }[];
    assert.deepEqual(o.map((x) => x.v), [1]);
  } finally {
    await t.loop.close();
  }
});

test('sum and average wait for the window', async () => {
  for (const [how, expected] of [['sum', -1.5], ['average', -0.75]] as const) {
    const t = await testLoop();
    try {
      await configure(t, how);
      await t.loop.rank(req('e'));
      await t.loop.reward('e', 0.5);
      await t.loop.reward('e', 1);
      await t.loop.maintain();
      assert.equal(await label(t, 'e'), null, how);
      t.clock.now += WAIT_S * 1000 + 1;
      await t.loop.reward('e', -1); // late: stored, not aggregated
      await t.loop.maintain();
      assert.equal(await label(t, 'e'), expected, how);
    } finally {
      await t.loop.close();
    }
  }
});

test('deferActivation: skipped unless activated inside the window; activated without reward → defaultReward', async () => {
  const t = await testLoop();
  try {
    await configure(t, 'earliest', 0.25);
    await t.loop.rank(req('never', true));
    await t.loop.rank(req('rewarded-then-activated', true));
    await t.loop.rank(req('activated-only', true));
    await t.loop.rank(req('activated-late', true));
    t.clock.now += 1000;
    await t.loop.reward('never', 1);
    await t.loop.reward('rewarded-then-activated', 0.5);
    assert.equal(await label(t, 'rewarded-then-activated'), null); // not active yet
    await t.loop.activate('rewarded-then-activated');
    assert.equal(await label(t, 'rewarded-then-activated'), -0.5); // earliest: joins at activation
    await t.loop.activate('activated-only');
    t.clock.now += WAIT_S * 1000;
    await t.loop.activate('activated-late');
    await t.loop.reward('activated-late', 1);
    await t.loop.maintain();
    assert.equal(await label(t, 'never'), 'skip');
    assert.equal(await label(t, 'activated-only'), -0.25);
    assert.equal(await label(t, 'activated-late'), 'skip');
    const skipped = parseLine(await t.loop.exportDsjson('never'));
    assert.equal('_label_cost' in skipped, false);
  } finally {
    await t.loop.close();
  }
});

test('the joined DSJSON line of the worked example (docs/features.md §6)', async () => {
  const t = await testLoop();
  try {
    const r = await t.loop.rank({
      contextFeatures: [{ user: { tier: 'gold', visits: 3 } }, { timeOfDay: 'morning' }],
      actions: [
        { id: 'pasta', features: [{ cuisine: 'italian', spice: 'medium' }, { nutrition: { calories: 800 } }] },
        { id: 'salad', features: [{ cuisine: 'any' }] },
        { id: 'soup', features: [{ cuisine: 'french', spice: 'none' }] },
      ],
      excludedActions: ['salad'],
      eventId: 'evt-123',
    });
    await t.loop.reward('evt-123', 1);
    const text = (await t.loop.exportDsjson('evt-123'))!;
    const line = parseLine(text);
    const a = line.a as number[];
    assert.equal(r.rewardActionId, ['pasta', 'soup'][a[0]! - 1]);
    assert.deepEqual(r.ranking.map((x) => x.probability), [0.5, 0, 0.5]);
    assert.ok(
      text.startsWith(
        `{"_label_cost":-1.0,"_label_probability":0.5,"_label_Action":${a[0]},"_labelIndex":${a[0]! - 1},` +
          `"o":[{"v":1.0,"EventId":"evt-123","ActionTaken":false}],"Timestamp":`,
      ),
      text,
    );
    assert.ok(text.endsWith(`"p":[0.5,0.5],"VWState":{"m":"1"},"_original_label_cost":-1.0}`), text);
    assert.ok(text.includes(`"EventId":"evt-123","a":[${a.join(',')}],"c":{"FromUrl":[{"user":{"tier":"gold","visits":3}},{"timeOfDay":"morning"}],"_multi":[{"_tag":"pasta"`));
  } finally {
    await t.loop.close();
  }
});
