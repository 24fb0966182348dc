// Tls:Certificate / Tls:Key (docs/tls.md): with both the server speaks HTTPS on its port, so that the official
// REST-level client keeps its default (it refuses plain-HTTP endpoints unless allowInsecureConnection is set).
// The certificate is self-signed, made here; the client runs as a user's program would, in a process of its own
// that trusts the certificate through NODE_EXTRA_CA_CERTS. One of the pair alone, or a key that is not the
// certificate's, stops the start with exit 1 and one line.
import 'reflect-metadata';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, webcrypto, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { cliEntry } from '../api/test_server.js';
import { repoRoot } from '../testing/fixtures.js';

async function selfSigned(dir: string, name: string): Promise<{ cert: string; key: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
      name: 'CN=localhost',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm: algorithm,
      keys: keys as never,
      extensions: [
        new x509.SubjectAlternativeNameExtension([
          { type: 'dns', value: 'localhost' },
          { type: 'ip', value: '127.0.0.1' },
        ]),
        new x509.BasicConstraintsExtension(true, undefined, true),
      ],
    },
    webcrypto as never,
  );
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  writeFileSync(cert, certificate.toString('pem') + '\n');
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  writeFileSync(key, createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }) as string);
  return { cert, key };
}

const BASE = ['serve', 'Eula=accept', 'Host=127.0.0.1', 'Port=0'];

test('Tls:Certificate and Tls:Key: HTTPS on the port; the REST client talks to it without allowInsecureConnection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pzr-tls-'));
  const { cert, key } = await selfSigned(dir, 'server');
  const apiKey = randomBytes(12).toString('hex');
  const child = spawn(process.execPath, [cliEntry(), ...BASE, `ApiKey=${apiKey}`, `Store=sqlite:${join(dir, 'p.db')}`, `Tls:Certificate=${cert}`], {
    env: { ...process.env, Tls__Key: key },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const deadline = Date.now() + 20_000;
    let url: string | undefined;
    while (url === undefined && Date.now() < deadline) {
      url = /personalizer listening at (https:\/\/[^"\s]+)/.exec(out)?.[1];
      await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(url, `no https start-up line:\n${out}`);
    const endpoint = url.replace('127.0.0.1', 'localhost');
    // A user's program: the preview SDK with its defaults, trusting the certificate through Node's CA setting.
    const program = `
      import { AzureKeyCredential } from '@azure/core-auth';
      import personalizer from '@azure-rest/ai-personalizer';
      const client = personalizer.default(process.env.ENDPOINT, new AzureKeyCredential(process.env.KEY));
      const rank = await client.path('/rank').post({ body: { actions: [{ id: 'a', features: [{ f: 1 }] }, { id: 'b', features: [{ f: 2 }] }], eventId: 'tls-1' } });
      const reward = await client.path('/events/{eventId}/reward', 'tls-1').post({ body: { value: 1 } });
      const model = await client.path('/model').get({ queryParameters: { signed: true } });
      console.log(JSON.stringify({ rank: rank.status, body: rank.body, reward: reward.status, model: model.status }));
    `;
    const run = (env: NodeJS.ProcessEnv) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', program], { cwd: repoRoot(), env: { ...process.env, ...env, ENDPOINT: endpoint, KEY: apiKey }, encoding: 'utf8', timeout: 60_000 });
    const trusted = run({ NODE_EXTRA_CA_CERTS: cert });
    assert.equal(trusted.status, 0, trusted.stderr);
    const r = JSON.parse(trusted.stdout.trim().split('\n').pop()!) as { rank: string; body: { eventId: string; ranking: unknown[] }; reward: string; model: string };
    assert.equal(r.rank, '201');
    assert.equal(r.body.eventId, 'tls-1');
    assert.equal(r.body.ranking.length, 2);
    assert.equal(r.reward, '204');
    assert.equal(r.model, '200');
    // Without trusting the certificate the client refuses the server: the connection really is TLS.
    const untrusted = run({ NODE_EXTRA_CA_CERTS: '' });
    assert.notEqual(untrusted.status, 0);
    assert.match(untrusted.stderr, /self[- ]signed|certificate/i);
    // And plain HTTP on that port gets no answer in HTTP.
    const plain = await fetch(url.replace('https:', 'http:') + '/status').then((x) => x.status, (e: Error) => e.message);
    assert.notEqual(plain, 200);
  } finally {
    child.kill('SIGTERM');
    assert.equal(await exited, 0, out);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Tls:* settings that cannot work stop the start with exit 1 and one line naming them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pzr-tls-bad-'));
  try {
    const a = await selfSigned(dir, 'a');
    const b = await selfSigned(dir, 'b');
    const start = (args: string[]) => spawnSync(process.execPath, [cliEntry(), ...BASE, 'ApiKey=k', `Store=sqlite:${join(dir, 'p.db')}`, ...args], { encoding: 'utf8', timeout: 30_000 });
    const cases: [string[], RegExp][] = [
      [[`Tls:Certificate=${a.cert}`], /^personalizer: refusing to start: Tls:Certificate and Tls:Key go together: give both \(PEM files\) or neither\n$/],
      [[`Tls:Key=${a.key}`], /^personalizer: refusing to start: Tls:Certificate and Tls:Key go together/],
      [[`Tls:Certificate=${a.cert}`, `Tls:Key=${b.key}`], /^personalizer: refusing to start: Tls:Key: the key in .* is not the key of the certificate in .*\n$/],
      [[`Tls:Certificate=${join(dir, 'missing.pem')}`, `Tls:Key=${a.key}`], /^personalizer: refusing to start: Tls:Certificate: cannot read .*missing\.pem \(ENOENT\)\n$/],
      [[`Tls:Certificate=${a.key}`, `Tls:Key=${a.key}`], /^personalizer: refusing to start: Tls:Certificate: not a PEM or DER X\.509 certificate/],
      [[`Tls:Certificate=${a.cert}`, `Tls:Key=${a.cert}`], /^personalizer: refusing to start: Tls:Key: not a PEM private key/],
    ];
    for (const [args, message] of cases) {
      const r = start(args);
      assert.equal(r.status, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
