// GET /model?signed=true and PUT /model (Model_Get, Model_Import; docs/model-import.md) against a real server
// process on a real SQLite file: our own signed export round-trips byte for byte, an Azure-shaped VW model ranks
// requests exactly as VW predicted, tampered or foreign archives and models of another policy are refused in
// Azure's error shape, bad bodies never get a 5xx, and an imported model survives a restart.
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unzipSync, zipSync } from 'fflate';
import { AzureKeyCredential } from '@azure/core-auth';
import personalizerRest from '@azure-rest/ai-personalizer';
import { createLearner, parsePolicyArguments, readModel, writeModel } from '../engine/index.js';
import { generateIdentity, identityFrom } from '../loop/model_signing.js';
import { NO_SHARED, readText, vectorsDir, needs } from '../testing/fixtures.js';
import { call, startServerProcess, type ServerProcess } from './test_server.js';

const { default: createPersonalizerClient } = personalizerRest;
const P3 = '/personalizer/v1.1-preview.3';
/** Models exported from Azure are imported into a loop on Azure's policy, as a migrated loop is (docs/policy-presets.md). */
const AZURE_DEFAULT = 'DefaultPolicy=azure-default';
const vectors = vectorsDir();
const azureDir = vectors === undefined ? undefined : join(vectors, 'azure-shaped');

interface RankBody {
  contextFeatures: unknown[];
  actions: { id: string; features: unknown[] }[];
  excludedActions: string[];
  eventId: string;
}

async function putModel(server: ServerProcess, bytes: Uint8Array, prefix = P3): Promise<{ status: number; json: any }> {
  return call(server, 'PUT', `${prefix}/model`, { raw: bytes, contentType: 'application/octet-stream' });
}

async function getModel(server: ServerProcess, query = ''): Promise<{ status: number; bytes: Uint8Array; headers: Headers }> {
  const r = await fetch(`${server.url}${P3}/model${query}`, { headers: { 'Ocp-Apim-Subscription-Key': server.key } });
  return { status: r.status, bytes: new Uint8Array(await r.arrayBuffer()), headers: r.headers };
}

/** The probability each action id was given. */
async function pmf(server: ServerProcess, body: RankBody): Promise<Map<string, number>> {
  const r = await call(server, 'POST', `${P3}/rank`, { body });
  assert.equal(r.status, 201, r.text);
  return new Map((r.json.ranking as { id: string; probability: number }[]).map((a) => [a.id, a.probability]));
}

function rezip(archive: Uint8Array, change: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(archive);
  change(files);
  return zipSync(files);
}

function assertError(r: { status: number; json: any }, status: number, code: string, message?: RegExp): void {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.json?.error?.code, code, JSON.stringify(r.json));
  assert.equal(typeof r.json.error.message, 'string');
  if (message) assert.match(r.json.error.message, message);
}

const SIMPLE: RankBody = {
  contextFeatures: [{ user: { tier: 'gold' } }],
  actions: [
    { id: 'a', features: [{ k: 'x' }] },
    { id: 'b', features: [{ k: 'y' }] },
    { id: 'c', features: [{ k: 'z' }] },
  ],
  excludedActions: [],
  eventId: '',
};

