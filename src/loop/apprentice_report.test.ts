import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK, emptyReport, MAX_BLOCKS, parseReport, record, RECENT_EVENTS, scoreEvent, servedReport } from './apprentice_report.js';

test('apprentice: agreement needs a strict preference for the baseline; the estimate is minus the best cost', () => {
  assert.deepEqual(scoreEvent([-0.5, -0.2, 0], 0), { agreed: true, estimatedReward: 0.5 });
  assert.deepEqual(scoreEvent([-0.5, -0.9, 0], 0), { agreed: false, estimatedReward: 0.9 });
  // A fresh model scores every action 0: no preference, no agreement.
  assert.equal(scoreEvent([0, 0, 0], 0).agreed, false);
  assert.equal(scoreEvent([-1, -1, 0], 0).agreed, false);
  // One action: nothing to disagree about.
  assert.equal(scoreEvent([0], 0).agreed, true);
});

test('apprentice: totals, blocks of BLOCK events, the recent window, and no event counted twice', () => {
  const r = emptyReport(1000);
  let seq = 0;
  for (let i = 0; i < 2500; i++) {
    // Agreement rises block by block: block b agrees on b × 4 of its 100 events.
    const block = Math.floor(i / BLOCK);
    assert.equal(record(r, ++seq, { agreed: i % BLOCK < block * 4, estimatedReward: 0.5, baselineReward: i % 2 }, 2000 + i), true);
  }
  assert.equal(record(r, 2500, { agreed: true, estimatedReward: 1, baselineReward: 1 }, 9999), false, 'a joinSeq already counted');
  assert.equal(record(r, 17, { agreed: true, estimatedReward: 1, baselineReward: 1 }, 9999), false);
  assert.equal(r.totals.events, 2500);
  const served = servedReport(r, 'Apprentice');
  assert.equal(served.events, 2500);
  assert.equal(served.history.length, 25);
  assert.deepEqual(served.history.slice(0, 3).map((h) => h.agreement), [0, 0.04, 0.08]);
  assert.equal(served.recent.events, RECENT_EVENTS);
  // The last 10 blocks (15 … 24) agree on 60 … 96 of 100.
  assert.ok(Math.abs(served.recent.agreement - (60 + 96) / 2 / 100) < 1e-12);
  assert.equal(served.averageBaselineReward, 0.5);
  assert.equal(served.averageEstimatedReward, 0.5);
  assert.equal(served.since, new Date(2000).toISOString());
  assert.equal(served.lastUpdated, new Date(4499).toISOString());
  // Stored as JSON and read back the same; a foreign value starts afresh.
  assert.deepEqual(parseReport(JSON.parse(JSON.stringify(r))), r);
  assert.equal(parseReport({ cursor: 'x' }), null);
  assert.equal(parseReport(null), null);
});

test('apprentice: the curve keeps MAX_BLOCKS points', () => {
  const r = emptyReport(0);
  for (let i = 1; i <= (MAX_BLOCKS + 5) * BLOCK; i++) record(r, i, { agreed: true, estimatedReward: 0, baselineReward: 0 }, i);
  assert.equal(r.blocks.length, MAX_BLOCKS);
  assert.equal(r.totals.events, (MAX_BLOCKS + 5) * BLOCK);
});
