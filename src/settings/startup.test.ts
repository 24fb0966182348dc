// Start-up through the real CLI: each refusal exits 1 with one stderr line naming the setting; arguments win
// over environment variables (`__` for `:`), as in Microsoft's containers (docs/azure-api.md §7).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { cliEntry, startServerProcess } from '../api/test_server.js';

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    // A clean environment: only what the test gives, plus PATH.
    const child = spawn(process.execPath, [cliEntry(), 'serve', ...args], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const KEY = 'startup-key-77';
const OK = ['Eula=accept', `ApiKey=${KEY}`, 'Host=127.0.0.1', 'Port=0'];

const REFUSALS: Array<[string, string[], NodeJS.ProcessEnv, RegExp]> = [
  ['no Eula', [`ApiKey=${KEY}`], {}, /Eula/],
  ['Eula not accept', ['Eula=decline', `ApiKey=${KEY}`], {}, /Eula/],
  ['no ApiKey', ['Eula=accept'], {}, /ApiKey/],
  ['ApiKey2 the same as ApiKey', [...OK, `ApiKey2=${KEY}`], {}, /ApiKey2 must differ/],
  ['ApiKey2 from env the same as ApiKey', OK, { APIKEY2: KEY }, /ApiKey2 must differ/],
  ['Billing not absolute', [...OK, 'Billing=cognitiveservices.azure.com'], {}, /Billing/],
  ['Billing from env not a URI', OK, { Billing: 'not a uri' }, /Billing/],
  ['disk logs without Mounts:Output', [...OK, 'Logging:Disk:Format=json'], {}, /Mounts:Output/],
  ['bad Port', ['Eula=accept', `ApiKey=${KEY}`, 'Port=70000'], {}, /Port/],
  ['bad Port from env', ['Eula=accept', `ApiKey=${KEY}`], { PORT: 'http' }, /Port/],
  ['bad Store', [...OK, 'Store=redis://x'], {}, /Store/],
  ['bad log level', [...OK, 'Logging:Console:LogLevel:Default=Loud'], {}, /Logging:Console:LogLevel:Default/],
  ['bad MaxFileSize', [...OK, 'Logging:Disk:MaxFileSize=big'], {}, /Logging:Disk:MaxFileSize/],
];

describe('refusals', { concurrency: 4 }, () => {
for (const [name, args, env, setting] of REFUSALS) {
  test(`refuses to start: ${name}`, async () => {
    const { code, stderr, stdout } = await run(args, env);
    assert.equal(code, 1);
    const lines = stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, /^personalizer: refusing to start: /);
    assert.match(lines[0]!, setting);
    assert.ok(!stderr.includes(KEY) && !stdout.includes(KEY), 'the key is not echoed');
  });
}
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

test('refuses to start when the port is taken, naming Port', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const { code, stderr } = await run(['Eula=accept', `ApiKey=${KEY}`, 'Host=127.0.0.1', `Port=${port}`, 'Store=sqlite::memory:']);
    assert.equal(code, 1);
    assert.equal(stderr.split('\n').filter(Boolean).length, 1, stderr);
    assert.match(stderr, new RegExp(`Port: cannot listen on 127.0.0.1:${port}`));
  } finally {
    blocker.close();
  }
});

test('settings from the environment, overridden by arguments', async () => {
  // Port, Eula and the log level only from the environment, in .NET's case-insensitive `__` form.
  const port = await freePort();
  const fromEnv = await startServerProcess({
    key: 'env-key',
    env: { EULA: 'accept', port: String(port), Logging__Console__LogLevel__Default: 'Warning' },
  });
  try {
    assert.equal(fromEnv.port, port);
    const status = await fetch(`${fromEnv.url}/status`, { headers: { 'Ocp-Apim-Subscription-Key': 'env-key' } });
    assert.equal(status.status, 200);
    // Warning level: no per-request info lines.
    await fetch(`${fromEnv.url}/ready`);
    assert.ok(!fromEnv.stdout().includes('request completed'));
  } finally {
    await fromEnv.stop();
  }

  // Env says one key and an impossible port; the arguments say another key and a free port: the arguments win.
  const server = await startServerProcess({ key: 'arg-key', args: ['Port=0', 'ApiKey=arg-key'], env: { APIKEY: 'env-key', PORT: '1' } });
  try {
    assert.notEqual(server.port, 1);
    const asArg = await fetch(`${server.url}/status`, { headers: { 'Ocp-Apim-Subscription-Key': 'arg-key' } });
    assert.equal(asArg.status, 200);
    const asEnv = await fetch(`${server.url}/status`, { headers: { 'Ocp-Apim-Subscription-Key': 'env-key' } });
    assert.equal(asEnv.status, 401);
  } finally {
    await server.stop();
  }
});
