// The multi-slot routes over HTTP against a real server process (docs/multi-slot.md): only under the preview base
// paths; InvalidMultiSlotApiAccess until the loop's policy is --ccb_explore_adf; the official REST client
// (@azure-rest/ai-personalizer, v1.1-preview.3) ranking, rewarding and activating; every bad input a 4xx in
// Azure's shape; a multi-slot loop learning from rewards sent over HTTP; and acknowledged writes surviving kill -9.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import personalizerRest from '@azure-rest/ai-personalizer';
import { AzureKeyCredential } from '@azure/core-auth';
import { DEFAULT_CCB_POLICY_ARGUMENTS } from '../engine/index.js';
import { openStore } from '../store/index.js';
import { prng } from '../testing/fixtures.js';
import { call, startServerProcess, type ServerProcess } from './test_server.js';
import { waitFor, metric } from '../testing/wait.js';

const { default: createPersonalizerClient } = personalizerRest;
const P3 = '/personalizer/v1.1-preview.3';
const ARTICLES = ['news', 'sports', 'music', 'movies', 'cooking', 'travel'];
const actions = ARTICLES.map((id, i) => ({ id, features: [{ article: { id, even: i % 2 === 0 } }] }));
const slots = [
  { id: 'top', baselineAction: 'news', features: [{ slot: { pos: 'top' } }] },
  { id: 'side', baselineAction: 'sports', features: [{ slot: { pos: 'side' } }] },
];
const body = (eventId?: string, user = 'student') => ({ contextFeatures: [{ user: { type: user } }], actions, slots, ...(eventId ? { eventId } : {}) });

async function toMultiSlot(server: ServerProcess, args = DEFAULT_CCB_POLICY_ARGUMENTS): Promise<void> {
  const r = await call(server, 'PUT', `${P3}/configurations/policy`, { body: { name: 'ccb', arguments: args } });
  assert.equal(r.status, 200, r.text);
}

function azureError(r: { status: number; json: any; text: string }, status: number, code: string): void {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json?.error?.code, code, r.text);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 10, r.text);
}

