// The port of VW's test-runner comparison (vw_compare.ts) and the case translation (vw_test_cases.ts), on
// hand-written inputs: they run without VW's source tree, so the rules the VW suite relies on are checked
// everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzyFloatEqual, lineDifference, outputDifference, runSummary, summaryDifference } from './vw_compare.js';
import { classify, isCandidate } from './vw_test_cases.js';

test('fuzzy floats: absolute below 1e-3, relative beyond |ref| > 1, inf and nan equal themselves', () => {
  assert.equal(fuzzyFloatEqual(0.083333, 0.0833333), true);
  assert.equal(fuzzyFloatEqual(0.816667, 0.818667), false);
  assert.equal(fuzzyFloatEqual(1000.5, 1000), true);
  assert.equal(fuzzyFloatEqual(1002, 1000), false);
  assert.equal(fuzzyFloatEqual(Infinity, -Infinity), true);
  assert.equal(fuzzyFloatEqual(NaN, NaN), true);
  assert.equal(fuzzyFloatEqual(NaN, 0), false);
});

test('lines: tokens split on blanks and : , @ =; words must match exactly, numbers fuzzily', () => {
  assert.equal(lineDifference('6:0.816667,5:0.016667', '6:0.816667,5:0.0166667'), undefined);
  assert.match(lineDifference('5:0.816667,6:0.016667', '6:0.816667,5:0.0166667') ?? '', /floats differ: 5 vs 6/);
  assert.match(lineDifference('6:0.8,5:0.2', '6:0.8,5:0.2,1:0') ?? '', /number of tokens/);
  assert.match(lineDifference('loss = n.a.', 'loss = 0.5') ?? '', /token differs/);
  assert.match(lineDifference('1:0.5,2:0.5', '1:0.5:2:0.5') ?? '', /delimiters differ/);
});

test('outputs: trimmed line by line, the number of lines must match', () => {
  assert.equal(outputDifference('0:0.5,1:0.5\n\n1:1,0:0\n', '0:0.5,1:0.5\n\n1:1,0:0\n\n'), undefined);
  assert.match(outputDifference('0:0.5,1:0.5\n', '0:0.5,1:0.5\n\n1:1,0:0') ?? '', /1 lines, the reference has 3/);
  assert.match(outputDifference('0:0.5,1:0.5\n\n1:0.9,0:0.1', '0:0.5,1:0.5\n\n1:1,0:0') ?? '', /^line 3: floats differ: 0.9 vs 1/);
});

test('stderr: the end-of-run summary of the reference, value by value; our extra keys are ignored', () => {
  const vw = 'Num weight bits = 18\nfinished run\nnumber of examples = 3\nweighted example sum = 3.000000\naverage loss = -0.040816\ntotal feature number = 3663\n';
  assert.equal(runSummary(vw).get('average loss'), '-0.040816');
  assert.equal(runSummary(vw).has('Num weight bits'), false);
  assert.equal(summaryDifference(vw + 'skipped lines = 0\n', vw), undefined);
  assert.equal(summaryDifference(vw.replace('-0.040816', '-0.042816'), vw), 'average loss = -0.042816, VW: -0.040816');
  assert.equal(summaryDifference('finished run\nnumber of examples = 3\n', vw), 'no "weighted example sum" in our summary (VW: 3.000000)');
  assert.equal(summaryDifference('finished run\naverage loss = 0.1\n', 'finished run\naverage loss = n.a.\n'), 'average loss = 0.1, VW: n.a.');
});

test("cases: VW's command translated into replay's, or a reason it cannot be", () => {
  assert.equal(isCandidate('-d x.json --dsjson --cb_explore_adf'), true);
  assert.equal(isCandidate('-d x.json --json --cb_adf'), true);
  assert.equal(isCandidate('-d x.json --dsjson --ccb_explore_adf'), false);
  assert.equal(isCandidate('-d x.dat --cb_explore_adf'), false);

  const ok = classify(
    { id: 1, vw_command: '-d train-sets/a.json --dsjson --chain_hash --cb_explore_adf --epsilon 0.2 -q GT -P 1 -p a.predict -f m/a.bin', diff_files: { stderr: 'r/a.stderr', 'a.predict': 'r/a.predict' } },
    '/nonexistent',
  );
  assert.deepEqual(ok, {
    id: 1,
    command: '-d train-sets/a.json --dsjson --chain_hash --cb_explore_adf --epsilon 0.2 -q GT -P 1 -p a.predict -f m/a.bin',
    data: 'train-sets/a.json',
    policy: '--chain_hash --cb_explore_adf --epsilon 0.2 -q GT',
    replayArgs: ['-p', 'a.predict', '-f', 'm/a.bin'],
    diffFiles: { stderr: 'r/a.stderr', 'a.predict': 'r/a.predict' },
  });

  const reason = (cmd: string, diff: Record<string, string> = {}) => {
    const c = classify({ id: 2, vw_command: cmd, diff_files: diff }, '/nonexistent');
    return 'reason' in c ? c.reason : 'in scope';
  };
  assert.equal(reason('--cb_explore_adf --rnd 3 -d a.json --json'), 'unsupported option --rnd');
  assert.equal(reason('--dsjson --cb_explore_adf a.json b.json'), '2 data files (replay reads one)');
  assert.match(reason('--cb_explore_adf -d a.json --json'), /^policy refused: --json: replay reads DSJSON logs only/);
  assert.match(reason('--dsjson --cb_explore_adf --cover 2 --cb_type sm -d a.json'), /^policy refused: --cb_type: cover supports --cb_type ips, dr or mtr/);
  assert.equal(reason('--dsjson --cb_explore_adf -d a.json', { 'metrics.json': 'r/m.json' }), 'compares metrics.json, which replay does not write');
  assert.equal(reason('--dsjson --cb_explore_adf -d a.json -i m.vw'), '-i m.vw is written by another case');
  assert.equal(reason('--dsjson --cb_adf -d a.json'), 'in scope');
});
