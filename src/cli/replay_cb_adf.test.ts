// `personalizer replay --policy "--cb_adf …"` (VW's cb_adf alone, no exploration: how offline evaluation scored
// a policy) against VW 9.10's own outputs on the public 20k simulation (../shared/vw-vectors/offline): the
// average loss VW printed, its `-p` file byte for byte (the top action per event), the ranked scores of
// `--rank_all`, and a saved model that loads back for `-t`.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { repoRoot, vectorsDir, NO_SHARED, absent } from '../testing/fixtures.js';
import { readModel } from '../engine/index.js';

const MAIN = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const vectors = vectorsDir();
const dir = mkdtempSync(join(tmpdir(), 'replay-cbadf-'));
const log = join(dir, 'sim-20k.dsjson');
after(() => rmSync(dir, { recursive: true, force: true }));
before(() => {
  if (vectors) writeFileSync(log, gunzipSync(readFileSync(join(vectors, 'sim-20k.dsjson.gz'))));
});

function replay(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, 'replay', '--dsjson', log, ...args], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

function offline(name: string): string {
  const path = join(vectors as string, 'offline', name);
  return name.endsWith('.gz') ? gunzipSync(readFileSync(path)).toString('utf8') : readFileSync(path, 'utf8');
}

function averageLoss(text: string): string {
  const m = /^average loss = (\S+)$/m.exec(text);
  assert.ok(m, text);
  return m[1]!;
}

const POLICY = (cbType: string) => `--cb_adf --cb_type ${cbType} -q :: --power_t 0 -l 0.001`;

for (const cbType of ['mtr', 'ips', 'dr'] as const) {
  test(`--cb_adf --cb_type ${cbType}: VW's average loss and its -p file, byte for byte`, (t) => {
    if (!vectors) return absent(t, NO_SHARED);
    const preds = join(dir, `p-${cbType}.txt`);
    const r = replay('--policy', POLICY(cbType), '-p', preds);
    assert.equal(r.code, 0, r.stderr);
    // VW: −0.527619 (mtr), −0.626190 (ips), −0.642535 (dr: the reward regressor's estimate of the top action).
    assert.equal(averageLoss(r.stderr), averageLoss(offline(`summary-cbadf-${cbType}.txt`)));
    assert.match(r.stderr, /^Output pred = ACTION_SCORES$/m);
    assert.match(r.stderr, /^number of examples = 20000$/m);
    // cb_adf counts the shared example's features once per event (exploring runs: once per action).
    assert.equal(/^total feature number = (\d+)$/m.exec(r.stderr)?.[1], '5039172');
    assert.match(offline(`summary-cbadf-${cbType}.txt`), /^total feature number = 5039172$/m);
    const ours = readFileSync(preds, 'utf8');
    assert.equal(ours.length, offline(`preds-cbadf-${cbType}.txt.gz`).length);
    assert.ok(ours === offline(`preds-cbadf-${cbType}.txt.gz`), 'the -p file differs from VW\'s');
    if (cbType === 'mtr') assert.match(ours, /^0\n\n0\n\n2\n\n/);
  });
}

/** `action:score,…` lines → [[action, score], …] per event. */
function ranked(text: string): [number, number][][] {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(',').map((kv) => kv.split(':').map(Number) as [number, number]));
}

test('--cb_adf --rank_all --cb_type dr: every event ranks the actions as VW did, with its scores', (t) => {
  if (!vectors) return absent(t, NO_SHARED);
  const preds = join(dir, 'rank-all.txt');
  const r = replay('--quiet', '--policy', `--cb_adf --rank_all --cb_type dr -q :: --power_t 0 -l 0.001`, '-p', preds);
  assert.equal(r.code, 0, r.stderr);
  const ours = ranked(readFileSync(preds, 'utf8'));
  const vw = ranked(offline('scores-cbadf-dr.txt.gz'));
  assert.equal(ours.length, 20000);
  assert.equal(vw.length, 20000);
  for (let e = 0; e < vw.length; e++) {
    assert.deepEqual(ours[e]!.map((a) => a[0]), vw[e]!.map((a) => a[0]), `event ${e + 1}: order`);
    assert.deepEqual(ours[e]!.map((a) => a[1]), vw[e]!.map((a) => a[1]), `event ${e + 1}: scores as VW printed them`);
  }
});

test('--cb_adf: -f saves a cb_adf model (its own header) that -i loads for -t, predicting the same top actions', (t) => {
  if (!vectors) return absent(t, NO_SHARED);
  const model = join(dir, 'cbadf.vw');
  const learned = replay('--quiet', '--policy', POLICY('ips'), '-f', model);
  assert.equal(learned.code, 0, learned.stderr);
  const state = readModel(readFileSync(model));
  assert.equal(state.options, ' --cb_adf --cb_type ips --csoaa_ldf multiline --csoaa_rank --learning_rate 0.00100000004749745 --power_t 0 --quadratic ::');
  assert.equal(state.resume?.weightedLabeledExamples, 20000);
  assert.equal(state.resume?.weightedUnlabeledExamples, 0);
  assert.equal(state.resume?.t, 20000);
  assert.equal(state.resume?.exampleNumber, 20000n);
  assert.equal(state.resume?.totalFeatures, 5039172n);
  // The saved progressive loss is cb_adf's (VW's sum_loss), not an exploring policy's.
  assert.equal((state.resume!.sumLoss / 20000).toFixed(6), averageLoss(offline('summary-cbadf-ips.txt')));
  const preds = join(dir, 't.txt');
  const tested = replay('-i', model, '-t', '-p', preds);
  assert.equal(tested.code, 0, tested.stderr);
  assert.match(tested.stderr, /^only testing$/m);
  assert.match(tested.stderr, /^Output pred = ACTION_SCORES$/m);
  const tops = readFileSync(preds, 'utf8').split('\n\n').filter((l) => l !== '');
  assert.equal(tops.length, 20000);
  assert.ok(tops.every((l) => /^[0-4]$/.test(l)), 'one action index per event');
  // With -t nothing is learned, so cb_adf's loss is the IPS estimate of the printed top actions:
  // mean of [top = logged] · cost / p (cb_algs.h get_cost_estimate with no reward-regressor scores).
  const events = readFileSync(log, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, number>);
  let sum = 0;
  events.forEach((ev, e) => {
    if (Number(tops[e]) === ev._labelIndex) sum += Math.fround(Math.fround(ev._label_cost!) / Math.fround(ev._label_probability!));
  });
  assert.equal(averageLoss(tested.stderr), (sum / 20000).toFixed(6));
  assert.notEqual(averageLoss(tested.stderr), '0.000000');
});

