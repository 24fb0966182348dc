// `personalizer replay -i model.vw --policy "<the arguments it was trained with>"`: VW 9.10 takes the same values
// given again whatever their spelling (the model header prints floats with 15 digits: `--clip_p 0.1` is stored as
// `0.100000001490116`), and refuses really different ones (config/src/options_cli.cc compares the values converted
// to the option's type). The real CLI, as a user runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModel } from '../engine/index.js';
import { writeSimFile } from '../testing/sim.js';
import { runReplay } from '../testing/replay_cli.js';

test('replay -i takes the model\'s own arguments again (values equal as float32) and refuses different values', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pzr-replay-values-'));
  try {
    const data = join(dir, 'log.dsjson');
    writeSimFile(data, 300, 5);
    const model = join(dir, 'model.vw');
    const policies = [
      '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q :: --clip_p 0.1',
      '--cb_explore_adf --squarecb --gamma_scale 2.3 --gamma_exponent 0.6 --cb_type mtr -q ::',
    ];
    for (const policy of policies) {
      const trained = await runReplay(['--quiet', '-d', data, '--policy', policy, '-f', model]);
      assert.equal(trained.code, 0, trained.stderr);
      const options = readModel(readFileSync(model)).options;
      // The header spells the floats as VW does, unlike the command line.
      assert.match(options, /0\.100000001490116|2\.29999995231628/, options);
      const again = await runReplay(['--quiet', '-d', data, '-i', model, '--policy', policy]);
      assert.equal(again.code, 0, `${policy}: ${again.stderr}`);
    }
    const refused = await runReplay(['--quiet', '-d', data, '-i', model, '--policy', '--cb_explore_adf --squarecb --gamma_scale 2.4']);
    assert.equal(refused.code, 2, refused.stderr); // a usage error, as every bad argument
    assert.match(refused.stderr, /--gamma_scale: given twice with different values \('2\.29999995231628', '2\.4'\); VW refuses it too/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
