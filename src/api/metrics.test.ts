// GET /metrics against a real server process: known traffic, then the text exposition format is parsed and the
// figures checked exactly (counts by route pattern and status, the histogram's count, the loop's counters).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings } from '../settings/index.js';
import { call, startServerProcess, type ServerProcess } from './test_server.js';

const V1 = '/personalizer/v1.0';
const RANK_ROUTE = `${V1}/rank`;
const REWARD_ROUTE = `${V1}/events/:eventId/reward`;

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

// Prometheus text format 0.0.4: `# HELP name text`, `# TYPE name type`, or `name{l="v",…} value`. prom-client
// writes NaN as `Nan` (an event-loop lag not sampled yet); Prometheus reads values with Go's ParseFloat, which takes
// any case.
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? (-?[0-9.eE+-]+|[Nn]a[Nn]|[+-]Inf)$/;
const COMMENT = /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/;

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      assert.match(line, COMMENT);
      continue;
    }
    const m = SAMPLE.exec(line);
    assert.ok(m, `not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the one sample with this name whose labels include `labels`; undefined when there is none. */
function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`);
  return found[0]?.value;
}

async function scrape(server: ServerProcess, key: string | null = null): Promise<Sample[]> {
  const answer = await call(server, 'GET', '/metrics', { key });
  assert.equal(answer.status, 200, answer.text);
  assert.match(answer.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(answer.text);
}

const rankBody = (i: number) => ({
  contextFeatures: [{ user: { n: i } }],
  actions: [
    { id: 'a', features: [{ x: 1 }] },
    { id: 'b', features: [{ x: 2 }] },
  ],
});

describe('GET /metrics after known traffic', () => {
  let server: ServerProcess;
  let samples: Sample[];

  before(async () => {
    server = await startServerProcess();
    const eventIds: string[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await call(server, 'POST', `${V1}/rank`, { body: rankBody(i) });
      assert.equal(r.status, 201, r.text);
      eventIds.push(r.json.eventId);
    }
    for (const id of eventIds.slice(0, 3)) {
      assert.equal((await call(server, 'POST', `${V1}/events/${id}/reward`, { body: { value: 1 } })).status, 204);
    }
    // For an eventId never ranked: accepted (Azure did too), counted apart.
    assert.equal((await call(server, 'POST', `${V1}/events/abc/reward`, { body: { value: 0.5 } })).status, 204);
    // A 400 on the reward route and a 401 on the rank route.
    const bad = await call(server, 'POST', `${V1}/events/abc/reward`, { body: { value: 7 } });
    assert.equal(bad.status, 400, bad.text);
    const unkeyed = await call(server, 'POST', `${V1}/rank`, { body: rankBody(0), key: null });
    assert.equal(unkeyed.status, 401, unkeyed.text);
    samples = await scrape(server);
  });
  after(async () => {
    await server.stop();
  });

  test('the loop counts: 7 ranked, 3 rewards, 1 for an unknown event', () => {
    assert.equal(value(samples, 'personalizer_events_ranked_total'), 7);
    assert.equal(value(samples, 'personalizer_rewards_received_total'), 3);
    assert.equal(value(samples, 'personalizer_rewards_unknown_event_total'), 1);
    assert.equal(value(samples, 'personalizer_rewards_late_total'), 0);
    assert.equal(value(samples, 'personalizer_events_defaulted_total'), 0);
    assert.equal(value(samples, 'personalizer_evaluation_jobs', { status: 'pending' }), 0);
    assert.equal(value(samples, 'personalizer_evaluation_jobs', { status: 'running' }), 0);
  });

  test('requests by route pattern, method and status, the histogram counting the same requests', () => {
    const expected: Array<[route: string, method: string, status: string, count: number]> = [
      [RANK_ROUTE, 'POST', '201', 7],
      [RANK_ROUTE, 'POST', '401', 1],
      [REWARD_ROUTE, 'POST', '204', 4],
      [REWARD_ROUTE, 'POST', '400', 1],
    ];
    for (const [route, method, status_code, count] of expected) {
      const labels = { route, method, status_code };
      assert.equal(value(samples, 'personalizer_http_requests_total', labels), count, JSON.stringify(labels));
      assert.equal(value(samples, 'personalizer_http_request_duration_seconds_count', labels), count, JSON.stringify(labels));
      assert.equal(value(samples, 'personalizer_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' }), count);
      const sum = value(samples, 'personalizer_http_request_duration_seconds_sum', labels)!;
      assert.ok(sum > 0 && sum < count * 10, `${sum} s for ${count} requests`);
    }
    // Only patterns: no series names the eventIds that were sent.
    const routes = new Set(samples.filter((s) => s.name === 'personalizer_http_requests_total').map((s) => s.labels.route));
    assert.ok(![...routes].some((r) => r!.includes('abc')), [...routes].join(' '));
    // The scrape itself is counted once it is answered: not in its own figures.
    assert.equal(value(samples, 'personalizer_http_requests_total', { route: '/metrics' }), undefined);
  });

  test('model, store and process figures', () => {
    assert.equal(value(samples, 'personalizer_model_version'), 1);
    const age = value(samples, 'personalizer_model_age_seconds')!;
    assert.ok(age >= 0 && age < 120, String(age));
    // A fresh SQLite store with 7 events: at least its header page, and far below a megabyte … times ten.
    const bytes = value(samples, 'personalizer_store_size_bytes')!;
    assert.ok(bytes >= 4096 && bytes < 10 * 1024 * 1024, String(bytes));
    assert.ok(value(samples, 'process_cpu_user_seconds_total')! > 0);
    assert.ok(value(samples, 'nodejs_heap_size_used_bytes')! > 1024 * 1024);
  });

  test('a second scrape counts the first under the /metrics route', async () => {
    const again = await scrape(server);
    assert.equal(value(again, 'personalizer_http_requests_total', { route: '/metrics', method: 'GET', status_code: '200' }), 1);
    assert.equal(value(again, 'personalizer_events_ranked_total'), 7);
  });
});

