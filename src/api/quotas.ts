// Quotas on the keyed API (settings/quotas.ts, docs/retention-and-quotas.md), decided in the onRequest hook, after
// the key check and before the body is read or parsed, so that a refused request costs next to nothing:
// - MaxRequestsInFlight: beyond that many keyed requests being handled by this process, 503 ServiceUnavailable
//   with Retry-After at once (RFC 9110 §15.6.4), instead of queueing work whose answer would come too late;
// - RateLimit: a token bucket per API key; an empty bucket is 429 with Retry-After (RFC 6585 §4), in the shape
//   Azure's gateway answered a resource's rate limit: {"error":{"code":"429","message":"… Please retry after N
//   seconds."}} as Azure AI services' 429s are quoted on Microsoft Q&A (and as its 401 is code "401": auth.ts). The Azure SDKs
//   retry a 429 or 503 after the Retry-After they are given (azure-core's default retry policy).
// Both are per process: with Workers=N the rate and burst are divided by N (connections are spread over the
// workers), so the machine as a whole allows about RateLimit per key.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { KEY_HEADER } from './auth.js';
import { sendError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the route is outside the quotas even when it needs the key (GET /metrics). */
    quota?: boolean;
  }
}

export interface QuotaOptions {
  rateLimit?: number;
  rateLimitBurst?: number;
  maxRequestsInFlight: number;
  /** Processes sharing the quotas (Workers). */
  workers: number;
  /** Monotonic milliseconds (tests may step it). */
  now?: () => number;
}

export interface QuotaStats {
  /** Keyed requests being handled now. */
  inFlight(): number;
  /** Requests answered 429 (rate limit) and 503 (too many in flight) since start. */
  readonly refused: { rateLimited: number; shed: number };
}

/** A token bucket: `rate` tokens a second up to `burst`; a request takes one. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** 0 when a token was taken; otherwise the whole seconds (≥ 1) until one is there. */
  take(now: number): number {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.rate));
  }
}

export interface Quotas extends QuotaStats {
  /** Decides on a keyed request whose key was found valid: false when it was answered (429 or 503). */
  admit(request: FastifyRequest, reply: FastifyReply): boolean;
}

export function quotas(options: QuotaOptions): Quotas {
  const now = options.now ?? (() => performance.now());
  const workers = Math.max(1, options.workers);
  const rate = options.rateLimit === undefined ? undefined : options.rateLimit / workers;
  const burst = options.rateLimitBurst === undefined ? 1 : Math.max(1, Math.floor(options.rateLimitBurst / workers));
  // At most two entries: the key is one of ApiKey and ApiKey2 by the time a request gets here.
  const buckets = new Map<string, TokenBucket>();
  const max = options.maxRequestsInFlight;
  let inFlight = 0;
  const refused = { rateLimited: 0, shed: 0 };
  const done = (): void => {
    inFlight--;
  };
  return {
    inFlight: () => inFlight,
    refused,
    admit(request, reply) {
      if (request.routeOptions.config.quota === false) return true;
      if (max > 0 && inFlight >= max) {
        refused.shed++;
        reply.header('retry-after', '1');
        sendError(reply, 503, 'ServiceUnavailable', `The server is handling ${max} requests (MaxRequestsInFlight); retry after 1 second.`);
        return false;
      }
      if (rate !== undefined) {
        const key = request.headers[KEY_HEADER] as string;
        let bucket = buckets.get(key);
        if (bucket === undefined) buckets.set(key, (bucket = new TokenBucket(rate, burst, now())));
        const wait = bucket.take(now());
        if (wait > 0) {
          refused.rateLimited++;
          reply.header('retry-after', String(wait));
          sendError(reply, 429, '429', `Rate limit is exceeded: this key may send ${options.rateLimit} requests per second (RateLimit). Try again in ${wait} second${wait === 1 ? '' : 's'}.`);
          return false;
        }
      }
      inFlight++;
      // 'close' comes once per response, whether it was sent in full or the client went away first.
      reply.raw.once('close', done);
      return true;
    },
  };
}
