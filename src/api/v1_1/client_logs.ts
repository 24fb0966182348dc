// POST /logs/interactions and /logs/observations → 204 (Personalizer.json v1.1-preview.2 "Log_Interactions",
// "Log_Observations"): binary batches the local-inference SDK (.NET Azure.AI.Personalizer with useLocalInference)
// sends in the reinforcement_learning client's flatbuffers format after ranking on its own copy of the model.
//
// What this server does with them (docs/api-versions.md "Client logs"): it keeps each non-empty batch, up to
// BodyLimit bytes, as a file under Mounts:Output (client_log_sink.ts) and answers 204 once it is on disk. It does not
// decode or learn from them: the loop learns from the events it ranks itself. Without Mounts:Output there is
// nowhere to keep them, and a 204 would claim they were kept: 403 InvalidApiAccess (the spec's code for an API
// disabled for the instance) says so.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../errors.js';
import { ERROR_RESPONSE, NO_CONTENT, SECURITY } from '../v1_0/common.js';
import { ClientLogSink, type ClientLogKind } from './client_log_sink.js';
import type { PreviewOptions } from './index.js';

export async function clientLogRoutes(app: FastifyInstance, { settings }: PreviewOptions): Promise<void> {
  // Scoped to this plugin: elsewhere an octet-stream body stays a 415.
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const sink = settings.outputMount === undefined ? undefined : new ClientLogSink(settings.outputMount);

  const handler = (kind: ClientLogKind) => async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body;
    if (!Buffer.isBuffer(body) || body.length === 0) {
      return sendError(reply, 400, 'InvalidRequest', `POST /logs/${kind} takes a non-empty application/octet-stream body (the local-inference SDK's batch).`);
    }
    if (!sink) {
      return sendError(reply, 403, 'InvalidApiAccess', `POST /logs/${kind} keeps the local-inference SDK's batches under Mounts:Output, which is not set: start the server with Mounts:Output=<directory> to accept them.`);
    }
    await sink.keep(kind, body);
    return reply.code(204).send();
  };

  for (const [kind, operationId, summary] of [
    ['interactions', 'Log_Interactions', 'Post interactions.'],
    ['observations', 'Log_Observations', 'Post observations.'],
  ] as const) {
    app.post(`/logs/${kind}`, {
      config: { invalidRequestCode: 'InvalidRequest' },
      schema: {
        operationId, tags: ['Logs'], summary,
        description: `For the local-inference SDK: its ${kind} batch (reinforcement_learning's binary format), kept under Mounts:Output, not learned from.`,
        security: SECURITY,
        consumes: ['application/octet-stream'],
        response: { 204: NO_CONTENT, ...ERROR_RESPONSE },
      },
    }, handler(kind));
  }
}
