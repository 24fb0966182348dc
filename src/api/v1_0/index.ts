// The v1.0 API (Personalizer.json v1.0; docs/azure-api.md §2.1). The same plugins serve every other version
// (routes.ts): v1.1-preview.1/.2/.3 are supersets of v1.0 with the same paths, verbs and codes (docs/azure-api.md §2.2),
// and 2022-09-01-preview keeps them too except its evaluations, which have their own shapes (v2022/). Copies
// under other base paths are left out of the OpenAPI document, which would otherwise list every operation
// five times.
import type { FastifyInstance } from 'fastify';
import type { V1Options } from './common.js';
import { rankRoutes } from './rank.js';
import { eventRoutes } from './events.js';
import { configurationRoutes } from './configurations.js';
import { logRoutes } from './logs.js';
import { modelRoutes } from './model.js';
import { evaluationRoutes } from './evaluations.js';
import { basePath, PATH_VERSIONS } from '../versions.js';
import { apprenticeRoutes } from './apprentice.js';
import { policyPresetRoutes } from './policy_presets.js';

export const V1_PREFIX = basePath('v1.0');
export const PREVIEW_PREFIXES = PATH_VERSIONS.filter((v) => v !== 'v1.0').map((v) => basePath(v));

export interface V1RouteOptions extends V1Options {
  /** Left out of the OpenAPI document. */
  hidden?: boolean;
  /** v1.0's evaluation operations (POST-created, listed as an array); 2022-09-01-preview has its own. */
  evaluations?: boolean;
  /** The largest model PUT /model takes (the ModelSizeLimit setting). */
  modelBodyLimit?: number;
}

/** Marks every route registered in `app`'s scope as hidden from the OpenAPI document. */
export function hideRoutes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, hide: true };
  });
}

export async function v1Routes(app: FastifyInstance, { loop, hidden, evaluations = true, modelBodyLimit }: V1RouteOptions): Promise<void> {
  if (hidden) hideRoutes(app);
  // Only the loop is handed down: the options fastify passed in also carry our own prefix.
  const options: V1Options = { loop };
  await app.register(rankRoutes, options);
  await app.register(eventRoutes, options);
  await app.register(configurationRoutes, options);
  await app.register(logRoutes, options);
  await app.register(modelRoutes, { ...options, ...(modelBodyLimit === undefined ? {} : { modelBodyLimit }) });
  if (evaluations) await app.register(evaluationRoutes, options);
  await app.register(apprenticeRoutes, options);
  await app.register(policyPresetRoutes, options);
}
