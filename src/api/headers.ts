// Response headers the real service sent that are cheap to mimic (azure-api.md §8.4). apim-request-id is the
// request id that also appears in our log lines, so a client's report can be matched to the log.
import type { FastifyInstance } from 'fastify';

const API_PATH = /^\/personalizer(\/|$|\?)/i;

export function installResponseHeaders(app: FastifyInstance): void {
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('apim-request-id', request.id);
    reply.header('x-content-type-options', 'nosniff');
    if (API_PATH.test(request.url)) {
      reply.header('cache-control', 'no-store, must-revalidate, no-cache');
      reply.header('pragma', 'no-cache');
      reply.header('expires', '0');
    }
    done(null, payload);
  });
}
