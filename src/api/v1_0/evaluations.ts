// The offline-evaluation family (Personalizer.json v1.0 "Evaluations_*") is not built yet. Its paths answer
// 501 NotImplemented in the error shape, rather than 404, so a client learns the operation exists but is not
// available here; they are left out of the OpenAPI document until implemented.
import type { FastifyInstance } from 'fastify';
import { sendError } from '../errors.js';

const MESSAGE = 'Offline evaluations are not available in this version of the container.';

export async function evaluationRoutes(app: FastifyInstance): Promise<void> {
  const notImplemented = { schema: { hide: true } };
  const handler = async (_request: unknown, reply: Parameters<typeof sendError>[0]) => sendError(reply, 501, 'NotImplemented', MESSAGE);
  app.get('/evaluations', notImplemented, handler);
  app.post('/evaluations', notImplemented, handler);
  app.get('/evaluations/:evaluationId', notImplemented, handler);
  app.delete('/evaluations/:evaluationId', notImplemented, handler);
}
