// The HTTP server's protective limits: how long a client may take to send its headers and its whole request,
// how long an idle keep-alive connection is kept, and how many connections are served at once. Without them a
// client sending a byte at a time holds a connection forever (Node's own defaults: 60 s for headers, 300 s for
// a request, checked only every 30 s; no connection cap). Given in seconds (decimals allowed), kept in ms.
import { SettingsError } from './sources.js';

export interface HttpLimits {
  /** `HeadersTimeout`: the request line and headers must arrive within it. */
  headersTimeoutMs: number;
  /** `RequestTimeout`: the whole request, headers and body, must arrive within it. */
  requestTimeoutMs: number;
  /** `KeepAliveTimeout`: an idle keep-alive connection is closed after it. */
  keepAliveTimeoutMs: number;
  /** `MaxConnections`: connections beyond it are closed as soon as they are accepted. */
  maxConnections: number;
}

export const LIMIT_NAMES = ['HeadersTimeout', 'RequestTimeout', 'KeepAliveTimeout', 'MaxConnections'] as const;

export const LIMIT_DEFAULTS: HttpLimits = {
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 30_000,
  // Longer than the idle time-out of the load balancers a container usually sits behind (60 s for AWS ALB and
  // ingress-nginx's upstream keep-alive): a server closing first makes them answer 502 for a request sent on a
  // connection it had just closed. fastify's own default, for that reason.
  keepAliveTimeoutMs: 72_000,
  maxConnections: 2_000,
};

/** `get(name)` returns the trimmed value given for a setting, or undefined. */
export function parseHttpLimits(get: (name: (typeof LIMIT_NAMES)[number]) => string | undefined): HttpLimits {
  const headersTimeoutMs = seconds('HeadersTimeout', get('HeadersTimeout'), LIMIT_DEFAULTS.headersTimeoutMs);
  const requestTimeoutMs = seconds('RequestTimeout', get('RequestTimeout'), LIMIT_DEFAULTS.requestTimeoutMs);
  const keepAliveTimeoutMs = seconds('KeepAliveTimeout', get('KeepAliveTimeout'), LIMIT_DEFAULTS.keepAliveTimeoutMs);
  // Node refuses a headers time-out longer than the request's (http.createServer, headersTimeout).
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new SettingsError('HeadersTimeout', 'HeadersTimeout must not be longer than RequestTimeout (the headers are part of the request)');
  }
  const text = get('MaxConnections');
  let maxConnections = LIMIT_DEFAULTS.maxConnections;
  if (text !== undefined) {
    maxConnections = Number(text);
    if (!/^\d+$/.test(text) || maxConnections < 1 || maxConnections > 1_000_000) {
      throw new SettingsError('MaxConnections', 'MaxConnections must be an integer between 1 and 1000000');
    }
  }
  return { headersTimeoutMs, requestTimeoutMs, keepAliveTimeoutMs, maxConnections };
}

/** Seconds between 0.01 and one day, as milliseconds. */
function seconds(name: string, text: string | undefined, fallbackMs: number): number {
  if (text === undefined) return fallbackMs;
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || value < 0.01 || value > 86_400) {
    throw new SettingsError(name, `${name} must be a number of seconds between 0.01 and 86400`);
  }
  return Math.round(value * 1000);
}