describe('joins, defaults, late rewards and the trainer', () => {
  let server: ServerProcess;
  after(async () => {
    await server?.stop();
  });

  test('an event left without reward is joined with the default reward; a reward after its window is late', async () => {
    server = await startServerProcess();
    const cfg = (await call(server, 'GET', `${V1}/configurations/service`)).json;
    const put = await call(server, 'PUT', `${V1}/configurations/service`, {
      body: { ...cfg, rewardWaitTime: 'PT1S', rewardAggregation: 'earliest' },
    });
    assert.equal(put.status, 200, put.text);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await call(server, 'POST', `${V1}/rank`, { body: rankBody(i) })).json.eventId);
    // The first is joined at once (earliest); the other two wait for their window to close.
    assert.equal((await call(server, 'POST', `${V1}/events/${ids[0]}/reward`, { body: { value: 1 } })).status, 204);
    let samples: Sample[] = [];
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      samples = await scrape(server);
      if (value(samples, 'personalizer_events_joined_total') === 3 && value(samples, 'personalizer_events_learned_total') === 3) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(value(samples, 'personalizer_events_joined_total'), 3);
    assert.equal(value(samples, 'personalizer_events_defaulted_total'), 2);
    assert.equal(value(samples, 'personalizer_events_learned_total'), 3);
    assert.equal(value(samples, 'personalizer_trainer_lag_events'), 0);
    assert.equal(value(samples, 'personalizer_trainer_lag_seconds'), 0);
    // Past the window, and for an event already joined: both stored, never learned.
    assert.equal((await call(server, 'POST', `${V1}/events/${ids[1]}/reward`, { body: { value: 1 } })).status, 204);
    assert.equal((await call(server, 'POST', `${V1}/events/${ids[0]}/reward`, { body: { value: 0 } })).status, 204);
    samples = await scrape(server);
    assert.equal(value(samples, 'personalizer_rewards_received_total'), 3);
    assert.equal(value(samples, 'personalizer_rewards_late_total'), 2);
    assert.equal(value(samples, 'personalizer_events_defaulted_total'), 2);
  });
});

describe('Metrics:RequireKey', () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServerProcess({ args: ['Metrics:RequireKey=true'] });
  });
  after(async () => {
    await server.stop();
  });

  test('without the key: 401 in the gateway shape; with it: the metrics', async () => {
    const missing = await call(server, 'GET', '/metrics', { key: null });
    assert.equal(missing.status, 401, missing.text);
    assert.equal(missing.json.error.code, '401');
    const wrong = await call(server, 'GET', '/metrics', { key: 'not-the-key' });
    assert.equal(wrong.status, 401);
    const samples = await scrape(server, server.key);
    assert.equal(value(samples, 'personalizer_events_ranked_total'), 0);
    // The refused scrapes are counted under their route.
    assert.equal(value(samples, 'personalizer_http_requests_total', { route: '/metrics', method: 'GET', status_code: '401' }), 2);
  });

  test('the setting takes true or false only', () => {
    assert.equal(parseSettings(['Eula=accept', 'ApiKey=k']).metricsRequireKey, false);
    assert.equal(parseSettings(['Eula=accept', 'ApiKey=k', 'Metrics:RequireKey=True']).metricsRequireKey, true);
    assert.throws(() => parseSettings(['Eula=accept', 'ApiKey=k', 'Metrics:RequireKey=yes']), /Metrics:RequireKey must be true or false/);
  });
});
