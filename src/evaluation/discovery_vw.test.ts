// Optimization discovery scores a candidate exactly as `vw --cb_adf --dsjson` does, on the public 20k simulation
// (../shared/vw-vectors): the first round of the search (the base and its Hyper1 neighbours) against VW 9.10's own
// average loss for the arguments of ../shared/vw-vectors/offline (ips, mtr, dr with -q :: --power_t 0 -l 0.001),
// and against what `personalizer replay --policy "<cb_adf args>"` prints for the other candidates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { discoverPolicies } from './discovery.js';
import { runPassInProcess, type RunPasses } from './evaluate.js';
import { NO_SHARED, vectorsDir, absent } from '../testing/fixtures.js';
import { loggedEventsFromDsjson } from '../testing/dsjson_events.js';
import { runReplay } from '../testing/replay_cli.js';

class Stop extends Error {}

test('sim-20k: every candidate of the first search round has VW\'s --cb_adf average loss', async (t) => {
  const vectors = vectorsDir();
  if (!vectors) return absent(t, NO_SHARED);
  const log = join(vectors, 'sim-20k.dsjson.gz');
  const events = await loggedEventsFromDsjson(log);
  assert.equal(events.length, 20000);
  // Record the first pass, then stop the search.
  const scored = new Map<string, number>();
  const firstPassOnly: RunPasses = async (ev, policies, options) => {
    if (scored.size > 0) throw new Stop();
    const r = await runPassInProcess(ev, policies, options);
    policies.forEach((p, i) => scored.set(p.arguments, r.policies[i]!.averageLoss));
    return r;
  };
  const online = '--cb_explore_adf --epsilon 0.2 --cb_type ips -q :: --power_t 0 -l 0.001';
  await assert.rejects(discoverPolicies(events, online, firstPassOnly), Stop);
  assert.deepEqual([...scored.keys()], [
    '--cb_adf --cb_type ips --learning_rate 0.001 --power_t 0 --quadratic ::',
    '--cb_adf --cb_type ips --learning_rate 0.01 --power_t 0 --quadratic ::',
    '--cb_adf --cb_type ips --learning_rate 0.1 --power_t 0 --quadratic ::',
    '--cb_adf --cb_type ips --learning_rate 0.0001 --power_t 0 --quadratic ::',
    '--cb_adf --cb_type mtr --learning_rate 0.001 --power_t 0 --quadratic ::',
    '--cb_adf --cb_type dr --learning_rate 0.001 --power_t 0 --quadratic ::',
    '--cb_adf --cb_type ips --learning_rate 0.01 --power_t 0.5 --quadratic ::',
  ]);

  // VW 9.10's own figures (offline/results.json: −0.626190 ips, −0.527619 mtr, −0.642535 dr).
  const vw = JSON.parse(readFileSync(join(vectors, 'offline', 'results.json'), 'utf8')) as Record<string, { vw_average_loss: number }>;
  for (const cbType of ['ips', 'mtr', 'dr']) {
    const ours = scored.get(`--cb_adf --cb_type ${cbType} --learning_rate 0.001 --power_t 0 --quadratic ::`)!;
    const ref = vw[cbType]!.vw_average_loss;
    assert.equal(ours.toFixed(6), ref.toFixed(6), `${cbType}: ${ours} vs VW ${ref}`);
  }
  // The others: what the replay command prints for the same arguments (6 decimals).
  for (const [args, ours] of scored) {
    if (args.includes('--learning_rate 0.001 --power_t 0 ')) continue;
    const r = await runReplay(['--dsjson', log, '--policy', args]);
    assert.equal(r.code, 0, r.stderr);
    const printed = /^average loss = (\S+)$/m.exec(r.stderr)![1];
    assert.equal(ours.toFixed(6), printed, `${args}: ${ours} vs replay ${printed}`);
  }
});
