// `personalizer replay --policy` with bagging and online cover, as a user runs it (a child process) on the public
// 20k simulation: -p byte for byte VW 9.10's output and its average loss; and a model saved half-way (-f, with
// --per_model_save_load) and continued (-i) predicts the second half exactly as VW's uninterrupted run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_SHARED, readText, vectorsDir, absent } from '../testing/fixtures.js';
import { runReplay } from '../testing/replay_cli.js';

const VECTORS = vectorsDir();
const BASE = '--power_t 0 -l 0.001 -q ::';
const RUNS = [
  { name: 'bag4', policy: `--cb_explore_adf --bag 4 --cb_type mtr ${BASE}` },
  { name: 'bag4-greedify', policy: `--cb_explore_adf --bag 4 --greedify --cb_type mtr ${BASE}` },
  { name: 'cover4', policy: `--cb_explore_adf --cover 4 --psi 0.1 --nounif --cb_type dr ${BASE}` },
];

for (const run of RUNS) {
  test(`replay --policy "${run.policy}": -p and average loss equal VW 9.10's; save at 10k, resume with -i, same predictions`, { timeout: 600_000 }, async (t) => {
    if (!VECTORS) return absent(t, NO_SHARED);
    const dir = mkdtempSync(join(tmpdir(), 'personalizer-ensemble-'));
    try {
      const data = join(VECTORS, 'sim-20k.dsjson.gz');
      const vwPreds = readText(join(VECTORS, 'explore', `preds-${run.name}.txt.gz`));
      const vwLoss = /average loss = (\S+)/.exec(readText(join(VECTORS, 'explore', `summary-${run.name}.txt`)))![1];
      const preds = join(dir, 'p.txt');
      const whole = await runReplay(['--dsjson', data, '--policy', run.policy, '-p', preds]);
      assert.equal(whole.code, 0, whole.stderr.slice(-2000));
      assert.equal(readFileSync(preds, 'utf8'), vwPreds, '-p differs from VW');
      assert.equal(/average loss = (\S+)/.exec(whole.stderr)?.[1], vwLoss);

      // Half-way save and resume: every sub-model's totals travel in the file with --per_model_save_load.
      const lines = readText(data).trimEnd().split('\n');
      const first = join(dir, 'first.dsjson');
      const second = join(dir, 'second.dsjson');
      writeFileSync(first, lines.slice(0, 10_000).join('\n') + '\n');
      writeFileSync(second, lines.slice(10_000).join('\n') + '\n');
      const model = join(dir, 'half.model');
      const a = await runReplay(['--dsjson', first, '--policy', `${run.policy} --per_model_save_load`, '-f', model, '--quiet']);
      assert.equal(a.code, 0, a.stderr.slice(-2000));
      const rest = join(dir, 'rest.txt');
      const b = await runReplay(['--dsjson', second, '-i', model, '-p', rest, '--quiet']);
      assert.equal(b.code, 0, b.stderr.slice(-2000));
      const vwRest = vwPreds.split('\n\n').slice(10_000).join('\n\n');
      assert.equal(readFileSync(rest, 'utf8'), vwRest, 'the resumed run predicts differently from VW uninterrupted');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
