// Policy presets and DefaultPolicy through real server processes (docs/policy-presets.md): a new loop runs the
// configured default (recommended unless told), recorded in the store at creation, so that a restart with another
// DefaultPolicy keeps it; DELETE /configurations/policy restores the configured default; a preset name in PUT is
// stored as its full arguments; an older store with events but no stored policy keeps Azure's default; a bad
// DefaultPolicy stops the start; GET /configurations/policy/presets is keyed. Several processes starting
// together on one empty PostgreSQL database agree on one policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DEFAULT_POLICY_ARGUMENTS, parsePolicyArguments, POLICY_PRESETS } from '../engine/index.js';
import { tempDir } from '../conformance/harness.js';
import { freshPostgres } from '../testing/postgres.js';
import { call, cliEntry, startServerProcess, type ServerProcess } from './test_server.js';

const V1 = '/personalizer/v1.0';

function preset(name: string): { name: string; arguments: string } {
  const p = POLICY_PRESETS.find((x) => x.name === name);
  assert.ok(p, name);
  return { name: p.name, arguments: p.arguments };
}

/** The epsilon a policy's arguments give (the explorationPercentage the loop shows with it). */
function epsilonOf(args: string): number {
  const x = parsePolicyArguments(args).exploration;
  assert.ok(x.kind !== 'none');
  return x.epsilon;
}

async function policyOf(server: Pick<ServerProcess, 'url' | 'key'>): Promise<unknown> {
  const r = await call(server, 'GET', `${V1}/configurations/policy`);
  assert.equal(r.status, 200, r.text);
  return r.json;
}

async function explorationOf(server: Pick<ServerProcess, 'url' | 'key'>): Promise<number> {
  return (await call(server, 'GET', `${V1}/configurations/service`)).json.explorationPercentage;
}

async function rankOnce(server: ServerProcess, eventId: string): Promise<void> {
  const r = await call(server, 'POST', `${V1}/rank`, {
    body: { eventId, contextFeatures: [{ user: { tier: 'gold' } }], actions: ['a', 'b', 'c'].map((id) => ({ id, features: [{ kind: id }] })) },
  });
  assert.equal(r.status, 201, r.text);
  const sum = (r.json.ranking as { probability: number }[]).reduce((s, a) => s + a.probability, 0);
  assert.ok(Math.abs(sum - 1) < 1e-6, r.text);
}

