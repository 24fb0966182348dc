// ApiKey and ApiKey2 (auth.ts): both are accepted on every keyed route and by /status, through the official
// v1.0 SDK as well as plain HTTP; a wrong key is 401; neither key reaches stdout, stderr or the disk log; and a
// rotation (ApiKey=old → ApiKey=new ApiKey2=old → ApiKey=new) keeps the same store answering throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PersonalizerClient } from '@azure/cognitiveservices-personalizer';
import { CognitiveServicesCredentials } from '@azure/ms-rest-azure-js';
import { RestError } from '@azure/ms-rest-js';
import personalizerRest from '@azure-rest/ai-personalizer';
import { AzureKeyCredential } from '@azure/core-auth';
import { call, startServerProcess, type ServerProcess } from './test_server.js';

const V1 = '/personalizer/v1.0';
const KEY1 = 'first-key-6f1c0d2e9a7b4c35';
const KEY2 = 'second-key-83b5e4a1f0c9d276';
const WRONG = 'wrong-key-00112233445566';

const RANK = {
  contextFeatures: [{ user: { tier: 'gold' } }],
  actions: [
    { id: 'pasta', features: [{ cuisine: 'italian' }] },
    { id: 'salad', features: [{ cuisine: 'any' }] },
  ],
};

function sdk(server: ServerProcess, key: string): PersonalizerClient {
  return new PersonalizerClient(new CognitiveServicesCredentials(key), server.url);
}

// CommonJS: its default export is a property (see src/conformance/sdk.test.ts).
const { default: createRestClient } = personalizerRest;

/** The REST-level client, pointed at the v1.0 routes; it has the configuration operations the v1.0 SDK lacks. */
function rest(server: ServerProcess, key: string): ReturnType<typeof createRestClient> {
  return createRestClient(server.url, new AzureKeyCredential(key), { baseUrl: `${server.url}${V1}`, allowInsecureConnection: true });
}

async function statusOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    assert.ok(e instanceof RestError, String(e));
    return e.statusCode ?? 0;
  }
}

/** stdout, stderr and every disk log file, as one text. */
function everythingWritten(server: ServerProcess, output: string): string {
  const disk = readdirSync(output)
    .filter((f) => f.endsWith('.log'))
    .map((f) => readFileSync(join(output, f), 'utf8'));
  assert.ok(disk.length > 0, 'a disk log was written');
  return [server.stdout(), server.stderr(), ...disk].join('\n');
}

test('both keys work on Rank, Reward and the configuration, through the SDK and /status; a wrong key is 401; neither key is written', async () => {
  const output = mkdtempSync(join(tmpdir(), 'personalizer-keys-'));
  const server = await startServerProcess({
    key: KEY1,
    args: [`ApiKey2=${KEY2}`, `Mounts:Output=${output}`, 'Logging:Disk:Format=json', 'Logging:Console:LogLevel:Default=Trace'],
  });
  try {
    for (const [i, key] of [KEY1, KEY2].entries()) {
      const client = sdk(server, key);
      const ranked = await client.rank({ ...RANK, eventId: `rank-with-key-${i + 1}` });
      assert.equal(ranked.eventId, `rank-with-key-${i + 1}`);
      assert.equal(ranked.ranking?.length, 2);
      const probabilities = ranked.ranking!.map((r) => r.probability ?? NaN);
      assert.ok(Math.abs(probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-6, JSON.stringify(ranked.ranking));
      // The other key rewards the event this one ranked: the keys are two doors to the same loop.
      const other = key === KEY1 ? KEY2 : KEY1;
      const reward = await call({ url: server.url, key: other }, 'POST', `${V1}/events/rank-with-key-${i + 1}/reward`, { body: { value: 0.5 } });
      assert.equal(reward.status, 204, reward.text);
      const config = await rest(server, key).path('/configurations/service').get();
      assert.equal(config.status, '200');
      assert.equal((config.body as { rewardWaitTime?: string }).rewardWaitTime, 'PT10M');
      const policy = await call({ url: server.url, key }, 'GET', `${V1}/configurations/policy`);
      assert.equal(policy.status, 200, policy.text);
      assert.match(policy.json.arguments, /--cb_explore_adf/);
      const status = await call({ url: server.url, key }, 'GET', '/status');
      assert.equal(status.status, 200, status.text);
      assert.equal(status.json.apiStatusMessage, 'Api Key is valid, no action needed.');
    }

    const bad = sdk(server, WRONG);
    assert.equal(await statusOf(bad.rank({ ...RANK })), 401);
    assert.equal((await rest(server, WRONG).path('/configurations/service').get()).status, '401');
    // A key that only starts or ends like one of them, or both joined, is not either.
    for (const key of [WRONG, KEY1.slice(0, -1), `${KEY2}x`, `${KEY1}${KEY2}`, KEY1.toUpperCase(), '']) {
      const denied = await call({ url: server.url, key }, 'GET', `${V1}/configurations/service`);
      assert.equal(denied.status, 401, `${key}: ${denied.text}`);
      assert.equal(denied.json.error.code, '401');
      if (key !== '') assert.equal((await call({ url: server.url, key }, 'GET', '/status')).status, 401);
    }

    assert.equal(await server.stop(), 0);
    const written = everythingWritten(server, output);
    // The requests above were logged (one line each), and the start-up line says a second key is set.
    assert.ok((written.match(/"request completed"/g) ?? []).length >= 20, written.slice(-2000));
    const starting = server
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === 'starting');
    assert.equal(starting?.settings?.apiKey, '[redacted]');
    assert.equal(starting?.settings?.apiKey2, '[redacted]');
    for (const key of [KEY1, KEY2, WRONG]) assert.ok(!written.includes(key), `a key was written: ${key.slice(0, 5)}…`);
  } finally {
    await server.stop();
    rmSync(output, { recursive: true, force: true });
  }
});

