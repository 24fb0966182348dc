// The dashboard's shell: sign-in with the API key (checked by asking the overview route with it), hash routing
// between the three pages, sign-out. A 401 anywhere (key changed on the server) signs out with its message.
import { api, key, setKey } from './api.js';
import { initEvaluations, showEvaluations } from './evaluations.js';
import { initOverview, showOverview } from './overview.js';
import { initSettings, showSettings } from './settings.js';

const $ = (id) => document.getElementById(id);
const PAGES = { overview: showOverview, evaluations: showEvaluations, settings: showSettings };

function route() {
  if (!key()) {
    signOut();
    return;
  }
  const name = (location.hash.match(/^#\/(\w+)/) ?? [])[1];
  const page = name in PAGES ? name : 'overview';
  $('sign-in').hidden = true;
  $('nav').hidden = false;
  for (const [p, show] of Object.entries(PAGES)) {
    const visible = p === page;
    $(`page-${p}`).hidden = !visible;
    const link = document.querySelector(`nav a[data-page="${p}"]`);
    if (visible) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
    show(visible);
  }
  document.title = `${page[0].toUpperCase()}${page.slice(1)} · Personalizer dashboard`;
}

function signOut(message = '') {
  setKey(null);
  for (const [p, show] of Object.entries(PAGES)) {
    $(`page-${p}`).hidden = true;
    show(false);
  }
  $('nav').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-error').textContent = message;
  $('key').focus();
}

async function signIn(e) {
  e.preventDefault();
  const candidate = $('key').value;
  const button = e.submitter ?? $('sign-in-form').querySelector('button');
  button.disabled = true;
  try {
    await api('/dashboard/api/overview', { keyOverride: candidate });
    setKey(candidate);
    $('key').value = '';
    $('sign-in-error').textContent = '';
    if (!location.hash) location.hash = '#/overview';
    route();
    $('main').focus();
  } catch (err) {
    $('sign-in-error').textContent = err.status === 401 ? `The key was refused: ${err.message}` : `Cannot sign in: ${err.message}`;
  } finally {
    button.disabled = false;
  }
}

initOverview();
initEvaluations();
initSettings();
$('sign-in-form').addEventListener('submit', signIn);
$('sign-out').addEventListener('click', () => signOut());
window.addEventListener('hashchange', route);
window.addEventListener('dashboard:unauthorized', (e) => {
  if (key()) signOut(`Signed out: the key was refused (${e.detail}).`);
});
route();
