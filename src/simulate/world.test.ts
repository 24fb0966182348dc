import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_SCENARIOS } from './builtin.js';
import { validateScenario } from './scenario.js';
import { World } from './world.js';

const news = validateScenario(BUILTIN_SCENARIOS['news']!);

test('an event depends on the seed and its index only, not on the order events are made in', () => {
  const a = new World(news, 7);
  const b = new World(news, 7);
  const forward = Array.from({ length: 200 }, (_, i) => a.event(i));
  const backward = Array.from({ length: 200 }, (_, i) => b.event(199 - i)).reverse();
  assert.deepEqual(forward, backward);
  const other = Array.from({ length: 200 }, (_, i) => new World(news, 8).event(i));
  const same = other.filter((e, i) => e.segment === forward[i]!.segment && e.rewards.join() === forward[i]!.rewards.join()).length;
  assert.ok(same < 150, `seed 8 repeats ${same} of seed 7's 200 events`);
});

test('the clock, segments and devices follow the scenario', () => {
  const w = new World(news, 1);
  // 1,500 events a day from 06:00: event 0 is in the morning, event 750 at 18:00 (evening), 1,125 at midnight.
  assert.equal(w.event(0).timeOfDay, 'morning');
  assert.equal(w.event(750).timeOfDay, 'evening');
  assert.equal(w.event(1125).timeOfDay, 'night');
  const morning = Array.from({ length: 375 }, (_, i) => w.event(i));
  const share = (seg: string, es: typeof morning) => es.filter((e) => e.segment === seg).length / es.length;
  // Morning activity: commuter 3×3, student 2×0.3, professional 3×1, retiree 2×2 → commuters 9/16.6 = 0.54.
  assert.ok(Math.abs(share('commuter', morning) - 0.54) < 0.08, `commuters in the morning: ${share('commuter', morning)}`);
  assert.ok(share('student', morning) < 0.1);
  const commuters = morning.filter((e) => e.segment === 'commuter');
  assert.ok(commuters.every((e) => e.device === 'mobile' || e.device === 'tablet'), 'commuters only use mobile or tablet');
  const e = w.event(3);
  assert.deepEqual(e.contextFeatures[1], { device: { type: e.device } });
  assert.deepEqual(e.contextFeatures[2], { time: { partOfDay: e.timeOfDay, day: e.day } });
  assert.equal(w.rankActions[0]!.id, 'editors-pick');
});

test('the hidden reward: clicks follow the expected rates, the oracle beats the baseline, drift moves them', () => {
  const w = new World(news, 3);
  const n = 4000;
  let clicks = 0;
  let expected = 0;
  let oracle = 0;
  let baseline = 0;
  for (let i = 0; i < n; i++) {
    const e = w.event(i);
    clicks += e.rewards[0]!;
    expected += e.expected[0]!;
    oracle += Math.max(...e.expected);
    baseline += e.expected[0]!;
  }
  // The noise (σ 0.5 on the logit) moves the click rate a little off σ(logit); within 0.03 over 4,000 draws.
  assert.ok(Math.abs(clicks / n - expected / n) < 0.03, `clicks ${clicks / n} vs expected ${expected / n}`);
  assert.ok(oracle / n > baseline / n + 0.3, `oracle ${oracle / n}, baseline ${baseline / n}`);
  // Sport loses 0.1 on the logit per 1,000 events: the same simulated day, ten days (15,000 events) later.
  const sport = news.actions.findIndex((a) => a.id === 'sport-results');
  let before = 0;
  let after = 0;
  for (let i = 0; i < 1500; i++) {
    before += w.event(i).expected[sport]!;
    after += w.event(i + 15_000).expected[sport]!;
  }
  assert.ok(after < before, `sport's expected reward should fade: ${before / 1500} → ${after / 1500}`);
});
