// What 2022-09-01-preview has of its own (docs/azure-api.md §2.3), mounted under /personalizer with the api-version
// check (routes.ts): its evaluations and feature importances, and modelRetrainDays on the service configuration.
import type { FastifyInstance } from 'fastify';
import type { V1Options } from '../v1_0/common.js';
import { evaluationRoutes2022 } from './evaluations.js';
import { featureImportanceRoutes } from './feature_importances.js';

export { modelRetrainDays } from './service_config.js';

export async function v2022Routes(app: FastifyInstance, { loop }: V1Options): Promise<void> {
  await app.register(evaluationRoutes2022, { loop });
  await app.register(featureImportanceRoutes, { loop });
}
