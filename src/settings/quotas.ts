// Quotas (docs/retention-and-quotas.md): a request rate per API key, answered 429 beyond it as Azure's gateway
// answered a resource's rate limit, and a bound on the requests being handled at once, beyond which the server
// sheds load with 503 at once rather than queueing it until latency and memory give way.
import { SettingsError } from './sources.js';

export const QUOTA_NAMES = ['RateLimit', 'RateLimit:Burst', 'MaxRequestsInFlight'] as const;

export interface QuotaSettings {
  /** `RateLimit`: requests per second allowed to each API key (undefined: no limit). */
  rateLimit?: number;
  /** `RateLimit:Burst`: requests a key may send at once after a quiet spell (the token bucket's size). */
  rateLimitBurst?: number;
  /** `MaxRequestsInFlight`: keyed requests handled at once by one process; 0 = no bound. */
  maxRequestsInFlight: number;
}

/**
 * A Rank costs well under a millisecond of the event loop and a group commit; a thousand waiting already means
 * about a second of queue, past which clients time out and retry, so the queue only grows (docs/retention-and-quotas.md,
 * the overload benchmark).
 */
export const DEFAULT_MAX_REQUESTS_IN_FLIGHT = 1000;
const MAX_RATE = 1_000_000;

export function parseQuotaSettings(get: (name: (typeof QUOTA_NAMES)[number]) => string | undefined): QuotaSettings {
  const rateText = get('RateLimit');
  const burstText = get('RateLimit:Burst');
  let rateLimit: number | undefined;
  let rateLimitBurst: number | undefined;
  if (rateText !== undefined) {
    rateLimit = Number(rateText);
    if (!/^\d+(\.\d+)?$/.test(rateText) || !(rateLimit > 0) || rateLimit > MAX_RATE) {
      throw new SettingsError('RateLimit', `RateLimit must be a number of requests per second per key, above 0 and at most ${MAX_RATE} (decimals allowed: 0.5 is one request every 2 s)`);
    }
    // One second's worth by default (at least one request), so a key that has been quiet may send its second at once.
    rateLimitBurst = Math.max(1, Math.ceil(rateLimit));
  }
  if (burstText !== undefined) {
    if (rateLimit === undefined) throw new SettingsError('RateLimit:Burst', 'RateLimit:Burst needs RateLimit (requests per second per key)');
    rateLimitBurst = Number(burstText);
    if (!/^\d+$/.test(burstText) || rateLimitBurst < 1 || rateLimitBurst > MAX_RATE) {
      throw new SettingsError('RateLimit:Burst', `RateLimit:Burst must be a whole number of requests between 1 and ${MAX_RATE}`);
    }
  }
  const inFlightText = get('MaxRequestsInFlight');
  let maxRequestsInFlight = DEFAULT_MAX_REQUESTS_IN_FLIGHT;
  if (inFlightText !== undefined) {
    maxRequestsInFlight = Number(inFlightText);
    if (!/^\d+$/.test(inFlightText) || maxRequestsInFlight > MAX_RATE) {
      throw new SettingsError('MaxRequestsInFlight', `MaxRequestsInFlight must be a whole number of requests between 1 and ${MAX_RATE}, or 0 for no bound`);
    }
  }
  return {
    ...(rateLimit === undefined ? {} : { rateLimit, rateLimitBurst: rateLimitBurst! }),
    maxRequestsInFlight,
  };
}
