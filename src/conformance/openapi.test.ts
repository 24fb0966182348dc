// Every v1.0 route's real responses, validated against the schemas and status codes of Azure's own v1.0
// OpenAPI document, and the document's own example requests replayed against a real server process.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Api, parseModelHeader, serverAvailable, serverEntry, sharedDir, show, sleep, startServer, type HttpResult, type RunningServer } from './harness.js';
import { loadSpec, type LoadedSpec } from './openapi.js';
import { NO_SHARED, needs } from '../testing/fixtures.js';
import { waitFor } from '../testing/wait.js';

const shared = sharedDir();
const specDir = shared && join(shared, 'reference', 'azure-personalizer-openapi', 'v1.0');
const skip = needs(shared, NO_SHARED) || needs(serverAvailable(), `server not built (${serverEntry()} missing)`);

const DEFAULT_POLICY = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::';

const context = [{ user: { tier: 'gold', visits: 3 } }, { device: { os: 'android' } }, { timeOfDay: 'evening' }];
function actions(n: number): { id: string; features: object[] }[] {
  return Array.from({ length: n }, (_, i) => ({ id: `act-${i}`, features: [{ item: { kind: `k${i % 2}`, price: i } }] }));
}

/** Seconds-resolution timestamps can round down: compare with this slack. */
const SLACK_MS = 1500;

