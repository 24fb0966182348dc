import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings } from './index.js';
import { refusal } from './settings.fixtures.js';
import { TokenBucket } from '../api/quotas.js';

const base = ['Eula=accept', 'ApiKey=k1'];

test('quotas: no rate limit and 1000 in flight by default; a burst of one second by default; refusals naming the setting', () => {
  const d = parseSettings(base, {});
  assert.deepEqual([d.rateLimit, d.rateLimitBurst, d.maxRequestsInFlight], [undefined, undefined, 1000]);
  const s = parseSettings([...base, 'RateLimit=2.5', 'MaxRequestsInFlight=0'], {});
  assert.deepEqual([s.rateLimit, s.rateLimitBurst, s.maxRequestsInFlight], [2.5, 3, 0]);
  const slow = parseSettings([...base, 'RateLimit=0.1'], { RateLimit__Burst: '7' });
  assert.deepEqual([slow.rateLimit, slow.rateLimitBurst], [0.1, 7]);
  assert.equal(parseSettings([...base, 'RateLimit=0.1'], {}).rateLimitBurst, 1);
  for (const [args, setting] of [
    [['RateLimit=0'], 'RateLimit'],
    [['RateLimit=-1'], 'RateLimit'],
    [['RateLimit=fast'], 'RateLimit'],
    [['RateLimit=1e9'], 'RateLimit'],
    [['RateLimit=5', 'RateLimit:Burst=0'], 'RateLimit:Burst'],
    [['RateLimit=5', 'RateLimit:Burst=2.5'], 'RateLimit:Burst'],
    [['RateLimit:Burst=10'], 'RateLimit:Burst'],
    [['MaxRequestsInFlight=-1'], 'MaxRequestsInFlight'],
    [['MaxRequestsInFlight=many'], 'MaxRequestsInFlight'],
  ] as const) {
    const refused = refusal([...base, ...args]);
    assert.equal(refused.setting, setting, args.join(' '));
    assert.ok(refused.message.startsWith(setting), refused.message);
  }
});

test('token bucket: a full burst, then the whole seconds until the next token; refilled at the rate, never beyond the burst', () => {
  const b = new TokenBucket(0.5, 2, 0);
  assert.deepEqual([b.take(0), b.take(0)], [0, 0]);
  assert.equal(b.take(0), 2, 'one token in 2 s');
  assert.equal(b.take(1500), 1, '0.75 token: 0.5 s left, said as 1 s');
  assert.equal(b.take(2000), 0);
  // A long quiet spell refills the burst, no more.
  assert.deepEqual([b.take(1e6), b.take(1e6), b.take(1e6) > 0], [0, 0, true]);
  const fast = new TokenBucket(100, 1, 0);
  assert.equal(fast.take(0), 0);
  assert.equal(fast.take(1), 1, 'at least 1 s, as Retry-After is whole seconds');
  assert.equal(fast.take(20), 0);
});
