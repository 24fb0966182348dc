// The model header's options string: VW 9.10 writes every `.keep()` option that was given on the command line,
// default value or not (core/src/parse_regressor.cc save_load_header), in the options' name order. For command
// lines that give defaults explicitly, in other orders and spellings, --cb_adf alone and SquareCB, the model
// `personalizer replay -f` writes must be VW's byte for byte (SHA-256 of VW's files in vw_reference_headers.json,
// with the command lines and provenance). 300 simulated events: the header is what these runs are about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readModel } from '../engine/index.js';
import { repoRoot } from '../testing/fixtures.js';
import { writeSimFile } from '../testing/sim.js';
import { runReplay, sha256File as sha256 } from '../testing/replay_cli.js';

interface HeaderRun {
  policy: string;
  predictOnlyModel?: boolean;
  model: string;
}

interface Reference {
  vwVersion: string;
  sim: { events: number; seed: number; sha256: string };
  runs: HeaderRun[];
  /** runs[0]'s model loaded with -i and saved again with -f, no policy given. */
  resaved: { model: string };
}

const ROOT = repoRoot();
const REF = JSON.parse(readFileSync(join(ROOT, 'src', 'cli', 'vw_reference_headers.json'), 'utf8')) as Reference;


const replay = (args: string[]) => runReplay(['--quiet', ...args]);

test(`replay -f writes VW ${REF.vwVersion}'s model header for every command line (defaults given, orders, forms)`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'personalizer-header-'));
  try {
    const data = join(dir, 'sim.dsjson');
    writeSimFile(data, REF.sim.events, REF.sim.seed);
    assert.equal(sha256(data), REF.sim.sha256, 'the simulation no longer generates the file VW was run on');
    const differing: string[] = [];
    for (const [i, run] of REF.runs.entries()) {
      const model = join(dir, `${i}.model`);
      const args = ['--dsjson', data, '--policy', run.policy, '-f', model];
      if (run.predictOnlyModel) args.push('--predict_only_model');
      const r = await replay(args);
      assert.equal(r.code, 0, `${run.policy}: ${r.stderr.slice(-1000)}`);
      if (sha256(model) !== run.model) differing.push(`${run.policy}${run.predictOnlyModel ? ' --predict_only_model' : ''}: header${readModel(readFileSync(model)).options}`);
    }
    assert.deepEqual(differing, [], 'model files that differ from VW\'s');
    const resaved = join(dir, 'resaved.model');
    const r = await replay(['--dsjson', data, '-i', join(dir, '0.model'), '-f', resaved]);
    assert.equal(r.code, 0, r.stderr.slice(-1000));
    assert.equal(sha256(resaved), REF.resaved.model, '-i then -f: the loaded header\'s options are kept as VW keeps them');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
