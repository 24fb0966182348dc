// GET /dashboard/api/overview against a real server: the figures of a known traffic (computed from the API's own
// Rank answers: testing/dashboard_traffic.ts) and every bad parameter answered 400 in Azure's shape; the data
// route needs the key, the pages do not (and carry a policy forbidding other hosts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, startServerProcess, type ServerProcess } from '../test_server.js';
import { driveTraffic, type Expected } from '../../testing/dashboard_traffic.js';

let server: ServerProcess;
let expected: Expected;
let start: number;

before(async () => {
  server = await startServerProcess();
  start = Date.now();
  // 60 events; every fifth is never rewarded (it stays unjoined: the reward wait is the default 10 minutes).
  expected = await driveTraffic(server, 60, { seed: 7, unrewarded: (i) => i % 5 === 4 });
});
after(() => server?.stop());

const close = (a: number | null, b: number, what: string) => assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${what}: ${a} ≠ ${b}`);

test('the overview reports the known traffic exactly: counts, online reward, Baseline1 and random IPS, exploration', async () => {
  const from = new Date(start - 120_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const r = await call(server, 'GET', `/dashboard/api/overview?from=${from}&to=${to}&interval=1`);
  assert.equal(r.status, 200, r.text);
  const o = r.json;
  assert.equal(o.interval, 1);
  const t = o.totals;
  assert.equal(t.ranked, 60);
  assert.equal(t.joined, expected.rewarded);
  assert.equal(t.rewarded, 48);
  assert.equal(t.skipped, 0);
  assert.equal(t.explored, expected.explored);
  close(t.online.value, expected.rewardSum / expected.rewarded, 'online');
  close(t.baseline1.value, expected.baselineIps / expected.rewarded, 'baseline1');
  close(t.random.value, expected.randomIps / expected.rewarded, 'random');
  close(t.explorationShare, expected.explored / expected.rewarded, 'exploration share');
  assert.ok(t.online.ci95 > 0);
  // The series adds up to the totals, one entry per minute of the range.
  const s = o.series;
  assert.equal(s.time.length, Math.ceil(Date.parse(to) / 60_000) - Math.floor(Date.parse(from) / 60_000));
  assert.equal(s.time[0], Math.floor(Date.parse(from) / 60_000) * 60);
  assert.equal(s.ranked.reduce((a: number, b: number) => a + b, 0), 60);
  assert.equal(s.joined.reduce((a: number, b: number) => a + b, 0), expected.rewarded);
  // What the loop reports everywhere else.
  assert.equal(o.loop.eventsRanked, 60);
  assert.equal(o.loop.eventsJoined, 48);
  assert.equal(o.loop.rewardsReceived, 48);
  assert.ok(o.loop.modelVersion >= 1);
  // Rank latency from the metrics histogram: 60 Ranks seen.
  assert.equal(o.rank.sinceStart.requests, 60);
  assert.ok(o.rank.sinceStart.p99 > 0 && o.rank.sinceStart.p99 >= o.rank.sinceStart.p50);
});

test('a range outside the traffic is empty; wider intervals sum the same events', async () => {
  const empty = await call(server, 'GET', `/dashboard/api/overview?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`);
  assert.equal(empty.status, 200, empty.text);
  assert.equal(empty.json.totals.ranked, 0);
  assert.equal(empty.json.totals.online.value, null);
  assert.equal(empty.json.interval, 15, 'a day in at most 240 buckets: 15 minutes');
  const day = await call(server, 'GET', `/dashboard/api/overview?from=${new Date(start - 86_400_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}&interval=60`);
  assert.equal(day.status, 200, day.text);
  assert.equal(day.json.totals.ranked, 60);
  assert.equal(day.json.series.ranked.reduce((a: number, b: number) => a + b, 0), 60);
  // Hourly buckets start at whole UTC hours.
  assert.ok(day.json.series.time.every((t: number) => t % 3600 === 0));
  assert.equal(Date.parse(day.json.from) % 3_600_000, 0);
  // Without parameters: the last hour.
  const last = await call(server, 'GET', '/dashboard/api/overview');
  assert.equal(last.json.totals.ranked, 60);
  assert.equal(last.json.interval, 1);
});

test('bad parameters are answered 400 BadRequest in Azure error shape, naming the problem', async () => {
  const cases: Array<[string, RegExp]> = [
    ['from=yesterday', /from must be an ISO-8601 date-time/],
    ['from=2024-01-01T00:00:00', /time zone/],
    ['from=2024-02-30T00:00:00Z&to=2024-03-01T00:00:00Z', /from/],
    ['from=2024-01-02T00:00:00Z&to=2024-01-01T00:00:00Z', /from must be before to/],
    ['from=2024-01-01T00:00:00Z&to=2024-01-01T00:00:00Z', /from must be before to/],
    ['from=2020-01-01T00:00:00Z&to=2024-01-01T00:00:00Z', /longer than 92 days/],
    ['interval=7', /interval must be one of 1, 5, 15, 60, 360, 1440/],
    ['interval=-1', /interval must be one of/],
    ['interval=1.5', /interval must be one of/],
    ['from=2024-01-01T00:00:00Z&to=2024-03-01T00:00:00Z&interval=1', /at most 1000/],
    ['interval=5&interval=5', /more than once/],
    ['colour=blue', /Unknown parameter colour/],
  ];
  for (const [query, message] of cases) {
    const r = await call(server, 'GET', `/dashboard/api/overview?${query}`);
    assert.equal(r.status, 400, `${query}: ${r.text}`);
    assert.equal(r.json.error.code, 'BadRequest', query);
    assert.match(r.json.error.message, message, query);
  }
});

test('the data route needs the key; the pages are public, local-only by policy, and / links to them', async () => {
  assert.equal((await call(server, 'GET', '/dashboard/api/overview', { key: null })).status, 401);
  const wrong = await call(server, 'GET', '/dashboard/api/overview', { key: 'not-the-key' });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.json.error.code, '401');
  const page = await call(server, 'GET', '/dashboard', { key: null });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type')!, /text\/html/);
  assert.match(page.headers.get('content-security-policy')!, /default-src 'none'.*connect-src 'self'/);
  assert.match(page.text, /uPlot\.iife\.min\.js/);
  const chart = await call(server, 'GET', '/dashboard/assets/uPlot.iife.min.js', { key: null });
  assert.equal(chart.status, 200);
  assert.match(chart.headers.get('content-type')!, /javascript/);
  assert.ok(chart.text.length > 10_000);
  assert.equal((await call(server, 'GET', '/dashboard/assets/..%2Fpackage.json', { key: null })).status, 404);
  assert.equal((await call(server, 'GET', '/dashboard/assets/nope.js', { key: null })).status, 404);
  const home = await call(server, 'GET', '/', { key: null });
  assert.match(home.text, /href="\/dashboard"/);
});
