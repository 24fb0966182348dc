// A key sent as `?subscription-key=` (redact.ts) is refused, and neither stdout, the disk log nor any answer
// carries it, whether it is the right key or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redactUrl } from './redact.js';
import { rawRequest } from './raw_http.js';
import { call, startServerProcess } from './test_server.js';

test('redactUrl replaces the values of key parameters, however their names are spelt, and nothing else', () => {
  assert.equal(redactUrl('/a?subscription-key=S&x=1'), '/a?subscription-key=[redacted]&x=1');
  assert.equal(redactUrl('/a?x=1&Subscription-Key=S'), '/a?x=1&Subscription-Key=[redacted]');
  assert.equal(redactUrl('/a?subscription%2Dkey=S;ocp-apim-subscription-key=T'), '/a?subscription%2Dkey=[redacted];ocp-apim-subscription-key=[redacted]');
  assert.equal(redactUrl('/a?x=1&subscription-key'), '/a?x=1&subscription-key=[redacted]');
  assert.equal(redactUrl('/a?%zz=1&key=2'), '/a?%zz=1&key=2');
  assert.equal(redactUrl('/subscription-key=S'), '/subscription-key=S');
});

test('a key in the query string is refused and never written to stdout, the disk log or an answer', async () => {
  const output = mkdtempSync(join(tmpdir(), 'personalizer-redact-'));
  const server = await startServerProcess({
    args: [`Mounts:Output=${output}`, 'Logging:Disk:Format=json', 'Logging:Console:LogLevel:Default=Trace'],
  });
  const wrong = 'WRONGSECRET0123456789';
  try {
    const answers: string[] = [];
    for (const secret of [server.key, wrong]) {
      for (const path of [
        `/personalizer/v1.0/model/properties?subscription-key=${secret}`,
        `/personalizer/v1.0/logs/properties?x=1&Subscription-Key=${secret}`,
        `/personalizer/v1.0/rank?subscription%2Dkey=${secret}`,
        `/nothing?subscription-key=${secret}`,
        `/status?subscription-key=${secret}`,
      ]) {
        // Without the header: the query form is not accepted.
        const refused = await call(server, 'GET', path, { key: null });
        answers.push(refused.text);
        if (!path.startsWith('/status')) assert.equal(refused.status, 401, `${path}: ${refused.text}`);
        // With the header too: the answer is the route's, still nothing written.
        answers.push((await call(server, 'GET', path)).text);
        answers.push((await rawRequest(server.port, 'GET', path)).raw);
      }
    }
    assert.equal(await server.stop(), 0);
    const files = readdirSync(output).filter((f) => f.endsWith('.log'));
    assert.ok(files.length > 0, 'a disk log was written');
    const disk = files.map((f) => readFileSync(join(output, f), 'utf8')).join('');
    const stdout = server.stdout();
    // The log did record those requests, with the value replaced.
    assert.ok(stdout.includes('subscription-key=[redacted]'), stdout.slice(-2000));
    assert.ok(disk.includes('Subscription-Key=[redacted]'), disk.slice(-2000));
    for (const secret of [server.key, wrong]) {
      assert.ok(!stdout.includes(secret), 'stdout carries no key');
      assert.ok(!server.stderr().includes(secret), 'stderr carries no key');
      assert.ok(!disk.includes(secret), 'the disk log carries no key');
      for (const answer of answers) assert.ok(!answer.includes(secret), answer);
    }
  } finally {
    await server.stop();
    rmSync(output, { recursive: true, force: true });
  }
});
