// The process around the server: graceful stop on SIGTERM/SIGINT with an in-flight request still answered,
// two instances side by side, disk logs rotated under Mounts:Output with the key in no line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, startServerProcess, type ServerProcess } from './test_server.js';
import { waitFor } from '../testing/wait.js';

const V1 = '/personalizer/v1.0';
const RANK = { contextFeatures: [{ user: { tier: 'gold' } }], actions: [{ id: 'a', features: [{ f: 1 }] }, { id: 'b', features: [{ f: 2 }] }] };

/**
 * Sends a rank whose body arrives in two parts; `between` runs after the server has read the headers (its
 * `100 Continue` to `Expect: 100-continue` says so) and the first part. Resolves with the raw response.
 */
async function splitRequest(server: ServerProcess, between: () => Promise<void>): Promise<string> {
  const body = JSON.stringify(RANK);
  const socket = connect(server.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let response = '';
  socket.setEncoding('utf8').on('data', (s: string) => (response += s));
  const ended = new Promise((resolve) => socket.once('close', resolve));
  socket.write(
    `POST ${V1}/rank HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      `Ocp-Apim-Subscription-Key: ${server.key}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
  );
  await waitFor('100 Continue', () => response.startsWith('HTTP/1.1 100 Continue\r\n\r\n'));
  socket.write(body.slice(0, 10));
  await between();
  socket.end(body.slice(10));
  await ended;
  return response;
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  test(`${signal}: stops accepting, answers the in-flight request, closes the loop, exits 0`, async () => {
    const server = await startServerProcess();
    let refused = false;
    const response = await splitRequest(server, async () => {
      server.child.kill(signal);
      await waitFor('the stop to begin', () => new RegExp(`"signal":"${signal}".*stopping`).test(server.stdout()));
      // A new connection is no longer accepted while the old request is still open.
      refused = await waitFor('a new connection refused', () =>
        fetch(`${server.url}/ContainerLiveness`, { headers: { connection: 'close' } }).then(
          () => false,
          () => true,
        ),
      ).catch(() => false);
    });
    assert.match(response, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 Created\r\n/);
    assert.match(response, /"rewardActionId":"[ab]"/);
    assert.equal(refused, true, 'new connections refused during the stop');
    assert.equal(await server.exited, 0);
    assert.equal(await server.stop(), 0);
    assert.match(server.stdout(), new RegExp(`"signal":"${signal}".*stopping`));
    assert.match(server.stdout(), /"msg":"stopped"/);
  });
}

test('two instances run side by side on their own ports and stores', async () => {
  const [one, two] = await Promise.all([startServerProcess(), startServerProcess()]);
  try {
    assert.notEqual(one.port, two.port);
    assert.notEqual(one.dir, two.dir);
    const r1 = await call(one, 'POST', `${V1}/rank`, { body: { ...RANK, eventId: 'only-on-one' } });
    const r2 = await call(two, 'POST', `${V1}/rank`, { body: { ...RANK, eventId: 'only-on-two' } });
    assert.equal(r1.status, 201);
    assert.equal(r2.status, 201);
    // Each answers only to its own key.
    assert.equal((await call(two, 'GET', `${V1}/model/properties`, { key: one.key })).status, 401);
    assert.equal(await one.stop(), 0);
    assert.equal((await call(two, 'GET', '/ready', { key: null })).status, 200);
  } finally {
    await Promise.all([one.stop(), two.stop()]);
  }
});

test('disk logs: rotating JSON files under Mounts:Output, no API key in any line', async () => {
  const output = mkdtempSync(join(tmpdir(), 'personalizer-logs-'));
  const key = 'SECRET-key-4d1f9a7e3b2c';
  try {
    // 0.01 MB ≈ 10 kB per file, so that a few dozen requests rotate.
    const server = await startServerProcess({
      key,
      args: [`Mounts:Output=${output}`, 'Logging:Disk:Format=json', 'Logging:Disk:MaxFileSize=0.01'],
    });
    for (let i = 0; i < 60; i++) {
      await call(server, 'POST', `${V1}/rank`, { body: { ...RANK, eventId: `log-${i}` } });
      await call(server, 'GET', `${V1}/configurations/policy`, { key: `${key}-wrong` });
    }
    assert.equal(await server.stop(), 0);
    const files = readdirSync(output).filter((f) => f.endsWith('.log'));
    assert.ok(files.length >= 2, `rotated into several files: ${files.join(', ')}`);
    let lines = 0;
    for (const file of files) {
      const text = readFileSync(join(output, file), 'utf8');
      assert.ok(Buffer.byteLength(text) < 10 * 1024 + 4096, `${file} stays near the size limit`);
      for (const line of text.split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { level: number; msg: string };
        assert.equal(typeof entry.level, 'number');
        lines++;
      }
      assert.ok(!text.includes(key), `${file} does not contain the key`);
    }
    assert.ok(lines >= 120, `request lines on disk: ${lines}`);
    assert.ok(!server.stdout().includes(key), 'stdout does not contain the key');
    assert.ok(!server.stderr().includes(key), 'stderr does not contain the key');
    assert.match(server.stdout(), /"apiKey":"\[redacted\]"/);
  } finally {
    rmSync(output, { recursive: true, force: true });
  }
});