describe('multi-slot routes', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess();
  });
  after(async () => {
    await server?.stop();
  });

  test('only under the preview paths; InvalidMultiSlotApiAccess until the policy is --ccb_explore_adf, then InvalidSingleSlotApiAccess', async () => {
    assert.equal((await call(server, 'POST', '/personalizer/v1.0/multislot/rank', { body: body() })).status, 404);
    for (const version of ['1', '2', '3']) {
      azureError(await call(server, 'POST', `/personalizer/v1.1-preview.${version}/multislot/rank`, { body: body() }), 400, 'InvalidMultiSlotApiAccess');
    }
    azureError(await call(server, 'POST', `${P3}/multislot/events/x/reward`, { body: { reward: [{ slotId: 'top', value: 1 }] } }), 400, 'InvalidMultiSlotApiAccess');
    azureError(await call(server, 'POST', `${P3}/multislot/events/x/activate`), 400, 'InvalidMultiSlotApiAccess');
    await toMultiSlot(server);
    const ranked = await call(server, 'POST', '/personalizer/v1.1-preview.1/multislot/rank', { body: body('p1') });
    assert.equal(ranked.status, 201, ranked.text);
    assert.equal(ranked.json.eventId, 'p1');
    azureError(await call(server, 'POST', `${P3}/rank`, { body: { actions } }), 400, 'InvalidSingleSlotApiAccess');
    azureError(await call(server, 'POST', '/personalizer/v1.0/events/p1/reward', { body: { value: 1 } }), 400, 'InvalidSingleSlotApiAccess');
    azureError(
      await call(server, 'PUT', `${P3}/configurations/service`, {
        body: { ...(await call(server, 'GET', `${P3}/configurations/service`)).json, isAutoOptimizationEnabled: true },
      }),
      400,
      'ProblemTypeIncompatibleWithAutoOptimization',
    );
  });

  test('the REST client: multislot rank 201, reward 204 (spread over calls), activate 204; errors with their status and code', async () => {
    await toMultiSlot(server);
    const client = createPersonalizerClient(server.url, new AzureKeyCredential(server.key), { allowInsecureConnection: true });
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const r = await client.path('/multislot/rank').post({ body: { ...body(`sdk-${i}`), deferActivation: i % 2 === 1 } });
      if (r.status !== '201' || !('slots' in r.body)) assert.fail(`multislot rank: ${r.status} ${JSON.stringify(r.body)}`);
      assert.equal(r.body.eventId, `sdk-${i}`);
      assert.deepEqual(r.body.slots!.map((s) => s.id), ['top', 'side']);
      const [top, side] = r.body.slots!.map((s) => s.rewardActionId!);
      assert.ok(ARTICLES.includes(top!) && ARTICLES.includes(side!) && top !== side, JSON.stringify(r.body));
      seen.add(top!);
      const a = await client.path('/multislot/events/{eventId}/reward', `sdk-${i}`).post({ body: { reward: [{ slotId: 'top', value: 1 }] } });
      assert.equal(a.status, '204');
      const b = await client.path('/multislot/events/{eventId}/reward', `sdk-${i}`).post({ body: { reward: [{ slotId: 'side', value: 0.5 }] } });
      assert.equal(b.status, '204');
      if (i % 2 === 1) assert.equal((await client.path('/multislot/events/{eventId}/activate', `sdk-${i}`).post()).status, '204');
    }
    assert.ok(seen.size >= 3, `a fresh model explores uniformly: ${[...seen].join(', ')}`);
    // Errors surface with their status and Azure's code.
    const bad = await client.path('/multislot/rank').post({ body: { actions, slots: [{ id: 'top', baselineAction: 'nope' }] } });
    assert.equal(bad.status, '400');
    assert.equal((bad.body as { error: { code: string } }).error.code, 'InvalidRankRequest');
    const unknownSlot = await client.path('/multislot/events/{eventId}/reward', 'sdk-0').post({ body: { reward: [{ slotId: 'middle', value: 1 }] } });
    assert.equal(unknownSlot.status, '400');
    assert.equal((unknownSlot.body as { error: { code: string } }).error.code, 'InvalidRewardRequest');
    // A reward or an activation for an event never ranked is accepted, as for single-slot events.
    assert.equal((await client.path('/multislot/events/{eventId}/reward', 'never-ranked').post({ body: { reward: [{ slotId: 'top', value: 1 }] } })).status, '204');
    assert.equal((await client.path('/multislot/events/{eventId}/activate', 'never-ranked').post()).status, '204');
  });

  test('bad input on every multislot route: a 4xx in Azure shape, never a 5xx', async () => {
    await toMultiSlot(server);
    const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, features: [] }));
    const rank: [string, unknown, string][] = [
      ['not an object', [1, 2], 'InvalidRankRequest'],
      ['no slots', { actions }, 'InvalidRankRequest'],
      ['no actions', { slots }, 'InvalidRankRequest'],
      ['empty slots', { actions, slots: [] }, 'InvalidRankRequest'],
      ['51 slots', { actions: many(50, 'a'), slots: Array.from({ length: 51 }, (_, i) => ({ id: `s${i}`, baselineAction: `a${i % 50}` })) }, 'InvalidRankRequest'],
      ['51 actions', { actions: many(51, 'a'), slots: [{ id: 's', baselineAction: 'a0' }] }, 'InvalidRankRequest'],
      ['more slots than actions', { actions: many(2, 'a'), slots: [0, 1, 2].map((i) => ({ id: `s${i}`, baselineAction: 'a0' })) }, 'InvalidRankRequest'],
      ['slot without baselineAction', { actions, slots: [{ id: 'top' }] }, 'InvalidRankRequest'],
      ['baselineAction not an action', { actions, slots: [{ id: 'top', baselineAction: 'ghost' }] }, 'InvalidRankRequest'],
      ['baselineAction excluded', { actions, slots: [{ id: 'top', baselineAction: 'news', excludedActions: ['news'] }] }, 'InvalidRankRequest'],
      ['baselineAction shared', { actions, slots: [{ id: 'a', baselineAction: 'news' }, { id: 'b', baselineAction: 'news' }] }, 'InvalidRankRequest'],
      ['duplicate slot id', { actions, slots: [{ id: 'a', baselineAction: 'news' }, { id: 'a', baselineAction: 'music' }] }, 'InvalidRankRequest'],
      ['empty slot id', { actions, slots: [{ id: '', baselineAction: 'news' }] }, 'InvalidRankRequest'],
      ['slot id too long', { actions, slots: [{ id: 'x'.repeat(257), baselineAction: 'news' }] }, 'InvalidRankRequest'],
      ['duplicate action id', { actions: [...actions, actions[0]], slots }, 'InvalidRankRequest'],
      ['slot features not objects', { actions, slots: [{ id: 'top', baselineAction: 'news', features: [1] }] }, 'InvalidRankRequest'],
      ['slot feature out of float32', { actions, slots: [{ id: 'top', baselineAction: 'news', features: [{ x: 1e39 }] }] }, 'InvalidRankRequest'],
      ['excludedActions not strings', { actions, slots: [{ id: 'top', baselineAction: 'news', excludedActions: [3] }] }, 'InvalidRankRequest'],
      ['eventId too long', { ...body(), eventId: 'e'.repeat(257) }, 'InvalidRankRequest'],
      ['deferActivation not a boolean', { ...body(), deferActivation: 'yes' }, 'InvalidRankRequest'],
    ];
    for (const [what, b, code] of rank) {
      const r = await call(server, 'POST', `${P3}/multislot/rank`, { body: b });
      assert.ok(r.status >= 400 && r.status < 500, `${what}: ${r.status} ${r.text}`);
      assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
    }
    const dup = await call(server, 'POST', `${P3}/multislot/rank`, { body: body('dup') });
    assert.equal(dup.status, 201);
    azureError(await call(server, 'POST', `${P3}/multislot/rank`, { body: body('dup') }), 400, 'InvalidRankRequest');
    const reward: [string, unknown][] = [
      ['not an object', 'x'],
      ['no reward', {}],
      ['reward not an array', { reward: { slotId: 'top', value: 1 } }],
      ['empty reward', { reward: [] }],
      ['value too large', { reward: [{ slotId: 'top', value: 1.5 }] }],
      ['value a string', { reward: [{ slotId: 'top', value: '1' }] }],
      ['value null', { reward: [{ slotId: 'top', value: null }] }],
      ['no slotId', { reward: [{ value: 1 }] }],
      ['empty slotId', { reward: [{ slotId: '', value: 1 }] }],
      ['unknown slotId', { reward: [{ slotId: 'top', value: 1 }, { slotId: 'middle', value: 1 }] }],
    ];
    for (const [what, b] of reward) {
      const r = await call(server, 'POST', `${P3}/multislot/events/dup/reward`, { body: b });
      assert.ok(r.status === 400, `${what}: ${r.status} ${r.text}`);
      assert.ok(['InvalidRewardRequest', 'BadRequest'].includes(r.json?.error?.code), `${what}: ${r.text}`);
    }
    // Nothing of the refused calls was stored: the unknown-slot call had a valid first reward.
    assert.equal((await call(server, 'POST', `${P3}/multislot/events/${'e'.repeat(257)}/reward`, { body: { reward: [{ slotId: 'top', value: 1 }] } })).status, 400);
    assert.equal((await call(server, 'POST', `${P3}/multislot/events/${'e'.repeat(257)}/activate`)).status, 400);
    const malformed = await call(server, 'POST', `${P3}/multislot/rank`, { raw: '{"actions":[', contentType: 'application/json' });
    azureError(malformed, 400, 'BadRequest');
  });
});

