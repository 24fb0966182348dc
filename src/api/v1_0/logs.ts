// DELETE /logs → 204, GET /logs/properties → 200 (Personalizer.json v1.0 "Log_Delete", "Log_GetProperties").
import type { FastifyInstance } from 'fastify';
import { LogsProperties, ref } from '../schemas.js';
import { ERROR_RESPONSE, NO_CONTENT, SECURITY, type V1Options } from './common.js';

export async function logRoutes(app: FastifyInstance, { loop }: V1Options): Promise<void> {
  app.delete('/logs', {
    schema: {
      operationId: 'Log_Delete', tags: ['Logs'], summary: 'Deletes Logs.',
      description: 'Delete all logs of Rank and Reward calls stored by Personalizer.', security: SECURITY,
      response: { 204: NO_CONTENT, ...ERROR_RESPONSE },
    },
  }, async (_request, reply) => {
    await loop.deleteLogs();
    return reply.code(204).send();
  });

  app.get('/logs/properties', {
    schema: {
      operationId: 'Log_GetProperties', tags: ['Logs'], summary: 'Get Log Properties.',
      description: 'Get properties of the Personalizer logs.', security: SECURITY,
      response: { 200: { ...ref(LogsProperties), description: 'Success' }, ...ERROR_RESPONSE },
    },
  }, async () => loop.getLogsProperties());
}
