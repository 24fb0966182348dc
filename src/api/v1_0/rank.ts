// POST /rank → 201 RankResponse (Personalizer.json v1.0 "Rank"; docs/azure-api.md §2.1). The SDKs treat any other
// success code as an error (docs/azure-api.md §8.1), so 201 is not negotiable.
import type { FastifyInstance } from 'fastify';
import { RankRequest, RankResponse, ref, type RankRequestBody } from '../schemas.js';
import { ERROR_RESPONSE, SECURITY, type V1Options } from './common.js';

export async function rankRoutes(app: FastifyInstance, { loop }: V1Options): Promise<void> {
  app.post<{ Body: RankRequestBody }>(
    '/rank',
    {
      config: { invalidRequestCode: 'InvalidRankRequest' },
      schema: {
        operationId: 'Rank',
        tags: ['Rank'],
        summary: 'Post Rank.',
        description: 'Submit a Personalizer rank request. Receives a context and a list of actions. Returns which of the provided actions should be used by your application, in rewardActionId.',
        security: SECURITY,
        body: ref(RankRequest),
        response: { 201: { ...ref(RankResponse), description: 'Success' }, ...ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      const response = await loop.rank(request.body, request.jsonText ?? undefined);
      // Metering header of the real service (docs/azure-api.md §8.4): one transaction per rank.
      reply.header('csp-billing-usage', 'CognitiveServices.Personalizer.Transaction=1');
      return reply.code(201).send(response);
    },
  );
}