/**
 * Ranks and rewards 10 blocks of 200 events in a world where each user type has a best article per slot, over
 * HTTP; returns the share of rewarded slots per block.
 */
async function learnOverHttp(server: ServerProcess, policy: string): Promise<number[]> {
  await toMultiSlot(server, policy);
  const exportEvery = async (modelExportFrequency: string) => {
    const config = (await call(server, 'GET', `${P3}/configurations/service`)).json;
    assert.equal((await call(server, 'PUT', `${P3}/configurations/service`, { body: { ...config, modelExportFrequency } })).status, 200);
  };
  // The first block is ranked by the fresh model alone (uniform: the random baseline), the others by a model
  // exported every second.
  await exportEvery('PT1H');
  const BEST: Record<string, [string, string]> = { student: ['music', 'movies'], parent: ['cooking', 'news'], retiree: ['news', 'travel'] };
  const users = Object.keys(BEST);
  const rng = prng(5);
  const shares: number[] = [];
  for (let block = 0; block < 10; block++) {
    let rewarded = 0;
    for (let i = 0; i < 200; i++) {
      const user = users[Math.floor(rng() * users.length)]!;
      const r = await call(server, 'POST', `${P3}/multislot/rank`, { body: body(`learn-${block}-${i}`, user) });
      assert.equal(r.status, 201, r.text);
      const values = (r.json.slots as { id: string; rewardActionId: string }[]).map((s, k) => (s.rewardActionId === BEST[user]![k] ? 1 : 0));
      rewarded += values[0]! + values[1]!;
      const w = await call(server, 'POST', `${P3}/multislot/events/${r.json.eventId}/reward`, { body: { reward: slots.map((s, k) => ({ slotId: s.id, value: values[k]! })) } });
      assert.equal(w.status, 204, w.text);
    }
    shares.push(rewarded / 400);
    if (block === 0) await exportEvery('PT1S');
    // Let the trainer export (every second) before the next block.
    await new Promise((resolve) => setTimeout(resolve, 1200));
  }
  return shares;
}

