// The fuzz set of numbers through the real HTTP API of a real server process: numeric extremes × every numeric
// policy option (enumerated from the parser's own table) and × every numeric or duration field of the service
// configuration. Every answer is 200, or a 400 in Azure's error shape naming the option or field, never a 5xx;
// after each accepted change the server still ranks and learns and publishes only finite models; and the process
// restarts on the same store and is ready. The issue's three values made the store unopenable after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startServerProcess, type ServerProcess } from '../api/test_server.js';
import { modelProblem } from '../engine/index.js';
import { NUMERIC_EXTREMES, NUMERIC_OPTIONS, policyWith } from '../engine/policy_args.fixtures.js';
import { MAX_SERVED_BITS } from './policy.js';

const V1 = '/personalizer/v1.0';
const ISSUE_EXAMPLES = [
  ['-l', '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 1e39 --cb_type mtr -q ::'],
  ['--power_t', '--cb_explore_adf --epsilon 0.2 --power_t 1e39 -l 0.001 --cb_type mtr -q ::'],
  ['--gamma_exponent', '--cb_explore_adf --squarecb --gamma_exponent 1e39 --power_t 0 -l 0.001 --cb_type mtr -q ::'],
] as const;

const SERVICE = {
  rewardWaitTime: 'PT1S',
  defaultReward: 0,
  rewardAggregation: 'earliest',
  explorationPercentage: 0.2,
  modelExportFrequency: 'PT1S',
  logRetentionDays: 90,
  learningMode: 'Online',
  isAutoOptimizationEnabled: false,
  logMirrorEnabled: false,
};
/** JSON literals spliced into the body as text: numbers JSON.parse turns into Infinity, -0, 0, huge integers… */
const JSON_EXTREMES = [
  '1e39', '-1e39', '3.5e38', '1e-46', '-0', '0', '1e309', '-1e309', '-1', '1', '0.5', '2', '99999999999999999999999',
  '2147483647', '2147483648', '-2147483649', '1e-310', '"NaN"', '"Infinity"', '"0x10"', '""', 'null', 'true', '[]', '{}',
];
const DURATION_EXTREMES = [
  'PT0S', 'PT0.0001S', 'PT1S', 'PT0.5S', 'P2D', 'P2DT1S', 'P1W', 'P99999999999999999999D', 'PT1e5S', 'P-1D', 'P', 'PT',
  'P1Y', 'pt1m', ' PT1M ', '',
];

const RANK = (i: number) => ({
  eventId: `fuzz-${i}`,
  contextFeatures: [{ user: { tier: i % 2 ? 'gold' : 'silver', age: (i % 7) * 3 } }],
  actions: [{ id: 'a', features: [{ c: 'x', p: 0.5 }] }, { id: 'b', features: [{ c: 'y', p: 2 }] }],
});

function assertRefusal(a: { status: number; json: any; text: string }, code: string, name: RegExp, what: string): void {
  assert.equal(a.status, 400, `${what}: ${a.status} ${a.text}`);
  assert.equal(a.json?.error?.code, code, `${what}: ${a.text}`);
  assert.match(a.json.error.message, name, `${what}: ${a.text}`);
}

async function modelBytes(server: ServerProcess): Promise<Uint8Array> {
  const r = await fetch(`${server.url}${V1}/model`, { headers: { 'Ocp-Apim-Subscription-Key': server.key } });
  assert.equal(r.status, 200);
  return new Uint8Array(await r.arrayBuffer());
}

let n = 0;
/** Ranks and rewards a few events; every probability finite, the published model finite. */
async function stillLearns(server: ServerProcess, what: string): Promise<void> {
  for (let k = 0; k < 3; k++) {
    const r = await call(server, 'POST', `${V1}/rank`, { body: RANK(n++) });
    assert.equal(r.status, 201, `${what}: ${r.text}`);
    for (const a of r.json.ranking) assert.ok(Number.isFinite(a.probability), `${what}: ${r.text}`);
    const w = await call(server, 'POST', `${V1}/events/${r.json.eventId}/reward`, { body: { value: k % 2 } });
    assert.equal(w.status, 204, `${what}: ${w.text}`);
  }
  assert.equal(modelProblem(await modelBytes(server)), null, what);
}

