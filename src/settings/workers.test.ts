import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { parseSettings } from './index.js';
import { refusal } from './settings.fixtures.js';
import { WORKERS_PER_CPU } from './workers.js';

const base = ['Eula=accept', 'ApiKey=k1'];

test('Workers: 1 by default; an argument or the environment sets it', () => {
  assert.equal(parseSettings(base, {}).workers, 1);
  assert.equal(parseSettings([...base, 'Workers=2'], {}).workers, 2);
  assert.equal(parseSettings(base, { WORKERS: '3' }).workers, 3);
  assert.equal(parseSettings([...base, 'workers=2'], { Workers: '3' }).workers, 2);
  const max = availableParallelism() * WORKERS_PER_CPU;
  assert.equal(parseSettings([...base, `Workers=${max}`], {}).workers, max);
});

test('Workers: anything but an integer from 1 to 4 per CPU is refused, naming the bound', () => {
  const max = availableParallelism() * WORKERS_PER_CPU;
  for (const bad of ['0', '-1', '1.5', 'two', String(max + 1), '1e3']) {
    const e = refusal([...base, `Workers=${bad}`]);
    assert.equal(e.setting, 'Workers');
    assert.equal(e.message, `Workers must be an integer between 1 and ${max} (${WORKERS_PER_CPU} per CPU of the ${availableParallelism()} this process may use)`, bad);
  }
});