describe('a multi-slot loop learns over HTTP', () => {
  // Random: 1/6 for the top slot, 1/5 for the side one (≈ 0.18: the first block); ε-greedy's ceiling ≈ 0.84.
  test('a tuned policy (Azure\'s with -l 0.01): rewarded slots rise from random to near the ceiling', { timeout: 900_000 }, async (t) => {
    const server = await startServerProcess();
    try {
      const shares = await learnOverHttp(server, DEFAULT_CCB_POLICY_ARGUMENTS.replace('-l 0.001', '-l 0.01'));
      t.diagnostic(`rewarded share per block of 200 events: ${shares.join(', ')}`);
      const last = (shares[7]! + shares[8]! + shares[9]!) / 3;
      assert.ok(shares[0]! < 0.3, `the fresh model: ${shares.join(', ')}`);
      assert.ok(last >= 0.6, `last 600 events: ${shares.join(', ')}`);
    } finally {
      await server.stop();
    }
  });

  test("Azure's default multi-slot policy: it learns too, more slowly", { timeout: 900_000 }, async (t) => {
    const server = await startServerProcess();
    try {
      const shares = await learnOverHttp(server, DEFAULT_CCB_POLICY_ARGUMENTS);
      t.diagnostic(`rewarded share per block of 200 events: ${shares.join(', ')}`);
      const last = (shares[7]! + shares[8]! + shares[9]!) / 3;
      assert.ok(shares[0]! < 0.3, `the fresh model: ${shares.join(', ')}`);
      assert.ok(last >= 0.35, `last 600 events: ${shares.join(', ')} (random ≈ 0.18)`);
    } finally {
      await server.stop();
    }
  });
});

