// The v1.0 API (Personalizer.json v1.0; azure-api.md §2.1), mounted under /personalizer/v1.0.
import type { FastifyInstance } from 'fastify';
import type { V1Options } from './common.js';
import { rankRoutes } from './rank.js';
import { eventRoutes } from './events.js';
import { configurationRoutes } from './configurations.js';
import { logRoutes } from './logs.js';
import { modelRoutes } from './model.js';
import { evaluationRoutes } from './evaluations.js';

export const V1_PREFIX = '/personalizer/v1.0';

export async function v1Routes(app: FastifyInstance, { loop }: V1Options): Promise<void> {
  // Only the loop is handed down: the options fastify passed in also carry our own prefix.
  const options: V1Options = { loop };
  await app.register(rankRoutes, options);
  await app.register(eventRoutes, options);
  await app.register(configurationRoutes, options);
  await app.register(logRoutes, options);
  await app.register(modelRoutes, options);
  await app.register(evaluationRoutes);
}
