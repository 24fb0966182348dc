// The evaluations page: create one (range, custom policies, optimization discovery), follow its progress, compare
// each policy's estimate with its confidence interval, read feature importance, apply a policy. Everything goes
// through the API's own evaluation routes (v1.0 /evaluations, /configurations/applyFromEvaluation).
import { api, V1 } from './api.js';
import { el, fromLocalInput, num, toLocalInput, utc } from './format.js';

const $ = (id) => document.getElementById(id);
let selected = null;
let timer = null;
let active = false;

function parsePolicies(text) {
  const out = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const bar = line.indexOf('|');
    if (bar < 0) throw new Error(`Line ${i + 1}: write "name | arguments".`);
    out.push({ name: line.slice(0, bar).trim(), arguments: line.slice(bar + 1).trim() });
  }
  return out;
}

async function create(e) {
  e.preventDefault();
  const msg = $('evaluation-message');
  msg.className = '';
  try {
    const body = {
      name: $('ev-name').value.trim(),
      startTime: fromLocalInput($('ev-start').value),
      endTime: fromLocalInput($('ev-end').value),
      policies: parsePolicies($('ev-policies').value),
      enableOfflineExperimentation: $('ev-discovery').checked,
    };
    const ev = await api(`${V1}/evaluations`, { method: 'POST', body });
    msg.textContent = `Evaluation "${ev.name}" created (${ev.status}).`;
    msg.className = 'ok';
    selected = ev.id;
    await refresh();
  } catch (err) {
    msg.textContent = err.message;
    msg.className = 'error';
  }
}

function estimateBars(results) {
  const rows = results.filter((p) => p.totalSummary);
  if (rows.length === 0) return el('p', { class: 'muted', text: 'No estimates yet.' });
  const lo = Math.min(0, ...rows.map((p) => p.totalSummary.averageReward - p.totalSummary.confidenceInterval));
  const hi = Math.max(...rows.map((p) => p.totalSummary.averageReward + p.totalSummary.confidenceInterval), lo + 1e-9);
  const x = (v) => `${(((v - lo) / (hi - lo)) * 100).toFixed(2)}%`;
  const grid = el('div', { class: 'bars', role: 'list', 'aria-label': 'Average reward per policy, with 95 % confidence intervals' });
  for (const p of rows) {
    const { averageReward: v, confidenceInterval: ci } = p.totalSummary;
    const bar = el('span');
    bar.style.left = x(Math.min(0, v));
    bar.style.width = `calc(${x(Math.max(0, v))} - ${x(Math.min(0, v))})`;
    const whisker = el('i');
    whisker.style.left = x(v - ci);
    whisker.style.width = `calc(${x(v + ci)} - ${x(v - ci)})`;
    grid.append(
      el('span', { role: 'listitem', text: p.name, title: p.arguments }),
      el('div', { class: 'bar', 'aria-hidden': 'true' }, bar, whisker),
      el('span', { class: 'estimate', 'data-policy': p.name, text: `${num(v)} ± ${num(ci)}` }),
    );
  }
  return grid;
}

function importanceBars(ev) {
  const scores = (ev.featureScores ?? []).filter((s) => s.featureName === undefined);
  if (scores.length === 0) {
    if (ev.featureImportance?.length) return el('ol', {}, ...ev.featureImportance.map((g) => el('li', { text: g.join(', ') })));
    return el('p', { class: 'muted', text: 'No feature importance for this evaluation.' });
  }
  const grid = el('div', { class: 'bars', role: 'list', 'aria-label': 'Feature importance per namespace (0 … 100)' });
  for (const s of scores.sort((a, b) => b.score - a.score)) {
    const bar = el('span');
    bar.style.left = '0';
    bar.style.width = `${Math.max(0, Math.min(100, s.score))}%`;
    grid.append(el('span', { role: 'listitem', text: s.namespace }), el('div', { class: 'bar', 'aria-hidden': 'true' }, bar), el('span', { text: num(s.score, 1) }));
  }
  return grid;
}

