// The key check the Cognitive Services gateway did in front of the service (azure-api.md §1): every
// /personalizer request must carry Ocp-Apim-Subscription-Key equal to the container's ApiKey. Failures answer
// 401 in the gateway's shape, code "401" (azure-api.md §4, last paragraph). The check runs before routing
// (server.ts's onRequest hook), so unknown /personalizer paths answer 401 too and reveal nothing to a caller
// without the key.
import { hash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';

export const KEY_HEADER = 'ocp-apim-subscription-key';

const MISSING = 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.';
const INVALID =
  'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.';

export type KeyCheck = 'missing' | 'invalid' | 'valid';

/**
 * Compares digests, which have equal lengths, so the time taken says nothing about the key. A key once found
 * valid is remembered in a Set, so that the usual request skips the hash: a Set lookup compares strings only
 * when their (seeded) hashes collide, which tells a guesser nothing about the key's characters.
 */
export function keyChecker(apiKey: string): (request: FastifyRequest) => KeyCheck {
  const expected = hash('sha256', apiKey, 'buffer');
  const known = new Set<string>();
  return (request) => {
    const sent = request.headers[KEY_HEADER];
    if (sent === undefined) return 'missing';
    if (typeof sent !== 'string') return 'invalid';
    if (known.has(sent)) return 'valid';
    const digest = hash('sha256', sent, 'buffer');
    if (!timingSafeEqual(digest, expected)) return 'invalid';
    known.add(sent);
    return 'valid';
  };
}

export function sendUnauthorized(reply: FastifyReply, result: Exclude<KeyCheck, 'valid'>): FastifyReply {
  return sendError(reply, 401, '401', result === 'missing' ? MISSING : INVALID);
}