describe('model import and signed export over HTTP', { skip: needs(azureDir, NO_SHARED) }, () => {
  let dir: string;
  let server: ServerProcess;
  let azureModel: Uint8Array;
  let requests: RankBody[];
  let preds: string[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pzr-import-'));
    server = await startServerProcess({ args: [`Store=sqlite:${join(dir, 'p.db')}`, AZURE_DEFAULT] });
    azureModel = new Uint8Array(readFileSync(join(azureDir!, 'model-mtr-8k.vw')));
    requests = readText(join(azureDir!, 'requests-10k.jsonl.gz')).trim().split('\n').slice(8000).map((l) => JSON.parse(l) as RankBody);
    preds = readText(join(azureDir!, 'preds-test-2k.txt.gz')).split('\n').filter((l) => l.trim() !== '');
    assert.equal(requests.length, 2000);
    assert.equal(preds.length, 2000);
  });
  after(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('an Azure-shaped VW model (plain file) ranks the 2,000 test requests with the pmf VW predicted', async () => {
    const before = (await call(server, 'GET', `${P3}/model/properties`)).json;
    assert.equal((await putModel(server, azureModel)).status, 204);
    // Live at once: the next GET and Rank use it, the properties moved.
    const got = await getModel(server);
    assert.deepEqual(Buffer.from(got.bytes), Buffer.from(azureModel));
    const properties = (await call(server, 'GET', `${P3}/model/properties`)).json;
    assert.notEqual(properties.lastModifiedTime, before.lastModifiedTime);

    let equal = 0;
    let worst = 0;
    for (let t = 0; t < requests.length; t++) {
      const request = requests[t]!;
      const probabilities = await pmf(server, request);
      // VW's -p: `_multi index:probability`, the _multi being the request's actions less the excluded ones.
      const included = request.actions.filter((a) => !request.excludedActions.includes(a.id));
      const vw = new Map(preds[t]!.split(',').map((p) => p.split(':').map(Number) as [number, number]));
      let same = true;
      included.forEach((a, i) => {
        const d = Math.abs(probabilities.get(a.id)! - vw.get(i)!);
        worst = Math.max(worst, d);
        // VW prints 6 decimals.
        if (d > 5e-7 + 1e-9) same = false;
      });
      for (const x of request.excludedActions) assert.equal(probabilities.get(x), 0);
      if (same) equal++;
    }
    assert.equal(equal, requests.length, `pmf equal to VW's on ${equal}/${requests.length} events (worst difference ${worst})`);
  });

  test('our own signed export round-trips: GET signed → reset → PUT → the same model, byte for byte, ranking the same', async () => {
    const plain = await getModel(server);
    const signed = await getModel(server, '?signed=true');
    assert.equal(signed.status, 200);
    assert.equal(signed.headers.get('content-type'), 'application/octet-stream');
    assert.equal(signed.headers.get('content-disposition'), 'attachment; filename=model.vw.zip');
    const entries = unzipSync(signed.bytes);
    assert.deepEqual(Object.keys(entries).sort(), ['model.vw', 'sha512_signature.bin', 'signer.der']);
    assert.deepEqual(Buffer.from(entries['model.vw']!), Buffer.from(plain.bytes));
    // The same archive again: the signing key is the store's, made once.
    assert.deepEqual(Buffer.from((await getModel(server, '?signed=TRUE')).bytes), Buffer.from(signed.bytes));
    const probe = { ...requests[0]!, eventId: 'probe-before' };
    const ranked = await pmf(server, probe);

    assert.equal((await call(server, 'DELETE', `${P3}/model`)).status, 204);
    assert.notDeepEqual(Buffer.from((await getModel(server)).bytes), Buffer.from(plain.bytes));
    const reset = await pmf(server, { ...probe, eventId: 'probe-reset' });
    assert.ok([...reset.values()].filter((p) => p > 0).every((p, _i, all) => Math.abs(p - all[0]!) < 1e-6), 'a reset model ranks uniformly');

    assert.equal((await putModel(server, signed.bytes)).status, 204);
    assert.deepEqual(Buffer.from((await getModel(server)).bytes), Buffer.from(plain.bytes));
    assert.deepEqual(await pmf(server, { ...probe, eventId: 'probe-after' }), ranked);
    assert.equal((await getModel(server, '?signed=false')).bytes.length, plain.bytes.length);
  });

  test('the @azure-rest/ai-personalizer client exports a signed model and imports it (204)', async () => {
    const client = createPersonalizerClient(server.url, new AzureKeyCredential(server.key), { allowInsecureConnection: true });
    const got = await client.path('/model').get({ queryParameters: { signed: true } }).asNodeStream();
    assert.equal(got.status, '200');
    const chunks: Buffer[] = [];
    for await (const c of got.body!) chunks.push(c as Buffer);
    const archive = Buffer.concat(chunks);
    assert.deepEqual(Object.keys(unzipSync(archive)).sort(), ['model.vw', 'sha512_signature.bin', 'signer.der']);
    const put = await client.path('/model').put({ body: archive, contentType: 'application/octet-stream' });
    assert.equal(put.status, '204');
    const bad = await client.path('/model').put({ body: Buffer.from('PK\u0003\u0004 not really a zip'), contentType: 'application/octet-stream' });
    assert.equal(bad.status, '400');
    assert.equal((bad.body as any).error.code, 'InvalidModelImportFormat');
  });

  test('tampered archives are refused with InvalidModelImportSignature, and nothing changes', async () => {
    const live = (await getModel(server)).bytes;
    const signed = (await getModel(server, '?signed=true')).bytes;
    const flipped = rezip(signed, (f) => {
      const m = f['model.vw']!.slice();
      m[m.length - 3]! ^= 0x01;
      f['model.vw'] = m;
    });
    assertError(await putModel(server, flipped), 400, 'InvalidModelImportSignature', /not a valid signature/);
    const badSignature = rezip(signed, (f) => {
      const s = f['sha512_signature.bin']!.slice();
      s[10]! ^= 0x80;
      f['sha512_signature.bin'] = s;
    });
    assertError(await putModel(server, badSignature), 400, 'InvalidModelImportSignature', /not a valid signature/);
    // Another signer's certificate, the signature left as it was: it does not verify.
    const stranger = identityFrom(await generateIdentity(Date.now()));
    const swapped = rezip(signed, (f) => (f['signer.der'] = new Uint8Array(stranger.certificate.raw)));
    assertError(await putModel(server, swapped), 400, 'InvalidModelImportSignature', /not a valid signature/);
    // Signed anew by that stranger: a valid signature, but not a signer this server trusts.
    const resigned = rezip(signed, (f) => {
      f['signer.der'] = new Uint8Array(stranger.certificate.raw);
      f['sha512_signature.bin'] = new Uint8Array(sign('sha512', f['model.vw']!, stranger.key));
    });
    assertError(await putModel(server, resigned), 400, 'InvalidModelImportSignature', /does not trust/);
    // The certificate entry is not a certificate.
    const notCert = rezip(signed, (f) => (f['signer.der'] = new TextEncoder().encode('hello')));
    assertError(await putModel(server, notCert), 400, 'InvalidModelImportSignature', /not an X\.509 certificate/);
    // Entries missing, or not a zip at all.
    const missing = rezip(signed, (f) => delete f['sha512_signature.bin']);
    assertError(await putModel(server, missing), 400, 'InvalidModelImportFormat', /sha512_signature\.bin/);
    assertError(await putModel(server, signed.slice(0, signed.length - 40)), 400, 'InvalidModelImportFormat');
    assert.deepEqual(Buffer.from((await getModel(server)).bytes), Buffer.from(live));
  });

  test('a model of another policy is refused with InvalidModelMetadata naming what differs', async () => {
    const live = (await getModel(server)).bytes;
    const model = (args: string): Uint8Array => createLearner(parsePolicyArguments(args)).saveModel();
    const base = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001';
    assertError(await putModel(server, model(`${base} --cb_type mtr -q :: -b 20`)), 400, 'InvalidModelMetadata', /bit precision \(-b\) is 20, the policy's is 18/);
    assertError(await putModel(server, model(`${base} --cb_type ips -q ::`)), 400, 'InvalidModelMetadata', /--cb_type is ips, the policy's is mtr/);
    assertError(await putModel(server, model(`${base} --cb_type mtr -q ab`)), 400, 'InvalidModelMetadata', /interactions is -q ab, the policy's is -q ::/);
    assertError(await putModel(server, model(`${base} --cb_type mtr`)), 400, 'InvalidModelMetadata', /interactions is none/);
    assertError(await putModel(server, model('--cb_explore_adf --squarecb --power_t 0 -l 0.001 --cb_type mtr -q ::')), 400, 'InvalidModelMetadata', /exploration is squarecb/);
    // A multi-slot model on this single-slot loop.
    const state = readModel(model(`${base} --cb_type mtr -q ::`));
    const ccb = writeModel({ ...state, options: `${state.options} --ccb_explore_adf` });
    assertError(await putModel(server, ccb), 400, 'InvalidModelMetadata', /multi-slot/);
    // The same policy as the live one (learning rate apart, which a command line may override) is taken.
    assert.equal((await putModel(server, model('--cb_explore_adf --epsilon 0.3 --power_t 0 -l 0.5 --cb_type mtr -q ::'))).status, 204);
    assert.equal((await putModel(server, live)).status, 204);
    assert.deepEqual(Buffer.from((await getModel(server)).bytes), Buffer.from(live));
  });

  test('bad bodies and parameters: 4xx in Azure\'s shape, never a 5xx', async () => {
    assertError(await putModel(server, new Uint8Array(0)), 400, 'InvalidModelImportFormat', /empty/);
    assertError(await putModel(server, new TextEncoder().encode('this is not a model')), 400, 'InvalidModelMetadata');
    assertError(await putModel(server, new Uint8Array(5000).fill(0xff)), 400, 'InvalidModelMetadata');
    // A truncated model file.
    assertError(await putModel(server, azureModel.slice(0, 200)), 400, 'InvalidModelMetadata');
    // JSON is not a model either.
    const json = await call(server, 'PUT', `${P3}/model`, { body: { model: 'x' } });
    assertError(json, 400, 'InvalidModelMetadata');
    // Larger than the limit (64 MiB by default, plus an archive's overhead): 413 in Azure's shape.
    const huge = await putModel(server, new Uint8Array(64 * 1024 * 1024 + 64 * 1024 + 1));
    assertError(huge, 413, 'PayloadSizeExceeded');
    const r = await call(server, 'GET', `${P3}/model?signed=maybe`);
    assertError(r, 400, 'BadRequest', /signed/);
    // v1.0 has no Model_Import.
    const v1 = await putModel(server, azureModel, '/personalizer/v1.0');
    assert.equal(v1.status, 404);
    assert.equal(v1.json.error.code, 'ResourceNotFound');
    // The key is still required.
    const noKey = await call(server, 'PUT', `${P3}/model`, { raw: azureModel, contentType: 'application/octet-stream', key: null });
    assert.equal(noKey.status, 401);
  });

  test('an imported model survives a restart: same bytes, same properties, same ranking, same signing key', async () => {
    assert.equal((await putModel(server, azureModel)).status, 204);
    const properties = (await call(server, 'GET', `${P3}/model/properties`)).json;
    const signed = (await getModel(server, '?signed=true')).bytes;
    const probe = requests[1]!;
    const ranked = await pmf(server, { ...probe, eventId: 'restart-1' });
    await server.stop();
    server = await startServerProcess({ args: [`Store=sqlite:${join(dir, 'p.db')}`, AZURE_DEFAULT] });
    assert.deepEqual(Buffer.from((await getModel(server)).bytes), Buffer.from(azureModel));
    assert.deepEqual((await call(server, 'GET', `${P3}/model/properties`)).json, properties);
    assert.deepEqual(await pmf(server, { ...probe, eventId: 'restart-2' }), ranked);
    assert.deepEqual(Buffer.from((await getModel(server, '?signed=true')).bytes), Buffer.from(signed));
    assert.equal((await putModel(server, signed)).status, 204);
  });
});

describe('model import settings', () => {
  test('ModelImport:AllowUnsigned=false refuses plain model files; ModelSigning:* signs with the given identity; TrustedCertificates are trusted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pzr-import-settings-'));
    const ours = await generateIdentity(Date.now());
    const friend = await generateIdentity(Date.now());
    const { writeFileSync } = await import('node:fs');
    const pem = (b64: string): string => `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
    writeFileSync(join(dir, 'key.pem'), ours.key);
    writeFileSync(join(dir, 'cert.pem'), pem(ours.certificate));
    writeFileSync(join(dir, 'trusted.pem'), pem(friend.certificate));
    const server = await startServerProcess({
      args: [AZURE_DEFAULT, 'ModelImport:AllowUnsigned=false', `ModelSigning:Key=${join(dir, 'key.pem')}`, `ModelSigning:Certificate=${join(dir, 'cert.pem')}`],
      env: { ModelSigning__TrustedCertificates: join(dir, 'trusted.pem') },
    });
    try {
      const plain = await getModel(server);
      assertError(await putModel(server, plain.bytes), 400, 'InvalidModelImportFormat', /only signed model archives/);
      const signed = (await getModel(server, '?signed=true')).bytes;
      const files = unzipSync(signed);
      assert.deepEqual(Buffer.from(files['signer.der']!), Buffer.from(ours.certificate, 'base64'));
      assert.equal((await putModel(server, signed)).status, 204);
      // Signed by the trusted friend: accepted; by a stranger: refused.
      const friendly = identityFrom(friend);
      const byFriend = zipSync({
        'model.vw': plain.bytes,
        'signer.der': new Uint8Array(friendly.certificate.raw),
        'sha512_signature.bin': new Uint8Array(sign('sha512', plain.bytes, friendly.key)),
      });
      assert.equal((await putModel(server, byFriend)).status, 204);
      const { privateKey, publicKey: _ } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const byStranger = zipSync({ ...unzipSync(byFriend), 'sha512_signature.bin': new Uint8Array(sign('sha512', plain.bytes, privateKey)) });
      assertError(await putModel(server, byStranger), 400, 'InvalidModelImportSignature');
      // The key never reaches the log.
      const keyBody = ours.key.split('\n')[1]!;
      assert.ok(!server.stdout().includes(keyBody) && !server.stderr().includes(keyBody));
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('model import with Workers=2', { skip: needs(azureDir, NO_SHARED) }, () => {
  test('imports through either worker are live in both; both sign with the store\'s one identity', async () => {
    const server = await startServerProcess({ args: ['Workers=2', AZURE_DEFAULT] });
    try {
      const model = new Uint8Array(readFileSync(join(azureDir!, 'model-mtr-8k.vw')));
      // Concurrent requests open several connections, which the OS spreads over the two workers: imports reach
      // both the trainer leader and the follower.
      const puts = await Promise.all(Array.from({ length: 6 }, () => putModel(server, model)));
      for (const r of puts) assert.equal(r.status, 204, JSON.stringify(r.json));
      const archives = await Promise.all(Array.from({ length: 6 }, () => getModel(server, '?signed=true')));
      for (const a of archives) assert.deepEqual(Buffer.from(a.bytes), Buffer.from(archives[0]!.bytes));
      const signedPuts = await Promise.all(Array.from({ length: 4 }, () => putModel(server, archives[0]!.bytes)));
      for (const r of signedPuts) assert.equal(r.status, 204, JSON.stringify(r.json));
      const models = await Promise.all(Array.from({ length: 6 }, () => getModel(server)));
      for (const m of models) assert.deepEqual(Buffer.from(m.bytes), Buffer.from(model));
      const pids = new Set((server.stdout().match(/"pid":\d+/g) ?? []));
      assert.ok(pids.size >= 2, 'two worker processes logged');
    } finally {
      await server.stop();
    }
  });
});
