// Number and time formats shared by the pages. Figures are rounded for reading; the data table keeps 4 decimals.
export const count = (n) => (n === null || n === undefined ? '–' : Math.round(n).toLocaleString('en-US'));
export const num = (x, d = 4) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
export const pct = (x) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);
export const ms = (x) => (x === null || x === undefined ? '–' : x < 10 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`);
export const estimate = (e) => (e.value === null ? '–' : e.ci95 === null ? num(e.value) : `${num(e.value)} ± ${num(e.ci95)}`);

export function duration(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.round(seconds);
  if (s < 90) return `${s} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

/** ISO text → "2024-05-01 12:00" (UTC). */
export const utc = (iso) => (iso ? iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, '').replace(/(\.\d+)?Z$/, '') + ' UTC' : '–');

/** datetime-local value (read as UTC) ↔ ISO. */
export const fromLocalInput = (v) => (v ? new Date(v + 'Z').toISOString() : null);
export const toLocalInput = (ms) => new Date(ms).toISOString().slice(0, 16);

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}
