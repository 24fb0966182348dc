// The v1.0 API (Personalizer.json v1.0; azure-api.md §2.1), mounted under /personalizer/v1.0, and the same routes
// under the preview base paths: v1.1-preview.1/.2/.3 are supersets of v1.0 with the same paths, verbs and codes
// (azure-api.md §2.2), and the preview SDK (@azure-rest/ai-personalizer) calls v1.1-preview.3. The preview copies
// are left out of the OpenAPI document, which would otherwise list every operation four times.
import type { FastifyInstance } from 'fastify';
import type { V1Options } from './common.js';
import { rankRoutes } from './rank.js';
import { eventRoutes } from './events.js';
import { configurationRoutes } from './configurations.js';
import { logRoutes } from './logs.js';
import { modelRoutes } from './model.js';
import { evaluationRoutes } from './evaluations.js';
import { apprenticeRoutes } from './apprentice.js';

export const V1_PREFIX = '/personalizer/v1.0';
export const PREVIEW_PREFIXES = ['/personalizer/v1.1-preview.1', '/personalizer/v1.1-preview.2', '/personalizer/v1.1-preview.3'];

export async function v1Routes(
  app: FastifyInstance,
  { loop, hidden, modelBodyLimit }: V1Options & { hidden?: boolean; modelBodyLimit?: number },
): Promise<void> {
  if (hidden) {
    app.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
  }
  // Only the loop is handed down: the options fastify passed in also carry our own prefix.
  const options: V1Options = { loop };
  await app.register(rankRoutes, options);
  await app.register(eventRoutes, options);
  await app.register(configurationRoutes, options);
  await app.register(logRoutes, options);
  await app.register(modelRoutes, { ...options, ...(modelBodyLimit === undefined ? {} : { modelBodyLimit }) });
  await app.register(evaluationRoutes, options);
  await app.register(apprenticeRoutes, options);
}
