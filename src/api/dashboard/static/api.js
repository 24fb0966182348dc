// Every data call sends the key as any client does (Ocp-Apim-Subscription-Key). The key lives in sessionStorage:
// this tab only, gone when it closes.
const KEY = 'personalizer.dashboard.key';
export const V1 = '/personalizer/v1.0';

export function key() {
  return sessionStorage.getItem(KEY);
}
export function setKey(value) {
  if (value === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, value);
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** fetch with the key; JSON in and out; Azure's error shape turned into an ApiError with its message. */
export async function api(path, { method = 'GET', body, raw = false, headers = {}, keyOverride } = {}) {
  const h = { 'Ocp-Apim-Subscription-Key': keyOverride ?? key() ?? '', ...headers };
  let payload = body;
  if (body !== undefined && !(body instanceof Blob) && !(body instanceof ArrayBuffer)) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers: h, body: payload, cache: 'no-store' });
  if (!res.ok) {
    let code = String(res.status);
    let message = res.statusText;
    try {
      const e = await res.json();
      if (e && e.error) ({ code, message } = e.error);
    } catch {
      // not JSON: keep the status line
    }
    if (res.status === 401) window.dispatchEvent(new CustomEvent('dashboard:unauthorized', { detail: message }));
    throw new ApiError(res.status, code, message);
  }
  if (raw) return res;
  if (res.status === 204) return null;
  const text = await res.text();
  return text === '' ? null : JSON.parse(text);
}
