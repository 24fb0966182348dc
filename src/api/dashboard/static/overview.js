// The overview page: the loop's figures for a time range, from GET /dashboard/api/overview (aggregates the server
// keeps; the browser only draws them), refreshed every 5 s while "Refresh" is on.
import { api } from './api.js';
import { TimeChart } from './charts.js';
import { count, duration, el, estimate, fromLocalInput, ms, num, pct, toLocalInput, utc } from './format.js';

const PRESETS = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3 };
const REFRESH_MS = 5000;

let charts = null;
let timer = null;
let active = false;

const $ = (id) => document.getElementById(id);

function range() {
  const preset = $('range-preset').value;
  if (preset === 'custom') {
    const from = fromLocalInput($('range-from').value);
    const to = fromLocalInput($('range-to').value);
    return from && to ? { from, to } : null;
  }
  const to = Date.now();
  return { from: new Date(to - PRESETS[preset]).toISOString(), to: new Date(to).toISOString() };
}

function setText(id, text) {
  $(id).textContent = text;
}

function render(o) {
  const t = o.totals;
  setText('total-ranked', count(t.ranked));
  setText('total-rewarded', count(t.rewarded));
  setText('total-joined', count(t.joined));
  setText('loop-learned', count(o.loop.eventsLearned));
  setText('total-online', estimate(t.online));
  setText('total-baseline1', estimate(t.baseline1));
  setText('total-random', estimate(t.random));
  setText('total-exploration', pct(t.explorationShare));
  const r = o.rank.recent;
  setText('rank-latency', r.requests > 0 ? `${ms(r.p50)} / ${ms(r.p99)}` : '–');
  setText('rank-throughput', r.perSecond === null ? '–' : `${r.perSecond.toFixed(1)} /s`);
  setText('model-age', `v${o.loop.modelVersion} · ${duration(o.loop.modelAgeSeconds)}`);
  setText('last-export', utc(o.loop.lastExport));
  setText('trainer-lag', `${count(o.loop.trainerLagEvents)} events`);
  const s = o.series;
  charts.reward.update([s.time, s.online, s.baseline1, s.random]);
  charts.events.update([s.time, s.ranked, s.joined, s.rewarded]);
  charts.exploration.update([s.time, s.explorationShare]);
  renderTable(s, o.interval);
  setText('updated', `Updated ${new Date().toISOString().slice(11, 19)} UTC · ${o.interval}-minute intervals`);
}

function renderTable(s, interval) {
  const table = $('series-table');
  const cols = ['Start (UTC)', 'Ranked', 'Joined', 'Rewarded', 'Online', 'Baseline1', 'Random', 'Exploration'];
  table.tHead.replaceChildren(el('tr', {}, ...cols.map((c) => el('th', { scope: 'col', text: c }))));
  const rows = [];
  for (let i = 0; i < s.time.length; i++) {
    if (s.ranked[i] === 0 && s.joined[i] === 0) continue;
    rows.push(
      el('tr', { 'data-time': String(s.time[i]) },
        el('td', { text: new Date(s.time[i] * 1000).toISOString().slice(0, 16).replace('T', ' ') }),
        el('td', { text: String(s.ranked[i]) }),
        el('td', { text: String(s.joined[i]) }),
        el('td', { text: String(s.rewarded[i]) }),
        el('td', { text: num(s.online[i]) }),
        el('td', { text: num(s.baseline1[i]) }),
        el('td', { text: num(s.random[i]) }),
        el('td', { text: num(s.explorationShare[i]) }),
      ),
    );
  }
  table.tBodies[0].replaceChildren(...rows);
  table.dataset.interval = String(interval);
}

export async function refresh() {
  const r = range();
  if (r === null) {
    setText('overview-error', 'Choose both ends of the custom range.');
    return;
  }
  try {
    const o = await api(`/dashboard/api/overview?from=${encodeURIComponent(r.from)}&to=${encodeURIComponent(r.to)}`);
    setText('overview-error', '');
    render(o);
  } catch (e) {
    setText('overview-error', e.message);
  }
}

function schedule() {
  clearInterval(timer);
  timer = null;
  if (active && $('live').checked) timer = setInterval(refresh, REFRESH_MS);
}

export function initOverview() {
  charts = {
    reward: new TimeChart($('chart-reward'), { series: ['Online', 'Baseline1', 'Random'], yLabel: 'Average reward' }),
    events: new TimeChart($('chart-events'), { series: ['Ranked', 'Joined', 'Rewarded'], yLabel: 'Events' }),
    exploration: new TimeChart($('chart-exploration'), { series: ['Exploration share'], yLabel: 'Share', percent: true }),
  };
  $('range-preset').addEventListener('change', () => {
    const custom = $('range-preset').value === 'custom';
    $('custom-range').hidden = !custom;
    if (custom && !$('range-from').value) {
      $('range-from').value = toLocalInput(Date.now() - 86400e3);
      $('range-to').value = toLocalInput(Date.now());
    }
    if (!custom) refresh();
  });
  $('range').addEventListener('submit', (e) => {
    e.preventDefault();
    refresh();
  });
  $('refresh').addEventListener('click', refresh);
  $('live').addEventListener('change', schedule);
}

export function showOverview(show) {
  active = show;
  schedule();
  if (show) refresh();
}
