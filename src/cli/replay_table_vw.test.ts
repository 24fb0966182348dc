// The progress table and summary on stderr, and --rank_all's -p scores, against VW 9.10.0's over 20,000
// simulated events: mtr, ips, dr, SquareCB, --cb_adf and --cb_adf --rank_all. VW prints each progress row's
// label and predict cells with 2 decimals (core/src/cb.cc print_update_cb, VW::fmt_float), so a small negative
// score is `0:-0`; action scores with 6 (core/src/action_score.cc). VW's outputs are kept as SHA-256 hashes with
// their command lines in vw_reference_tables.json, with a few of the rows for reading.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../testing/fixtures.js';
import { writeSimFile } from '../testing/sim.js';
import { runReplay, sha256 } from '../testing/replay_cli.js';

interface TableRun {
  name: string;
  policy: string;
  table: string;
  rows: number;
  preds?: string;
  sampleRows?: string[];
}

interface Reference {
  vwVersion: string;
  sim: { events: number; seed: number; sha256: string };
  runs: TableRun[];
}

const ROOT = repoRoot();
const REF = JSON.parse(readFileSync(join(ROOT, 'src', 'cli', 'vw_reference_tables.json'), 'utf8')) as Reference;


const replay = runReplay;

/** stderr from the table's header through `total feature number = …`, as hashed for VW. */
function table(stderr: string): string {
  const lines = stderr.split('\n');
  const from = lines.findIndex((l) => l.startsWith('average  since'));
  const to = lines.findIndex((l) => l.startsWith('total feature number'));
  assert.ok(from >= 0 && to > from, `no progress table and summary in:\n${stderr.slice(-2000)}`);
  return lines.slice(from, to + 1).join('\n') + '\n';
}

test(`replay's progress table, summary and --rank_all scores equal VW ${REF.vwVersion}'s over ${REF.sim.events} events`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'personalizer-table-'));
  try {
    const data = join(dir, 'sim.dsjson');
    writeSimFile(data, REF.sim.events, REF.sim.seed);
    assert.equal(sha256(readFileSync(data)), REF.sim.sha256, 'the simulation no longer generates the file VW was run on');
    for (const run of REF.runs) {
      const preds = join(dir, `${run.name}.preds`);
      const r = await replay(['--dsjson', data, '--policy', run.policy, '-p', preds]);
      assert.equal(r.code, 0, `${run.name}: ${r.stderr.slice(-1000)}`);
      const ours = table(r.stderr);
      for (const row of run.sampleRows ?? []) assert.ok(ours.split('\n').includes(row), `${run.name}: VW's row\n${row}\nis not in\n${ours}`);
      assert.equal(ours.split('\n').filter((l) => /^\S+ +\S+ +\d+ +\d+\.\d /.test(l)).length, run.rows, `${run.name}: rows`);
      assert.equal(sha256(ours), run.table, `${run.name}: the table differs from VW's:\n${ours}`);
      if (run.preds) assert.equal(sha256(readFileSync(preds)), run.preds, `${run.name}: -p differs from VW's`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
