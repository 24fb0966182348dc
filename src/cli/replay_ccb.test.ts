// `personalizer replay` on multi-slot (CCB) logs through the real CLI in a child process, against the outputs
// of VW 9.10 `--ccb_explore_adf --dsjson` on the same files: `-p` text, binary and readable models byte for byte.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_SHARED, repoRoot, vectorsDir, needs } from '../testing/fixtures.js';
import { DEFAULT_CCB_POLICY_ARGUMENTS } from '../engine/index.js';

const MAIN = join(repoRoot(), 'dist', 'src', 'cli', 'main.js');
const vectors = vectorsDir();
const skip = needs(vectors, NO_SHARED);
const ccb = (name: string): string => join(vectors!, 'ccb', name);
const dir = mkdtempSync(join(tmpdir(), 'replay-ccb-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, 'replay', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const same = (ours: string, vw: string): void => assert.deepEqual(readFileSync(ours), readFileSync(vw));

test('tiny-20 under --ccb_explore_adf: -p, -f and --readable_model equal VW 9.10, and so do the progress table and summary', { skip }, () => {
  const p = join(dir, 'p.txt');
  const f = join(dir, 'm.vw');
  const r = join(dir, 'r.txt');
  const run = cli('--dsjson', ccb('tiny-20.dsjson'), '--policy', DEFAULT_CCB_POLICY_ARGUMENTS, '-p', p, '-f', f, '--readable_model', r);
  assert.equal(run.code, 0, run.stderr);
  same(p, ccb('tiny-20-preds.txt'));
  same(f, ccb('tiny-20-model.vw'));
  same(r, ccb('tiny-20-readable.txt'));
  // VW's progress rows and summary (tiny-20-summary.txt), line for line.
  const vw = readFileSync(ccb('tiny-20-summary.txt'), 'utf8').split('\n');
  const rows = (text: string[]) => text.filter((l) => /^-?\d+\.\d+ /.test(l));
  assert.deepEqual(rows(run.stderr.split('\n')), rows(vw));
  for (const line of ['Input label = CCB', 'Output pred = DECISION_PROBS', 'number of examples = 20', 'average loss = -0.118644', 'total feature number = 53856']) {
    assert.ok(run.stderr.split('\n').includes(line), line);
  }
});

test('-t -i tiny-20-model.vw: predictions sampled as VW does, with its random state or the seed= tags', { skip }, () => {
  const p = join(dir, 'pt.txt');
  const run = cli('--dsjson', ccb('tiny-20.dsjson'), '-i', ccb('tiny-20-model.vw'), '-t', '-p', p);
  assert.equal(run.code, 0, run.stderr);
  same(p, ccb('tiny-20-test-preds.txt'));
  assert.match(run.stderr, /average loss = -1\.100000\ntotal feature number = 53592\n/);
  const tagged = join(dir, 'ptag.txt');
  const quiet = cli('--dsjson', ccb('tiny-20-tagged.dsjson'), '-i', ccb('tiny-20-model.vw'), '-t', '--quiet', '-p', tagged);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  same(tagged, ccb('tiny-20-tagged-test-preds.txt'));
});

test('edge cases: the event without outcomes dropped, unlabeled slots sampled; a bad line skipped with its reason', { skip }, () => {
  const p = join(dir, 'pe.txt');
  const run = cli('--dsjson', ccb('edge-cases.dsjson'), '--policy', DEFAULT_CCB_POLICY_ARGUMENTS, '-p', p, '--quiet');
  assert.equal(run.code, 0, run.stderr);
  same(p, ccb('edge-cases-preds.txt'));
  // A malformed CCB line and one with more slots than actions are skipped and counted, the rest learned.
  const lines = readFileSync(ccb('tiny-20.dsjson'), 'utf8').split('\n').slice(0, 3);
  const tooManySlots = JSON.stringify({
    c: { _multi: [{ a: { x: 1 } }], _slots: [{ _id: 's0' }, { _id: 's1' }] },
    _outcomes: [{ _label_cost: -1, _a: [0], _p: [1] }],
  });
  const log = join(dir, 'bad.dsjson');
  writeFileSync(log, [lines[0], '{"c":{"_multi":[{"a":1}]},"_outcomes":[{"_label_cost":0,"_a":[0,1],"_p":[1]}]}', tooManySlots, lines[1], lines[2]].join('\n') + '\n');
  const bad = cli('--dsjson', log, '--policy', DEFAULT_CCB_POLICY_ARGUMENTS);
  assert.equal(bad.code, 0, bad.stderr);
  assert.match(bad.stderr, /skipping line 2: "_outcomes"\[0\]: "_a" has 2 actions but "_p" 1 probabilities\n/);
  assert.match(bad.stderr, /skipping line 3: the number of actions \(1\) must be greater than or equal to the number of slots \(2\)\n/);
  assert.match(bad.stderr, /number of examples = 3\n/);
  assert.match(bad.stderr, /personalizer replay: 2 lines skipped/);
});
