// `personalizer replay --policy` with the explorers beyond epsilon-greedy, run as a user runs it (a child process,
// the parse worker handing featurized events over in batches): its -p output is byte for byte VW 9.10's on the
// 20k simulation, its average loss VW's printed one, and the model it saves carries the explorer's counter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModel } from '../engine/index.js';
import { NO_SHARED, readText, vectorsDir, absent } from '../testing/fixtures.js';
import { runReplay } from '../testing/replay_cli.js';

const BASE = '--power_t 0 -l 0.001 --cb_type mtr -q ::';
const C10 = '--cb_min_cost -1 --cb_max_cost 0';
const RUNS: [string, string][] = [
  // RegCB's intervals need the linear-term counts that travel with each batch.
  ['regcb-c10', `--cb_explore_adf --regcb --mellowness 0.001 ${BASE} ${C10}`],
  ['squarecb-elim-c10', `--cb_explore_adf --squarecb --elim --mellowness 0.001 ${C10} ${BASE}`],
  ['softmax10', `--cb_explore_adf --softmax --lambda 10 ${BASE}`],
  ['first100', `--cb_explore_adf --first 100 ${BASE}`],
];

for (const [name, policy] of RUNS) {
  test(`replay --policy "${policy}": -p and average loss are VW 9.10's (${name})`, async (t) => {
    const vectors = vectorsDir();
    if (vectors === undefined) return absent(t, NO_SHARED);
    const dir = mkdtempSync(join(tmpdir(), 'personalizer-explorers-'));
    try {
      const preds = join(dir, 'preds.txt');
      const model = join(dir, 'model.vw');
      const r = await runReplay(['--dsjson', join(vectors, 'sim-20k.dsjson.gz'), '--policy', policy, '-p', preds, '-f', model]);
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      const vw = readText(join(vectors, 'explore', `summary-${name}.txt`));
      assert.equal(/^average loss = (\S+)$/m.exec(r.stderr)?.[1], /average loss = (\S+)/.exec(vw)?.[1]);
      assert.ok(readFileSync(preds, 'utf8') === readText(join(vectors, 'explore', `preds-${name}.txt.gz`)), `${name}: -p differs from VW's`);
      const state = readModel(new Uint8Array(readFileSync(model)));
      // RegCB and SquareCB count learned events; --first 100 has none left after 20,000.
      assert.equal(state.explorerCounter, name === 'softmax10' ? undefined : name === 'first100' ? 0n : 20_000n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
