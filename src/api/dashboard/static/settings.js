// The settings page: service configuration and learning policy (PUT through the API, so the API's validation
// answers and its message is shown), the model (download, import, reset) and the logs (properties, deletion).
// Each destructive action asks for confirmation first.
import { api, V1 } from './api.js';
import { utc } from './format.js';

const $ = (id) => document.getElementById(id);
const FIELDS = ['rewardWaitTime', 'defaultReward', 'rewardAggregation', 'explorationPercentage', 'modelExportFrequency', 'logRetentionDays', 'learningMode'];
const NUMBERS = new Set(['defaultReward', 'explorationPercentage', 'logRetentionDays']);
let service = null;

function say(id, text, ok) {
  const p = $(id);
  p.textContent = text;
  p.className = ok ? 'ok' : 'error';
}

async function load() {
  try {
    service = await api(`${V1}/configurations/service`);
    for (const f of FIELDS) if (service[f] !== undefined) $(`cfg-${f}`).value = String(service[f]);
    const policy = await api(`${V1}/configurations/policy`);
    $('policy-name').value = policy.name;
    $('policy-arguments').value = policy.arguments;
    const model = await api(`${V1}/model/properties`);
    $('model-properties').textContent = `Created ${utc(model.creationTime)} · last modified ${utc(model.lastModifiedTime)}`;
    const logs = await api(`${V1}/logs/properties`);
    $('logs-properties').textContent = logs.dateRange ? `Events from ${utc(logs.dateRange.from)} to ${utc(logs.dateRange.to)}` : 'No events stored.';
  } catch (e) {
    say('service-message', e.message, false);
  }
}

async function saveService(e) {
  e.preventDefault();
  const body = { ...service };
  for (const f of FIELDS) {
    const v = $(`cfg-${f}`).value.trim();
    // A number field left unparseable is sent as text, so that the API's own validation message answers.
    body[f] = NUMBERS.has(f) && v !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
  }
  delete body.lastConfigurationEditDate;
  try {
    service = await api(`${V1}/configurations/service`, { method: 'PUT', body });
    say('service-message', 'Configuration saved.', true);
  } catch (err) {
    say('service-message', `Not saved: ${err.message}`, false);
  }
}

async function savePolicy(e) {
  e.preventDefault();
  try {
    await api(`${V1}/configurations/policy`, { method: 'PUT', body: { name: $('policy-name').value.trim(), arguments: $('policy-arguments').value.trim() } });
    say('policy-message', 'Policy saved.', true);
  } catch (err) {
    say('policy-message', `Not saved: ${err.message}`, false);
  }
}

async function resetPolicy() {
  if (!confirm('Reset the learning policy to the default?')) return;
  try {
    const p = await api(`${V1}/configurations/policy`, { method: 'DELETE' });
    if (p) {
      $('policy-name').value = p.name;
      $('policy-arguments').value = p.arguments;
    }
    say('policy-message', 'Policy reset to the default.', true);
  } catch (err) {
    say('policy-message', err.message, false);
  }
}

async function download() {
  try {
    const res = await api(`${V1}/model`, { raw: true });
    const blob = await res.blob();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = 'personalizer-model.vw';
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    say('model-message', `Model downloaded (${blob.size} bytes).`, true);
  } catch (err) {
    say('model-message', err.message, false);
  }
}

async function importModel() {
  const file = $('model-file').files[0];
  if (!file) return;
  if (!confirm(`Replace the live model with "${file.name}"?`)) {
    $('model-file').value = '';
    return;
  }
  try {
    await api(`${V1}/model`, { method: 'PUT', body: await file.arrayBuffer(), headers: { 'Content-Type': 'application/octet-stream' } });
    say('model-message', 'Model imported.', true);
    await load();
  } catch (err) {
    say('model-message', `Not imported: ${err.message}`, false);
  }
  $('model-file').value = '';
}

async function resetModel() {
  if (!confirm('Reset the model? Everything learned so far is dropped and learning starts again.')) return;
  try {
    await api(`${V1}/model`, { method: 'DELETE' });
    say('model-message', 'Model reset.', true);
    await load();
  } catch (err) {
    say('model-message', err.message, false);
  }
}

async function deleteLogs() {
  if (!confirm('Delete all logged events and rewards? This cannot be undone.')) return;
  try {
    await api(`${V1}/logs`, { method: 'DELETE' });
    say('logs-message', 'Logs deleted.', true);
    await load();
  } catch (err) {
    say('logs-message', err.message, false);
  }
}

export function initSettings() {
  $('service-form').addEventListener('submit', saveService);
  $('policy-form').addEventListener('submit', savePolicy);
  $('policy-reset').addEventListener('click', resetPolicy);
  $('model-download').addEventListener('click', download);
  $('model-file').addEventListener('change', importModel);
  $('model-reset').addEventListener('click', resetModel);
  $('logs-delete').addEventListener('click', deleteLogs);
}

export function showSettings(show) {
  if (show) load();
}
