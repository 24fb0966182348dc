// `personalizer replay` over 200,000 simulated events against VW 9.10.0 itself: the model file (-f) and the
// predictions (-p) must be byte for byte VW's, for mtr (Azure's default policy), ips, dr, SquareCB and
// --power_t 0.5, and -t with the mtr model must predict as VW does (~35 s on an idle 2-core machine). VW's outputs are kept as SHA-256 hashes with their command lines and
// provenance in vw_reference_200k.json; the event file is regenerated here from its seed (src/testing/sim.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../testing/fixtures.js';
import { writeSimFile } from '../testing/sim.js';
import { runReplay, sha256File as sha256 } from '../testing/replay_cli.js';

interface ReferenceRun {
  name: string;
  /** VW's command line, with {data}, {model}, {preds} and {mtr_model} for the files. */
  vw: string;
  /** replay's --policy (absent for -t). */
  policy?: string;
  testOnly?: boolean;
  model?: string;
  preds: string;
  averageLoss: string;
}

interface Reference {
  vwVersion: string;
  provenance: string;
  sim: { events: number; seed: number; sha256: string };
  runs: ReferenceRun[];
}

const ROOT = repoRoot();
const REF = JSON.parse(readFileSync(join(ROOT, 'src', 'cli', 'vw_reference_200k.json'), 'utf8')) as Reference;


const replay = runReplay;

test(`replay equals VW ${REF.vwVersion} byte for byte over ${REF.sim.events} events (models, -p, average loss)`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'personalizer-vw200k-'));
  try {
    const data = join(dir, 'sim.dsjson');
    writeSimFile(data, REF.sim.events, REF.sim.seed);
    assert.equal(sha256(data), REF.sim.sha256, 'the simulation no longer generates the file VW was run on');
    const mtrModel = join(dir, 'mtr.model');
    for (const run of REF.runs) {
      const model = join(dir, `${run.name}.model`);
      const preds = join(dir, `${run.name}.preds`);
      const args = ['--dsjson', data, '-p', preds];
      if (run.testOnly) args.push('-t', '-i', mtrModel);
      else args.push('--policy', run.policy!, '-f', model);
      const t0 = performance.now();
      const r = await replay(args);
      const seconds = (performance.now() - t0) / 1000;
      assert.equal(r.code, 0, r.stderr.slice(-2000));
      const loss = /^average loss = (\S+)$/m.exec(r.stderr)?.[1];
      console.log(`# ${run.name}: ${seconds.toFixed(1)} s, average loss ${loss} (VW ${run.averageLoss})`);
      assert.equal(sha256(preds), run.preds, `${run.name}: -p differs from VW's`);
      if (run.model) assert.equal(sha256(model), run.model, `${run.name}: model file differs from VW's`);
      assert.equal(loss, run.averageLoss, `${run.name}: average loss`);
      rmSync(preds);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
