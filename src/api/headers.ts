// Response headers the real service sent that are cheap to mimic (docs/azure-api.md §8.4). apim-request-id is the
// request id that also appears in our log lines, so a client's report can be matched to the log. Set when the
// request arrives (server.ts's onRequest hook, frameworkError), so that every answer carries them without an
// onSend hook running per response. `api`: the answer comes from a route that needs the key (auth.ts), or from
// no route at all; such answers are never cached.
import type { FastifyReply, FastifyRequest } from 'fastify';

export function setResponseHeaders(request: FastifyRequest, reply: FastifyReply, api: boolean): void {
  reply.header('apim-request-id', request.id);
  reply.header('x-content-type-options', 'nosniff');
  if (api) {
    reply.header('cache-control', 'no-store, must-revalidate, no-cache');
    reply.header('pragma', 'no-cache');
    reply.header('expires', '0');
  }
}
