// A key sent in the URL (`?subscription-key=…`, API Management's query form) must never reach a log line or an
// answer: this container takes the key only from the Ocp-Apim-Subscription-Key header, as the v1.0 spec's
// apim_key security scheme declares it (docs/azure-api.md §1), so a client sending it in the query is refused with
// 401, and the value is replaced wherever the URL is written (logger.ts's `url` and `req` serializers, the
// 404 message).

/** Query parameter names, compared decoded and lower-cased, whose values are never written. */
const KEY_PARAMETERS = new Set(['subscription-key', 'ocp-apim-subscription-key', 'apikey', 'api-key']);

export const REDACTED = '[redacted]';

/** The URL with the value of every key-like query parameter replaced; any other URL unchanged. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0 || !/key/i.test(url.slice(q))) return url;
  // `;` separates parameters for some parsers: treat it as `&` so no key hides behind it.
  const parts = url.slice(q + 1).split(/([&;])/);
  for (let i = 0; i < parts.length; i += 2) {
    const part = parts[i]!;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (KEY_PARAMETERS.has(decodeName(name))) parts[i] = `${name}=${REDACTED}`;
  }
  return url.slice(0, q + 1) + parts.join('');
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' ')).trim().toLowerCase();
  } catch {
    return name.trim().toLowerCase();
  }
}