describe('v1.0 OpenAPI conformance against a real server', { skip }, () => {
  let spec: LoadedSpec;
  let server: RunningServer & { cleanup(): void };
  let api: Api;

  const conforms = (operationId: string, r: HttpResult, status: number): void => {
    assert.equal(r.status, status, `${operationId}: ${show(r)}`);
    assert.deepEqual(spec.check(operationId, r), []);
  };

  before(async () => {
    spec = loadSpec(specDir!);
    server = await startServer();
    api = new Api(server.base, server.key);
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  describe('real responses of every route', () => {
    test('Rank: 201 RankResponse, JSON content type', async () => {
      const r = await api.rank({ contextFeatures: context, actions: actions(5), excludedActions: ['act-1'], eventId: 'oa-rank-1' });
      conforms('Rank', r, 201);
      assert.equal(r.json.eventId, 'oa-rank-1');
      assert.equal(r.json.ranking.length, 5);
      assert.match(r.headers.get('content-type')!, /^application\/json; charset=utf-8$/i);
    });

    test('Rank error: 400 ErrorResponse', async () => {
      const r = await api.rank({ contextFeatures: context, actions: actions(51) });
      conforms('Rank', r, 400);
      assert.equal(r.json.error.code, 'InvalidRankRequest');
    });

    test('Events_Reward: 204 empty, and 400 ErrorResponse for a value out of range', async () => {
      conforms('Events_Reward', await api.reward('oa-rank-1', 1), 204);
      const bad = await api.reward('oa-rank-1', 5);
      conforms('Events_Reward', bad, 400);
      assert.equal(bad.json.error.code, 'InvalidRewardRequest');
    });

    test('Events_Activate: 204 empty', async () => {
      await api.rank({ contextFeatures: context, actions: actions(3), eventId: 'oa-defer-1', deferActivation: true });
      conforms('Events_Activate', await api.activate('oa-defer-1'), 204);
    });

    test('ServiceConfiguration_Get / _Update: 200 ServiceConfiguration, the update is read back', async () => {
      const get = await api.get('/configurations/service');
      conforms('ServiceConfiguration_Get', get, 200);
      const wanted = { ...get.json, explorationPercentage: 0.3, modelExportFrequency: 'PT1M', rewardAggregation: 'average', defaultReward: -0.5 };
      const put = await api.put('/configurations/service', wanted);
      conforms('ServiceConfiguration_Update', put, 200);
      const back = await api.get('/configurations/service');
      conforms('ServiceConfiguration_Get', back, 200);
      for (const k of ['explorationPercentage', 'modelExportFrequency', 'rewardAggregation', 'defaultReward', 'rewardWaitTime', 'logRetentionDays']) {
        assert.deepEqual(back.json[k], wanted[k], k);
        assert.deepEqual(put.json[k], wanted[k], k);
      }
    });

    test('ServiceConfiguration_Update errors: 400 InvalidServiceConfiguration', async () => {
      const base = (await api.get('/configurations/service')).json;
      // v1.0 knows only InvalidServiceConfiguration; later versions name two of these cases more precisely.
      const cases: [string, object, string[]][] = [
        ['explorationPercentage 1.5', { ...base, explorationPercentage: 1.5 }, []],
        ['defaultReward -2', { ...base, defaultReward: -2 }, []],
        ['rewardWaitTime not a duration', { ...base, rewardWaitTime: 'ten minutes' }, ['InvalidRewardWaitTime']],
        ['modelExportFrequency missing', { ...base, modelExportFrequency: undefined }, []],
        ['logRetentionDays -2', { ...base, logRetentionDays: -2 }, ['InvalidLogRetentionDays']],
      ];
      for (const [name, body, alsoOk] of cases) {
        const r = await api.put('/configurations/service', body);
        assert.equal(r.status, 400, `${name}: ${show(r)}`);
        assert.deepEqual(spec.check('ServiceConfiguration_Update', r), [], name);
        assert.ok(['InvalidServiceConfiguration', ...alsoOk].includes(r.json.error.code), `${name}: ${show(r)}`);
      }
      const after = (await api.get('/configurations/service')).json;
      assert.deepEqual(after, base, 'a rejected update changes nothing');
    });

    test('Policy_Get / _Update / _Reset: 200 PolicyContract; reset restores the Azure default', async () => {
      conforms('Policy_Get', await api.get('/configurations/policy'), 200);
      const put = await api.put('/configurations/policy', { name: 'custom', arguments: '--cb_explore_adf --epsilon 0.1 --power_t 0 -l 0.01 --cb_type ips -q ::' });
      conforms('Policy_Update', put, 200);
      assert.match(put.json.arguments, /--epsilon 0\.1\b/);
      assert.match(put.json.arguments, /--cb_type ips/);
      const get = await api.get('/configurations/policy');
      conforms('Policy_Get', get, 200);
      assert.deepEqual(get.json, put.json);
      const reset = await api.delete('/configurations/policy');
      conforms('Policy_Reset', reset, 200);
      assert.equal(reset.json.arguments, DEFAULT_POLICY);
      assert.equal((await api.get('/configurations/policy')).json.arguments, DEFAULT_POLICY);
    });

    test('Policy_Update error: 400 ErrorResponse for arguments that are not a policy', async () => {
      for (const args of ['--this_is_not_an_option 3', '--cb_explore_adf --epsilon banana', 'x'.repeat(1025)]) {
        const r = await api.put('/configurations/policy', { name: 'bad', arguments: args });
        assert.equal(r.status, 400, `${args.slice(0, 40)}: ${show(r)}`);
        assert.deepEqual(spec.check('Policy_Update', r), []);
        assert.ok(['InvalidPolicyConfiguration', 'InvalidPolicyContract'].includes(r.json.error.code), show(r));
      }
      assert.equal((await api.get('/configurations/policy')).json.arguments, DEFAULT_POLICY);
    });

    test('Log_GetProperties: 200 with a dateRange covering the events; Log_Delete: 204', async () => {
      const t0 = Date.now();
      await api.rank({ contextFeatures: context, actions: actions(2), eventId: 'oa-log-1' });
      const t1 = Date.now();
      const props = await api.get('/logs/properties');
      conforms('Log_GetProperties', props, 200);
      assert.ok(props.json.dateRange, show(props));
      const from = Date.parse(props.json.dateRange.from);
      const to = Date.parse(props.json.dateRange.to);
      assert.ok(from <= to, `from ${props.json.dateRange.from} > to ${props.json.dateRange.to}`);
      assert.ok(from <= t0 + SLACK_MS, `from ${props.json.dateRange.from} after the first event`);
      assert.ok(to >= t1 - SLACK_MS, `to ${props.json.dateRange.to} before the last event (${new Date(t1).toISOString()})`);
      conforms('Log_Delete', await api.delete('/logs'), 204);
      const empty = await api.get('/logs/properties');
      conforms('Log_GetProperties', empty, 200);
      assert.equal(empty.json.dateRange, undefined, `after DELETE /logs: ${show(empty)}`);
    });

    test('Model_Get: 200 application/octet-stream attachment holding a VW model of the default policy', async () => {
      // The policy tests above reset the policy: its fresh model is retrained in the background and served once
      // it has caught up with the log (until then the previous policy's model is), so wait for it.
      const r = await waitFor('the default policy\'s model', async () => {
        const m = await api.get('/model');
        return /--cb_type mtr/.test(parseModelHeader(m.bytes).options) && m;
      }, { pollMs: 100 });
      conforms('Model_Get', r, 200);
      assert.match(r.headers.get('content-type')!, /^application\/octet-stream/);
      assert.match(r.headers.get('content-disposition') ?? '', /^attachment;\s*filename="?model\.vw"?$/);
      assert.ok(r.bytes.length > 30, `model is ${r.bytes.length} bytes`);
      const h = parseModelHeader(r.bytes);
      assert.match(h.version, /^9\.\d+\.\d+$/);
      assert.match(h.options, /--cb_explore_adf/);
      assert.match(h.options, /--cb_type mtr/);
      assert.match(h.options, /--epsilon 0\.2/);
    });

    test('Model_GetProperties: 200; Model_Reset: 204 and the creation time moves forward', async () => {
      const before = await api.get('/model/properties');
      conforms('Model_GetProperties', before, 200);
      assert.ok(before.json.creationTime && before.json.lastModifiedTime, show(before));
      await sleep(1100);
      const t = Date.now();
      conforms('Model_Reset', await api.delete('/model'), 204);
      const afterReset = await api.get('/model/properties');
      conforms('Model_GetProperties', afterReset, 200);
      const created = Date.parse(afterReset.json.creationTime);
      assert.ok(created >= t - SLACK_MS, `creationTime ${afterReset.json.creationTime} not after the reset at ${new Date(t).toISOString()}`);
      assert.ok(created > Date.parse(before.json.creationTime), 'creationTime did not change on reset');
      const model = await api.get('/model');
      conforms('Model_Get', model, 200);
      assert.equal(parseModelHeader(model.bytes).eventSum, 0n, 'a reset model has learned nothing');
    });

    test('401 on every route without the key, in ErrorResponse shape', async () => {
      const routes: [string, string, string][] = [
        ['POST', '/rank', 'Rank'],
        ['POST', '/events/x/reward', 'Events_Reward'],
        ['POST', '/events/x/activate', 'Events_Activate'],
        ['PUT', '/configurations/service', 'ServiceConfiguration_Update'],
        ['PUT', '/configurations/policy', 'Policy_Update'],
        ['GET', '/logs/properties', 'Log_GetProperties'],
        ['DELETE', '/model', 'Model_Reset'],
        ['GET', '/configurations/service', ''],
        ['GET', '/model', ''],
        ['DELETE', '/logs', ''],
      ];
      for (const [method, path, op] of routes) {
        for (const key of [null, 'wrong-key']) {
          const r = await api.call(method, path, { key, body: method === 'GET' || method === 'DELETE' ? undefined : {} });
          assert.equal(r.status, 401, `${method} ${path} key=${key}: ${show(r)}`);
          assert.equal(typeof r.json?.error?.code, 'string', `${method} ${path}: ${show(r)}`);
          assert.equal(typeof r.json?.error?.message, 'string');
          if (op) assert.deepEqual(spec.check(op, r), []);
        }
      }
    });
  });

  describe("the spec's own examples", () => {
    /** Send an example's request; returns the response and the example's expected status. */
    const send = async (operationId: string): Promise<{ r: HttpResult; ex: any; status: string }> => {
      const op = spec.operations.get(operationId)!;
      const ex = spec.example(operationId);
      assert.ok(ex, `no example for ${operationId}`);
      let path = op.path;
      for (const p of op.pathParams) path = path.replace(`{${p}}`, encodeURIComponent(String(ex.parameters[p])));
      const body = op.bodyParam ? ex.parameters[op.bodyParam] : undefined;
      const r = await api.call(op.method, path, { body, contentType: body === undefined ? null : undefined });
      const status = Object.keys(ex.responses)[0]!;
      assert.equal(String(r.status), status, `${operationId} example: ${show(r)}`);
      assert.deepEqual(spec.check(operationId, r), []);
      return { r, ex, status };
    };

    /** Keys the example's response shows must be present in ours too. */
    const hasExampleKeys = (ours: any, theirs: any, what: string): void => {
      for (const k of Object.keys(theirs)) assert.ok(k in ours, `${what}: key ${k} of the example response is missing in ${JSON.stringify(ours)}`);
    };

    test('Rank.json', async () => {
      const { r, ex, status } = await send('Rank');
      const want = ex.responses[status].body;
      hasExampleKeys(r.json, want, 'Rank');
      assert.equal(r.json.eventId, ex.parameters.rankRequest.eventId);
      // As in the example's response: the excluded SportsArticle keeps its request position (1) with 0, the
      // chosen action comes first, the other fills the last position.
      assert.deepEqual(r.json.ranking[1], { id: 'SportsArticle', probability: 0 });
      assert.equal(r.json.ranking[0].id, r.json.rewardActionId);
      assert.deepEqual(
        r.json.ranking.map((x: any) => x.id).sort(),
        ex.parameters.rankRequest.actions.map((a: any) => a.id).sort(),
      );
      assert.notEqual(r.json.rewardActionId, 'SportsArticle');
    });

    test('Events_Reward.json and Events_Activate.json (on an event ranked with eventId "id")', async () => {
      const rk = await api.rank({ contextFeatures: context, actions: actions(3), eventId: 'id', deferActivation: true });
      assert.equal(rk.status, 201, show(rk));
      await send('Events_Activate');
      await send('Events_Reward');
    });

    test('ServiceConfiguration_Get.json / ServiceConfiguration_Update.json', async () => {
      const g = await send('ServiceConfiguration_Get');
      // Log mirroring is optional (not required by the schema); the other keys of the example must be there.
      const { logMirrorEnabled: _e, logMirrorSasUri: _u, ...required } = g.ex.responses[g.status].body;
      hasExampleKeys(g.r.json, required, 'ServiceConfiguration_Get');
      // The example turns on log mirroring to a placeholder SAS URI ("sig=signature"). Azure itself answers
      // such a URI with InvalidContainer; a server that cannot mirror logs may refuse it the same way. Either
      // the example is taken as-is, or it is refused for log mirroring alone and taken without those fields.
      const op = spec.operations.get('ServiceConfiguration_Update')!;
      const ex = spec.example('ServiceConfiguration_Update');
      const want = ex.responses['200'].body;
      let r = await api.put(op.path, ex.parameters.config);
      assert.deepEqual(spec.check('ServiceConfiguration_Update', r), []);
      if (r.status !== 200) {
        assert.equal(r.status, 400, show(r));
        assert.ok(['InvalidContainer', 'InvalidServiceConfiguration'].includes(r.json.error.code), show(r));
        assert.match(r.json.error.message, /mirror|sas|container/i, show(r));
        const { logMirrorEnabled: _e, logMirrorSasUri: _u, ...rest } = ex.parameters.config;
        r = await api.put(op.path, rest);
        assert.equal(r.status, 200, show(r));
        assert.deepEqual(spec.check('ServiceConfiguration_Update', r), []);
      }
      for (const k of ['rewardWaitTime', 'defaultReward', 'rewardAggregation', 'explorationPercentage', 'modelExportFrequency', 'logRetentionDays']) {
        assert.deepEqual(r.json[k], want[k], `ServiceConfiguration_Update ${k}`);
      }
    });

    test('Policy_Get.json / Policy_Update.json / Policy_Reset.json', async () => {
      await send('Policy_Get');
      const u = await send('Policy_Update');
      hasExampleKeys(u.r.json, u.ex.responses[u.status].body, 'Policy_Update');
      assert.match(u.r.json.arguments, /--cb_type ips/);
      assert.match(u.r.json.arguments, /--epsilon 0\.2/);
      const rs = await send('Policy_Reset');
      assert.equal(rs.r.json.arguments, DEFAULT_POLICY);
    });

    test('Log_GetProperties.json / Log_Delete.json', async () => {
      await send('Log_GetProperties');
      await send('Log_Delete');
    });

    test('Model_Get.json / Model_GetProperties.json / Model_Reset.json', async () => {
      const g = await send('Model_Get');
      assert.match(g.r.headers.get('content-type')!, /^application\/octet-stream/);
      const p = await send('Model_GetProperties');
      hasExampleKeys(p.r.json, p.ex.responses[p.status].body, 'Model_GetProperties');
      await send('Model_Reset');
    });

    test('the server is still healthy after the examples', async () => {
      const r = await api.rank({ contextFeatures: context, actions: actions(4) });
      conforms('Rank', r, 201);
    });
  });
});
