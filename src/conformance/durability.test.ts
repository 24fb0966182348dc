// "A response of 2xx means the write is committed": a concurrent burst of acknowledged ranks and rewards,
// kill -9 right after the last acknowledgement, restart on the same store (SQLite file or PostgreSQL database,
// TEST_STORE), and check through the API that every acknowledged event and reward survived and that the model
// resumes from its last export.

import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Api, parseModelHeader, pool, serverAvailable, serverEntry, show, sleep, startServer, tempStore, type RunningServer, type TestStore } from './harness.js';
import { needs } from '../testing/fixtures.js';
import { waitFor } from '../testing/wait.js';

const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing)`);

const N = 200;
const WARMUP = 30;
const SLACK_MS = 1500;

const actions = ['news', 'sports', 'music', 'films'].map((id, i) => ({ id, features: [{ topic: { name: id, n: i } }] }));
const ctx = (i: number): object[] => [{ user: { type: `u${i % 3}` } }, { device: i % 2 ? 'mobile' : 'desktop' }];

describe('durability across kill -9', { skip }, () => {
  let store: TestStore | undefined;
  let server: (RunningServer & { cleanup(): void }) | undefined;

  const start = async (): Promise<Api> => {
    store ??= await tempStore('personalizer-durability-');
    server = await startServer({ store: store.url });
    return new Api(server.base, server.key);
  };
  const modelOf = async (api: Api): Promise<{ bytes: Uint8Array; learned: bigint }> => {
    const m = await api.get('/model');
    assert.equal(m.status, 200, show(m));
    return { bytes: m.bytes, learned: parseModelHeader(m.bytes).eventSum ?? -1n };
  };
  /** Poll until the exported model has learned `n` events; returns it. */
  const waitLearned = (api: Api, n: number): Promise<{ bytes: Uint8Array; learned: bigint }> =>
    waitFor(`an exported model that learned ${n} events`, async () => {
      const m = await modelOf(api);
      return m.learned >= BigInt(n) && m;
    }, { pollMs: 100 });

  after(async () => {
    await server?.stop();
    await store?.cleanup();
  });

  test(`${N} concurrent acknowledged ranks + rewards survive kill -9; the model resumes from its last export`, { timeout: 600_000 }, async () => {
    // 1. First life: export every second, learn a warm-up, capture the exported model, then slow exports down
    //    so that nothing is exported between the capture and the kill.
    let api = await start();
    const cfg0 = (await api.get('/configurations/service')).json;
    const fast = { ...cfg0, modelExportFrequency: 'PT1S', rewardAggregation: 'earliest' };
    assert.equal((await api.put('/configurations/service', fast)).status, 200);
    for (let i = 0; i < WARMUP; i++) {
      const r = await api.rank({ contextFeatures: ctx(i), actions, eventId: `warm-${i}` });
      assert.equal(r.status, 201, show(r));
      assert.equal((await api.reward(`warm-${i}`, 1)).status, 204);
    }
    const warm = await waitLearned(api, WARMUP);
    assert.equal(warm.learned, BigInt(WARMUP), 'the exported model learned the warm-up events exactly once');
    const slow = { ...fast, modelExportFrequency: 'PT1H' };
    const putSlow = await api.put('/configurations/service', slow);
    assert.equal(putSlow.status, 200, show(putSlow));
    await sleep(1200); // let any export already in flight land before the capture
    const exported = await modelOf(api);
    const exportedProps = (await api.get('/model/properties')).json;

    // 2. The burst: N ranks, each followed by its reward, 16 in flight; kill -9 right after the last 2xx.
    const ids = Array.from({ length: N }, (_, i) => `burst-${i}-${'x'.repeat(i % 7)}`);
    const tFirst = Date.now();
    const acked = await pool(ids, 16, async (eventId, i) => {
      const r = await api.rank({ contextFeatures: ctx(i), actions, eventId, deferActivation: i % 5 === 0 });
      assert.equal(r.status, 201, show(r));
      if (i % 5 === 0) assert.equal((await api.activate(eventId)).status, 204);
      const w = await api.reward(eventId, i % 2 ? 1 : 0.25);
      assert.equal(w.status, 204, show(w));
      return r.json.rewardActionId as string;
    });
    const tLast = Date.now();
    await server!.kill9();
    assert.equal(acked.length, N);

    // 3. Second life on the same store file.
    api = await start();
    assert.deepEqual((await api.get('/configurations/service')).json, putSlow.json, 'service configuration survived');

    // The model resumes from the last export: same bytes, same properties.
    const resumed = await modelOf(api);
    assert.equal(resumed.learned, exported.learned, 'learned-event count of the resumed model');
    assert.deepEqual(Buffer.from(resumed.bytes), Buffer.from(exported.bytes), 'GET /model bytes equal the last export');
    const props = (await api.get('/model/properties')).json;
    assert.equal(props.creationTime, exportedProps.creationTime);
    assert.equal(props.lastModifiedTime, exportedProps.lastModifiedTime);

    // Every acknowledged event is stored: ranking it again is rejected as a duplicate.
    const dup = await pool(ids, 8, async (eventId) => (await api.rank({ contextFeatures: ctx(0), actions, eventId })).status);
    assert.deepEqual(
      dup.filter((s) => s !== 400),
      [],
      `re-ranking acknowledged eventIds after the crash must answer 400 (duplicate), got ${JSON.stringify(dup.filter((s) => s !== 400).slice(0, 5))}`,
    );
    const dupBody = await api.rank({ contextFeatures: ctx(0), actions, eventId: ids[0] });
    assert.equal(dupBody.json?.error?.code, 'InvalidRankRequest', show(dupBody));

    // A second reward on a known event still works.
    for (const id of [ids[0]!, ids[N - 1]!]) assert.equal((await api.reward(id, 1)).status, 204);

    // The logs' date range covers the burst.
    const logs = (await api.get('/logs/properties')).json;
    assert.ok(logs.dateRange, `logs properties: ${JSON.stringify(logs)}`);
    assert.ok(Date.parse(logs.dateRange.from) <= tFirst + SLACK_MS, `from ${logs.dateRange.from} vs first rank ${new Date(tFirst).toISOString()}`);
    assert.ok(Date.parse(logs.dateRange.to) >= tLast - SLACK_MS, `to ${logs.dateRange.to} vs last ack ${new Date(tLast).toISOString()}`);

    // Every acknowledged reward is stored: once exports resume, the model learns each burst event exactly once
    // (the rewards arrived before the crash; nothing was re-sent except the two second rewards, which
    // `earliest` ignores).
    assert.equal((await api.put('/configurations/service', fast)).status, 200);
    const final = await waitLearned(api, WARMUP + N);
    assert.equal(final.learned, BigInt(WARMUP + N), `learned events after restart: ${final.learned}, expected ${WARMUP + N}`);
    await sleep(2200);
    assert.equal((await modelOf(api)).learned, BigInt(WARMUP + N), 'no event is learned twice');

    // 4. Third life: a clean SIGTERM after the exports, and the model is still the same.
    const beforeStop = await modelOf(api);
    await server!.stop();
    assert.equal(await server!.exited, 0, 'SIGTERM exits with status 0');
    api = await start();
    const third = await modelOf(api);
    assert.equal(third.learned, BigInt(WARMUP + N));
    assert.deepEqual(Buffer.from(third.bytes), Buffer.from(beforeStop.bytes));
  });
});
