// The key check the Cognitive Services gateway did in front of the service (docs/azure-api.md §1): a request must
// carry Ocp-Apim-Subscription-Key equal to the container's ApiKey, or to ApiKey2 when it is set (Azure's
// resources had two keys, key1 and key2, so that one can be regenerated while clients use the other). Failures
// answer 401 in the gateway's shape, code "401" (docs/azure-api.md §4, last paragraph).
//
// Deny by default: the check is decided on the route the router chose (fastify runs onRequest after routing),
// never on the URL as spelt, so percent-encoding, absolute-form targets or any other spelling that reaches a
// route still needs the key. Only routes registered with `config: { public: true }` (the container probes,
// Swagger) answer without it; requests that match no route need the key too, so a caller without it learns
// nothing, not even which paths exist.
import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answers without the key (container probes, Swagger); every other route requires it. */
    public?: boolean;
  }
}

/** Route config of a route that answers without the key. */
export const PUBLIC = { public: true } as const;

/** Whether the route chosen for this request is public; the not-found route never is. */
export function isPublicRoute(request: FastifyRequest): boolean {
  return request.routeOptions.config.public === true;
}

/** Marks every route registered later in this plugin scope public (for a third-party plugin's routes). */
export function markRoutesPublic(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true };
  });
}

export const KEY_HEADER = 'ocp-apim-subscription-key';

const MISSING = 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.';
const INVALID =
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';

export type KeyCheck = 'missing' | 'invalid' | 'valid';

/**
 * Compares digests, which have equal lengths, so the time taken says nothing about the key; the digest sent is
 * compared with every configured key's, without stopping at the first match, so neither does it say which key
 * matched. A key once found valid is remembered in a Set (at most the two keys), so that the usual request skips
 * the hash: a Set lookup compares strings only when their (seeded) hashes collide, which tells a guesser nothing
 * about the key's characters.
 */
export function keyChecker(apiKey: string, apiKey2?: string): (request: FastifyRequest) => KeyCheck {
  const expected = [apiKey, ...(apiKey2 === undefined ? [] : [apiKey2])].map((key) => hash('sha256', key, 'buffer'));
  const known = new Set<string>();
  return (request) => {
    const sent = request.headers[KEY_HEADER];
    if (sent === undefined) return 'missing';
    if (typeof sent !== 'string') return 'invalid';
    if (known.has(sent)) return 'valid';
    const digest = hash('sha256', sent, 'buffer');
    let match = false;
    for (const key of expected) match = timingSafeEqual(digest, key) || match;
    if (!match) return 'invalid';
    known.add(sent);
    return 'valid';
  };
}

export function sendUnauthorized(reply: FastifyReply, result: Exclude<KeyCheck, 'valid'>): FastifyReply {
  return sendError(reply, 401, '401', result === 'missing' ? MISSING : INVALID);
}

export type KeyName = 'key1' | 'key2';

/**
 * Which configured key a request that passed the check carried: `key1` (ApiKey) or `key2` (ApiKey2), Azure's
 * names for a resource's two keys. The usage ledger records these names, never a key. Remembered per key sent
 * (at most the two valid ones: it is asked only after the check passed).
 */
export function keyNamer(apiKey: string, apiKey2?: string): (request: FastifyRequest) => KeyName | undefined {
  const expected: Array<[KeyName, Buffer]> = [['key1', hash('sha256', apiKey, 'buffer')]];
  if (apiKey2 !== undefined) expected.push(['key2', hash('sha256', apiKey2, 'buffer')]);
  const known = new Map<string, KeyName>();
  return (request) => {
    const sent = request.headers[KEY_HEADER];
    if (typeof sent !== 'string') return undefined;
    const name = known.get(sent);
    if (name !== undefined) return name;
    const digest = hash('sha256', sent, 'buffer');
    const match = expected.find(([, key]) => timingSafeEqual(digest, key))?.[0];
    if (match !== undefined && known.size < expected.length) known.set(sent, match);
    return match;
  };
}