test('rotation without downtime: ApiKey=old, then ApiKey=new ApiKey2=old (both work, same store), then ApiKey=new (old refused)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'personalizer-rotate-'));
  const store = `Store=sqlite:${join(dir, 'personalizer.db')}`;
  const OLD = 'rotation-old-key-5a6b7c8d';
  const NEW = 'rotation-new-key-1e2f3a4b';
  try {
    const before: ServerProcess = await startServerProcess({ key: OLD, args: [store] });
    try {
      assert.equal((await call(before, 'POST', `${V1}/rank`, { body: { ...RANK, eventId: 'before-rotation' } })).status, 201);
      assert.equal((await call({ url: before.url, key: NEW }, 'GET', `${V1}/configurations/service`)).status, 401);
    } finally {
      assert.equal(await before.stop(), 0);
    }

    const during = await startServerProcess({ key: NEW, args: [store, `ApiKey2=${OLD}`] });
    try {
      // Clients still on the old key keep working while others have moved to the new one.
      const old = await call({ url: during.url, key: OLD }, 'POST', `${V1}/events/before-rotation/reward`, { body: { value: 1 } });
      assert.equal(old.status, 204, old.text);
      const ranked = await call({ url: during.url, key: NEW }, 'POST', `${V1}/rank`, { body: { ...RANK, eventId: 'during-rotation' } });
      assert.equal(ranked.status, 201, ranked.text);
      assert.equal(ranked.json.ranking.length, 2);
      for (const key of [OLD, NEW]) {
        const config = await call({ url: during.url, key }, 'GET', `${V1}/configurations/service`);
        assert.equal(config.status, 200, config.text);
        assert.equal((await call({ url: during.url, key }, 'GET', '/status')).json.apiStatus, 'Valid');
      }
      // The event ranked before the restart is in the same store: its eventId cannot be ranked again.
      assert.equal((await call({ url: during.url, key: NEW }, 'POST', `${V1}/rank`, { body: { ...RANK, eventId: 'before-rotation' } })).status, 400);
    } finally {
      assert.equal(await during.stop(), 0);
    }

    const after = await startServerProcess({ key: NEW, args: [store] });
    try {
      const refused = await call({ url: after.url, key: OLD }, 'GET', `${V1}/configurations/service`);
      assert.equal(refused.status, 401, refused.text);
      assert.equal(refused.json.error.code, '401');
      assert.equal((await call({ url: after.url, key: NEW }, 'POST', `${V1}/events/during-rotation/reward`, { body: { value: 0.25 } })).status, 204);
    } finally {
      assert.equal(await after.stop(), 0);
    }
    for (const server of [before, during, after]) {
      assert.match(server.stdout(), /"request completed"/);
      for (const key of [OLD, NEW]) assert.ok(!server.stdout().includes(key) && !server.stderr().includes(key), 'a key was written');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