test('numeric extremes × every policy option and service field: 200 or a 400 naming it; learning goes on; restart is ready', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pzr-fuzz-'));
  const store = `Store=sqlite:${join(dir, 'p.db')}`;
  let server = await startServerProcess({ args: [store] });
  try {
    assert.equal((await call(server, 'PUT', `${V1}/configurations/service`, { body: SERVICE })).status, 200);

    for (const [argument, args] of ISSUE_EXAMPLES) {
      const a = await call(server, 'PUT', `${V1}/configurations/policy`, { body: { name: 'issue', arguments: args } });
      assertRefusal(a, 'InvalidPolicyConfiguration', new RegExp(`^${argument}: '1e39' is out of range`), args);
    }

    let accepted = 0;
    for (const o of NUMERIC_OPTIONS) {
      for (const v of NUMERIC_EXTREMES) {
        // Far more weight slots than a test machine should allocate; the parser's range for -b is tested alone.
        // -b 21..24 are accepted and only cost memory and time here; above, the served limit refuses them (policy.ts).
        if (o.name === 'bit_precision' && Number(v) > 20 && Number(v) <= MAX_SERVED_BITS) continue;
        const args = policyWith(o.name, v);
        const a = await call(server, 'PUT', `${V1}/configurations/policy`, { body: { name: 'fuzz', arguments: args } });
        assert.ok(a.status < 500, `${args}: ${a.status} ${a.text}`);
        if (a.status !== 200) {
          assertRefusal(a, 'InvalidPolicyConfiguration', new RegExp(`^--${o.name}: `), args);
          continue;
        }
        accepted++;
        await stillLearns(server, args);
      }
    }
    assert.ok(accepted > 30, `accepted ${accepted}`);

    const numericFields = ['defaultReward', 'explorationPercentage', 'logRetentionDays'];
    const durationFields = ['rewardWaitTime', 'modelExportFrequency', 'autoOptimizationFrequency'];
    const bodies: [string, string][] = [];
    for (const f of numericFields) for (const v of JSON_EXTREMES) bodies.push([f, JSON.stringify({ ...SERVICE, [f]: '§' }).replace('"§"', v)]);
    for (const f of durationFields) for (const v of DURATION_EXTREMES) bodies.push([f, JSON.stringify({ ...SERVICE, [f]: v })]);
    for (const [field, raw] of bodies) {
      const a = await call(server, 'PUT', `${V1}/configurations/service`, { raw, contentType: 'application/json' });
      assert.ok(a.status < 500, `${raw}: ${a.status} ${a.text}`);
      if (a.status !== 200) {
        assertRefusal(a, 'InvalidServiceConfiguration', new RegExp(field), raw);
        continue;
      }
      await stillLearns(server, raw);
    }

    // The last accepted settings stay in force; a model is exported (PT1S) and holds only finite weights.
    assert.equal((await call(server, 'PUT', `${V1}/configurations/service`, { body: SERVICE })).status, 200);
    await stillLearns(server, 'final');
    const before = (await call(server, 'GET', `${V1}/model/properties`)).json.lastModifiedTime;
    for (let t = 0; t < 100 && (await call(server, 'GET', `${V1}/model/properties`)).json.lastModifiedTime === before; t++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(modelProblem(await modelBytes(server)), null);
    const policy = (await call(server, 'GET', `${V1}/configurations/policy`)).json;
    assert.equal(await server.stop(), 0);

    server = await startServerProcess({ args: [store] });
    assert.deepEqual((await call(server, 'GET', `${V1}/configurations/policy`)).json, policy);
    assert.doesNotMatch(server.stdout(), /set aside/);
    await stillLearns(server, 'after restart');
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