test('kill -9 after the 2xx: every acknowledged multi-slot event and slot reward is in the store', { timeout: 600_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-multislot-'));
  const store = `sqlite:${path.join(dir, 'loop.db')}`;
  const server = await startServerProcess({ args: [`Store=${store}`] });
  try {
    await toMultiSlot(server);
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const r = await call(server, 'POST', `${P3}/multislot/rank`, { body: { ...body(`k-${i}`), deferActivation: i % 4 === 0 } });
        assert.equal(r.status, 201, r.text);
        const w = await call(server, 'POST', `${P3}/multislot/events/k-${i}/reward`, { body: { reward: [{ slotId: 'side', value: i / 40 }] } });
        assert.equal(w.status, 204, w.text);
        if (i % 4 === 0) assert.equal((await call(server, 'POST', `${P3}/multislot/events/k-${i}/activate`)).status, 204);
        ids.push(`k-${i}`);
      }),
    );
    server.child.kill('SIGKILL');
    await server.exited;
    const s = await openStore(store);
    try {
      for (const id of ids) {
        const e = await s.getEvent(id);
        assert.ok(e?.slots, `${id} is stored with its slots`);
        assert.deepEqual(e.slots.map((x) => x.id), ['top', 'side']);
        const i = Number(id.slice(2));
        assert.deepEqual((await s.getRewards(id)).map((r) => [r.slotId, r.value]), [['side', i / 40]]);
        if (i % 4 === 0) assert.notEqual(e.activatedAt, null);
      }
    } finally {
      await s.close();
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('reward window and deferred activation per slot, over HTTP: what the store joined once the window closed', { timeout: 600_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-multislot-window-'));
  const store = `sqlite:${path.join(dir, 'loop.db')}`;
  const server = await startServerProcess({ args: [`Store=${store}`] });
  try {
    await toMultiSlot(server);
    const config = (await call(server, 'GET', `${P3}/configurations/service`)).json;
    const put = await call(server, 'PUT', `${P3}/configurations/service`, {
      body: { ...config, rewardWaitTime: 'PT2S', defaultReward: -0.5, rewardAggregation: 'sum', logRetentionDays: -1 },
    });
    assert.equal(put.status, 200, put.text);
    const rank = async (eventId: string, deferActivation: boolean) => {
      const r = await call(server, 'POST', `${P3}/multislot/rank`, { body: { ...body(eventId), deferActivation } });
      assert.equal(r.status, 201, r.text);
    };
    const reward = async (eventId: string, reward: { slotId: string; value: number }[]) => {
      const r = await call(server, 'POST', `${P3}/multislot/events/${eventId}/reward`, { body: { reward } });
      assert.equal(r.status, 204, r.text);
    };
    await rank('both', false);
    await rank('one', false);
    await rank('activated', true);
    await rank('never', true);
    await reward('both', [{ slotId: 'top', value: 0.25 }, { slotId: 'side', value: 1 }]);
    await reward('both', [{ slotId: 'top', value: 0.5 }]); // sum: 0.75 for top
    await reward('one', [{ slotId: 'side', value: 1 }]);
    assert.equal((await call(server, 'POST', `${P3}/multislot/events/activated/activate`)).status, 204);
    await reward('activated', [{ slotId: 'top', value: 1 }]);
    await reward('never', [{ slotId: 'top', value: 1 }, { slotId: 'side', value: 1 }]);
    // The window closes after 2 s; the leader's sweep (every 500 ms) joins what is due: three joined, the one never
    // activated skipped. Then a reward too late.
    await waitFor('the four events joined or skipped', async () => (await metric(server, 'personalizer_events_joined_total')) === 3 && (await metric(server, 'personalizer_events_skipped_total')) === 1, { pollMs: 100 });
    await reward('one', [{ slotId: 'top', value: 1 }]);
    assert.equal(await server.stop(), 0);
    const s = await openStore(store);
    try {
      const joined = async (id: string) => (await s.getEvent(id))!.join;
      assert.deepEqual((await joined('both'))?.slotRewards, [0.75, 1]);
      assert.deepEqual((await joined('one'))?.slotRewards, [-0.5, 1], 'top: defaultReward; the late reward is kept, not learned');
      assert.equal((await s.getRewards('one')).length, 2);
      assert.deepEqual((await joined('activated'))?.slotRewards, [1, -0.5]);
      assert.equal((await joined('never'))?.skipLearn, true);
    } finally {
      await s.close();
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
