// DefaultPolicy: `recommended` unless given; a preset name or VW arguments, checked as PUT policy would check them;
// anything else stops the start naming the setting. Through a real process: api/policy_presets.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY_ARGUMENTS, POLICY_PRESETS } from '../engine/index.js';
import { parseSettings, SETTING_NAMES } from './index.js';
import { refusal } from './settings.fixtures.js';

const base = ['Eula=accept', 'ApiKey=k1'];
const preset = (name: string): { name: string; arguments: string } => {
  const p = POLICY_PRESETS.find((x) => x.name === name)!;
  return { name: p.name, arguments: p.arguments };
};

test('DefaultPolicy: recommended by default; a preset name, as argument or environment variable; VW arguments under "default"', () => {
  assert.ok(SETTING_NAMES.includes('DefaultPolicy'));
  assert.deepEqual(parseSettings(base, {}).defaultPolicy, preset('recommended'));
  assert.deepEqual(parseSettings([...base, 'DefaultPolicy=azure-default'], {}).defaultPolicy, { name: 'azure-default', arguments: DEFAULT_POLICY_ARGUMENTS });
  assert.deepEqual(parseSettings(base, { DefaultPolicy: 'softmax' }).defaultPolicy, preset('softmax'));
  assert.deepEqual(parseSettings([...base, 'defaultpolicy=bag'], { DefaultPolicy: 'softmax' }).defaultPolicy, preset('bag'));
  assert.deepEqual(parseSettings([...base, 'DefaultPolicy=--cb_explore_adf --epsilon 0.1 -q ::'], {}).defaultPolicy, {
    name: 'default',
    arguments: '--cb_explore_adf --epsilon 0.1 -q ::',
  });
  // An empty value is not given, as for every setting.
  assert.deepEqual(parseSettings([...base, 'DefaultPolicy='], {}).defaultPolicy, preset('recommended'));
});

test('a DefaultPolicy that a PUT would refuse stops the start, naming the setting and the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['recomended', /'recomended' is neither VW arguments nor a policy preset \(azure-default, recommended/],
    ['--cb_explore_adf -l 1e39', /-l: '1e39'/],
    ['--cb_adf -q ::', /--cb_explore_adf/],
    ['--cb_explore_adf -b 30', /--bit_precision: at most 24/],
    ['--cb_explore_adf --softmax --regcb', /choose one explorer/],
  ];
  for (const [value, message] of cases) {
    const e = refusal([...base, `DefaultPolicy=${value}`]);
    assert.equal(e.setting, 'DefaultPolicy');
    assert.match(e.message, /^DefaultPolicy must be a policy preset name or VW arguments/);
    assert.match(e.message, message, value);
  }
});