test('--cb_adf counts features as VW does with no shared features and with them (own small logs)', () => {
  const small = mkdtempSync(join(tmpdir(), 'replay-cbadf-small-'));
  try {
    const line = (c: unknown) =>
      JSON.stringify({ _label_cost: 0, _label_probability: 0.5, _labelIndex: 1, _label_Action: 2, a: [2, 1, 3], c, p: [0.5, 0.25, 0.25] });
    // The shape of VW's own test case no_shared_features (actions of 2, 2 and 1 features, nothing shared), for
    // which VW 9.10 prints "total feature number = 9": 8 action features with their constants, plus the shared
    // example's constant.
    const noShared = line({ _multi: [{ n: { p: 4.6, q: 1 } }, { n: { r: 4.6, q: 1 } }, { n: { s: 4.6 } }] });
    const withShared = line({ u: { v: 1, w: 2 }, _multi: [{ n: { p: 1 } }, { n: { r: 1 } }, { n: { s: 1 } }] });
    const counts = (text: string, policy: string): string => {
      const path = join(small, 'log.dsjson');
      writeFileSync(path, text + '\n');
      const r = spawnSync(process.execPath, [MAIN, 'replay', '--dsjson', path, '--policy', policy], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return /^total feature number = (\d+)$/m.exec(r.stderr)?.[1] ?? '';
    };
    assert.equal(counts(noShared, '--cb_adf'), '9');
    assert.equal(counts(noShared, '--cb_explore_adf'), '8');
    // Shared u (2 features + constant) once, actions 2 each: 3 + 6; exploring: (2 + 2) per action.
    assert.equal(counts(withShared, '--cb_adf'), '9');
    assert.equal(counts(withShared, '--cb_explore_adf'), '12');
    assert.equal(counts(withShared, '--cb_adf --noconstant'), '5');
  } finally {
    rmSync(small, { recursive: true, force: true });
  }
});

test("--cb_adf --cb_type mtr, first 2,000 events: -f is VW 9.10's model file byte for byte, with --rank_all too", (t) => {
  if (!vectors) return absent(t, NO_SHARED);
  // Figures of the VW 9.10.0 CLI on the same 2,000 lines:
  //   vw --quiet --dsjson --cb_adf --cb_type mtr -q :: --power_t 0 -l 0.001 -d <first 2000 lines> -f m.vw
  //   vw ... the same with --rank_all -f m-rank-all.vw -p r.txt (its last event's line below)
  const VW_MODEL_SHA256 = '220ca18f56d83a6437259d536d1daa5e2b53dc79d8c629ca16db93b37e3b7f25';
  const VW_RANK_ALL_MODEL_SHA256 = '06b41d63fe7335f2f80aff26ab99cc185efdb5291c69e6fcc68442d705016c3a';
  const VW_LAST_SCORES = '3:-0.303776,0:-0.266368,2:-0.252898,1:-0.229219,4:-0.216708';
  const head = join(dir, 'sim-2k.dsjson');
  writeFileSync(head, readFileSync(log, 'utf8').split('\n').slice(0, 2000).join('\n') + '\n');
  const model = join(dir, 'm-2k.vw');
  const preds = join(dir, 'r-2k.txt');
  const r = spawnSync(
    process.execPath,
    [MAIN, 'replay', '--quiet', '--dsjson', head, '--policy', '--cb_adf --rank_all --cb_type mtr -q :: --power_t 0 -l 0.001', '-f', model, '-p', preds],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stderr);
  // --rank_all is kept in the header: the byte-for-byte model is that of the run without it.
  const plain = join(dir, 'm-2k-plain.vw');
  const r2 = spawnSync(
    process.execPath,
    [MAIN, 'replay', '--quiet', '--dsjson', head, '--policy', '--cb_adf --cb_type mtr -q :: --power_t 0 -l 0.001', '-f', plain],
    { encoding: 'utf8' },
  );
  assert.equal(r2.status, 0, r2.stderr);
  assert.equal(createHash('sha256').update(readFileSync(plain)).digest('hex'), VW_MODEL_SHA256);
  assert.match(readModel(readFileSync(model)).options, / --rank_all$/);
  assert.equal(createHash('sha256').update(readFileSync(model)).digest('hex'), VW_RANK_ALL_MODEL_SHA256);
  const last = ranked(readFileSync(preds, 'utf8')).at(-1)!;
  const vw = ranked(VW_LAST_SCORES)[0]!;
  assert.deepEqual(last.map((a) => a[0]), vw.map((a) => a[0]));
  assert.deepEqual(last.map((a) => a[1]), vw.map((a) => a[1]));
});