test('a new loop runs the recommended preset; PUT takes a preset name and stores its arguments; DELETE restores recommended', async () => {
  const server = await startServerProcess();
  try {
    const recommended = preset('recommended');
    assert.deepEqual(await policyOf(server), recommended);
    // The policy's epsilon and the service's explorationPercentage are one setting (loop/policy.ts).
    assert.equal(await explorationOf(server), epsilonOf(recommended.arguments));
    await rankOnce(server, 'r1');

    const put = await call(server, 'PUT', `${V1}/configurations/policy`, { body: { name: 'mine', arguments: 'softmax' } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json, { name: 'mine', arguments: preset('softmax').arguments });
    assert.deepEqual(await policyOf(server), put.json);
    assert.equal(await explorationOf(server), 0);
    await rankOnce(server, 'r2');

    const typo = await call(server, 'PUT', `${V1}/configurations/policy`, { body: { name: 'mine', arguments: 'softmx' } });
    assert.equal(typo.status, 400);
    assert.equal(typo.json.error.code, 'InvalidPolicyConfiguration');
    assert.match(typo.json.error.message, /'softmx' is neither VW arguments nor a policy preset \(azure-default, recommended/);
    assert.deepEqual(await policyOf(server), put.json, 'a refused PUT changes nothing');

    const reset = await call(server, 'DELETE', `${V1}/configurations/policy`);
    assert.equal(reset.status, 200, reset.text);
    assert.deepEqual(reset.json, recommended);
    assert.deepEqual(await policyOf(server), recommended);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test('GET /configurations/policy/presets: keyed, under every base path, every preset with its full arguments', async () => {
  const server = await startServerProcess();
  try {
    const expected = { presets: POLICY_PRESETS.map((p) => ({ name: p.name, arguments: p.arguments, description: p.description })) };
    for (const path of [
      `${V1}/configurations/policy/presets`,
      '/personalizer/v1.1-preview.3/configurations/policy/presets',
      '/personalizer/configurations/policy/presets?api-version=2022-09-01-preview',
    ]) {
      const none = await call(server, 'GET', path, { key: null });
      assert.equal(none.status, 401, path);
      assert.deepEqual(Object.keys(none.json), ['error']);
      const wrong = await call(server, 'GET', path, { key: `${server.key}x` });
      assert.equal(wrong.status, 401, path);
      const ok = await call(server, 'GET', path);
      assert.equal(ok.status, 200, `${path}: ${ok.text}`);
      assert.deepEqual(ok.json, expected, path);
    }
    // No preset name is ever shown in place of arguments: each parses as VW arguments.
    for (const p of expected.presets) assert.ok(parsePolicyArguments(p.arguments));
  } finally {
    await server.stop();
  }
});

test("DefaultPolicy=azure-default: a new loop runs Azure's policy at 20% exploration, and DELETE restores it", async () => {
  const server = await startServerProcess({ args: ['DefaultPolicy=azure-default'] });
  try {
    assert.deepEqual(await policyOf(server), { name: 'azure-default', arguments: DEFAULT_POLICY_ARGUMENTS });
    assert.equal(await explorationOf(server), 0.2);
    assert.equal((await call(server, 'PUT', `${V1}/configurations/policy`, { body: { name: 'b', arguments: 'bag' } })).status, 200);
    assert.deepEqual((await call(server, 'DELETE', `${V1}/configurations/policy`)).json, { name: 'azure-default', arguments: DEFAULT_POLICY_ARGUMENTS });
    assert.equal(await explorationOf(server), 0.2);
  } finally {
    await server.stop();
  }
});

test('the policy a loop was created with outlives a restart with another DefaultPolicy; DELETE then restores the new setting', async () => {
  const t = tempDir('personalizer-presets-');
  const store = `Store=sqlite:${join(t.dir, 'p.db')}`;
  try {
    const first = await startServerProcess({ args: [store, 'DefaultPolicy=softmax'] });
    assert.deepEqual(await policyOf(first), preset('softmax'));
    await rankOnce(first, 'e1');
    assert.equal(await first.stop(), 0);

    const second = await startServerProcess({ args: [store], env: { DefaultPolicy: 'azure-default' } });
    try {
      assert.deepEqual(await policyOf(second), preset('softmax'), 'recorded at creation, kept whatever DefaultPolicy says now');
      assert.equal(await explorationOf(second), 0);
      assert.deepEqual((await call(second, 'DELETE', `${V1}/configurations/policy`)).json, { name: 'azure-default', arguments: DEFAULT_POLICY_ARGUMENTS });
      assert.equal(await explorationOf(second), 0.2);
    } finally {
      await second.stop();
    }
  } finally {
    t.cleanup();
  }
});

test("a store with events but no stored policy (an older version's) keeps Azure's default, whatever DefaultPolicy says", async () => {
  const t = tempDir('personalizer-presets-');
  const file = join(t.dir, 'p.db');
  try {
    const first = await startServerProcess({ args: [`Store=sqlite:${file}`, 'DefaultPolicy=azure-default'] });
    for (let i = 0; i < 3; i++) await rankOnce(first, `old-${i}`);
    assert.equal(await first.stop(), 0);
    // What an older version left: its events and model, and no learning settings.
    const db = new Database(file);
    assert.equal(db.prepare(`DELETE FROM settings WHERE key IN ('policy', 'service')`).run().changes, 2);
    db.close();

    const second = await startServerProcess({ args: [`Store=sqlite:${file}`, 'DefaultPolicy=squarecb'] });
    try {
      assert.deepEqual(await policyOf(second), { name: 'azure-default', arguments: DEFAULT_POLICY_ARGUMENTS });
      assert.equal(await explorationOf(second), 0.2);
      assert.match(second.stdout(), /holds events or a model but no learning policy/);
      // DELETE is what it always is: the configured default.
      assert.deepEqual((await call(second, 'DELETE', `${V1}/configurations/policy`)).json, preset('squarecb'));
    } finally {
      await second.stop();
    }
  } finally {
    t.cleanup();
  }
});

test('a DefaultPolicy that PUT /configurations/policy would refuse stops the start: exit 1, one line naming it', async () => {
  for (const [value, reason] of [
    ['recomended', /'recomended' is neither VW arguments nor a policy preset/],
    ['--cb_explore_adf --epsilon 2', /--epsilon/],
  ] as const) {
    const child = spawn(process.execPath, [cliEntry(), 'serve', 'Eula=accept', 'ApiKey=k', 'Host=127.0.0.1', 'Port=0', 'Store=sqlite::memory:', `DefaultPolicy=${value}`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 1, stderr);
    const lines = stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, /^personalizer: refusing to start: DefaultPolicy must be a policy preset name or VW arguments/);
    assert.match(lines[0]!, reason);
  }
});

test('Workers=2: every worker serves the configured default of the store they created together', async () => {
  const server = await startServerProcess({ args: ['Workers=2', 'DefaultPolicy=regcb'] });
  try {
    for (let i = 0; i < 6; i++) assert.deepEqual(await policyOf(server), preset('regcb'));
  } finally {
    await server.stop();
  }
});

test('PostgreSQL: three processes starting together on one empty database, each with its own DefaultPolicy, agree on one', async (t) => {
  const url = await freshPostgres(t);
  if (!url) return;
  const names = ['squarecb', 'softmax', 'azure-default'];
  const servers = await Promise.all(names.map((name) => startServerProcess({ args: [`Store=${url}`, `DefaultPolicy=${name}`], timeoutMs: 60_000 })));
  try {
    const policies = await Promise.all(servers.map((s) => policyOf(s)));
    const explorations = await Promise.all(servers.map((s) => explorationOf(s)));
    assert.ok(names.map(preset).some((p) => JSON.stringify(p) === JSON.stringify(policies[0])), JSON.stringify(policies[0]));
    for (const p of policies) assert.deepEqual(p, policies[0]);
    for (const x of explorations) assert.equal(x, epsilonOf((policies[0] as { arguments: string }).arguments));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
});
