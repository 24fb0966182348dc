// The settings that name PEM files (Tls:*, ModelSigning:*) and the model import limits: defaults, pairs given
// together, files read and checked at start, a key that is not its certificate's, and the limits' ranges. The
// settings keep the paths only: no key material reaches the start-up log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '../loop/model_signing.js';
import { describeSettings, parseSettings } from './index.js';
import { refusal } from './settings.fixtures.js';

const base = ['Eula=accept', 'ApiKey=k1'];
const pem = (b64: string): string => `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

test('model import defaults: plain models accepted, 64 MiB, no TLS, the store signs', () => {
  const s = parseSettings(base, {});
  assert.equal(s.modelImportAllowUnsigned, true);
  assert.equal(s.modelSizeLimit, 64 * 1024 * 1024);
  assert.equal(s.tlsCertificate, undefined);
  assert.equal(s.modelSigningKey, undefined);
  assert.equal(s.modelSigningTrusted, undefined);
});

test('ModelImport:AllowUnsigned and ModelSizeLimit: values and ranges', () => {
  assert.equal(parseSettings([...base, 'ModelImport:AllowUnsigned=FALSE'], {}).modelImportAllowUnsigned, false);
  assert.equal(parseSettings(base, { ModelSizeLimit: '1048576' }).modelSizeLimit, 1048576);
  assert.match(refusal([...base, 'ModelImport:AllowUnsigned=no']).message, /ModelImport:AllowUnsigned must be true or false/);
  for (const bad of ['1023', '1073741825', '1e6', '-5', '64MiB']) {
    assert.match(refusal([...base, `ModelSizeLimit=${bad}`]).message, /ModelSizeLimit must be an integer number of bytes between 1024 and 1073741824/, bad);
  }
});

test('ModelSigning:* and Tls:*: pairs, readable files, a key matching its certificate; only paths are kept', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pzr-settings-files-'));
  try {
    const a = await generateIdentity(Date.now());
    const b = await generateIdentity(Date.now());
    const file = (name: string, text: string): string => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const aKey = file('a.key', a.key);
    const aCert = file('a.crt', pem(a.certificate));
    const aDer = join(dir, 'a.der');
    writeFileSync(aDer, Buffer.from(a.certificate, 'base64'));
    const bKey = file('b.key', b.key);
    const bundle = file('bundle.pem', pem(a.certificate) + pem(b.certificate));

    const s = parseSettings([...base, `ModelSigning:Key=${aKey}`, `ModelSigning:Certificate=${aDer}`, `ModelSigning:TrustedCertificates=${bundle}`], {
      Tls__Certificate: aCert,
      Tls__Key: aKey,
    });
    assert.equal(s.modelSigningKey, aKey);
    assert.equal(s.modelSigningCertificate, aDer);
    assert.equal(s.modelSigningTrusted, bundle);
    assert.equal(s.tlsCertificate, aCert);
    assert.equal(s.tlsKey, aKey);
    const logged = JSON.stringify(describeSettings(s));
    assert.ok(!logged.includes(a.key.split('\n')[1]!), 'no key material in the logged settings');

    assert.match(refusal([...base, `ModelSigning:Key=${aKey}`]).message, /ModelSigning:Certificate and ModelSigning:Key go together/);
    assert.match(refusal([...base, `ModelSigning:Key=${bKey}`, `ModelSigning:Certificate=${aCert}`]).message, /ModelSigning:Key: the key in .*b\.key is not the key of the certificate in .*a\.crt/);
    assert.match(refusal([...base, `ModelSigning:TrustedCertificates=${join(dir, 'none.pem')}`]).message, /ModelSigning:TrustedCertificates: cannot read .*none\.pem \(ENOENT\)/);
    assert.match(refusal([...base, `ModelSigning:TrustedCertificates=${aKey}`]).message, /ModelSigning:TrustedCertificates: not a PEM or DER X\.509 certificate/);
    assert.match(refusal([...base, `Tls:Certificate=${aCert}`, `Tls:Key=${bundle}`]).message, /Tls:Key: not a PEM private key/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