async function apply(ev, policy) {
  if (!confirm(`Make policy "${policy}" of evaluation "${ev.name}" the live learning policy?`)) return;
  const msg = $('apply-message');
  try {
    await api(`${V1}/configurations/applyFromEvaluation`, { method: 'POST', body: { evaluationId: ev.id, policyName: policy } });
    msg.textContent = `Policy "${policy}" applied.`;
    msg.className = 'ok';
  } catch (err) {
    msg.textContent = err.message;
    msg.className = 'error';
  }
}

async function remove(ev) {
  if (!confirm(`Delete evaluation "${ev.name}"?`)) return;
  await api(`${V1}/evaluations/${encodeURIComponent(ev.id)}`, { method: 'DELETE' });
  selected = null;
  await refresh();
}

async function showDetail(id) {
  const box = $('evaluation-detail');
  let ev;
  try {
    ev = await api(`${V1}/evaluations/${encodeURIComponent(id)}`);
  } catch (err) {
    box.replaceChildren(el('p', { class: 'error', text: err.message }));
    return;
  }
  const parts = [
    el('h3', { text: ev.name }),
    el('p', { class: 'muted', text: `${utc(ev.startTime)} → ${utc(ev.endTime)} · ${ev.evaluationType} · status ${ev.status}${ev.eventCount !== undefined ? ` · ${ev.eventCount} events` : ''}` }),
  ];
  if (ev.progress) {
    parts.push(el('label', { for: 'ev-progress', text: `${ev.progress.stage}: ${(ev.progress.fraction * 100).toFixed(0)} %` }));
    parts.push(el('progress', { id: 'ev-progress', class: 'progress', max: '1', value: String(ev.progress.fraction) }));
  }
  if (ev.failureReason) parts.push(el('p', { class: 'error', text: ev.failureReason }));
  parts.push(el('h4', { text: 'Average reward per policy (95 % confidence interval)' }), estimateBars(ev.policyResults));
  if (ev.optimalPolicy) parts.push(el('p', { text: `Optimal policy: ${ev.optimalPolicy}` }));
  parts.push(el('h4', { text: 'Feature importance' }), importanceBars(ev));
  const done = ev.status === 'completed';
  const applyRow = el('p', {});
  if (done) {
    for (const p of ev.policyResults.filter((r) => r.name !== 'Baseline1' && r.name !== 'BaselineRand')) {
      applyRow.append(el('button', { type: 'button', text: `Apply ${p.name}…`, onclick: () => apply(ev, p.name) }), ' ');
    }
  }
  applyRow.append(el('button', { type: 'button', class: 'danger', text: 'Delete…', onclick: () => remove(ev) }));
  parts.push(applyRow, el('p', { id: 'apply-message', role: 'status' }));
  box.replaceChildren(...parts);
}

export async function refresh() {
  let list;
  try {
    list = await api(`${V1}/evaluations`);
  } catch (err) {
    $('evaluation-list').replaceChildren(el('li', { class: 'error', text: err.message }));
    return;
  }
  const items = list.map((ev) =>
    el('li', {}, el('button', {
      type: 'button', 'aria-pressed': String(ev.id === selected),
      onclick: () => { selected = ev.id; refresh(); },
    }, el('strong', { text: ev.name }), el('br'), el('span', { class: 'muted', text: `${ev.status} · ${utc(ev.creationTime)}` }))),
  );
  $('evaluation-list').replaceChildren(...(items.length ? items : [el('li', { class: 'muted', text: 'No evaluations yet.' })]));
  if (selected) await showDetail(selected);
  else $('evaluation-detail').replaceChildren();
  // Follow a job while it runs.
  clearTimeout(timer);
  if (active && list.some((ev) => ev.status === 'pending' || ev.status === 'running')) timer = setTimeout(refresh, 2000);
}

export function initEvaluations() {
  $('evaluation-form').addEventListener('submit', create);
  $('ev-start').value = toLocalInput(Date.now() - 86400e3);
  $('ev-end').value = toLocalInput(Date.now() + 60e3);
}

export function showEvaluations(show) {
  active = show;
  if (show) refresh();
  else clearTimeout(timer);
}
