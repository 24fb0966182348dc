// POST /events/{eventId}/reward and /activate → 204 (Personalizer.json v1.0 "Events_Reward", "Events_Activate").
// Activate takes no body; the SDKs send either none or an empty JSON one (docs/azure-api.md §8.3): both parse to
// "no body" (body_parsers.ts). eventId arrives percent-decoded (docs/azure-api.md §8.2).
import type { FastifyInstance } from 'fastify';
import { EventIdParams, RewardRequest, ref, type RewardRequestBody } from '../schemas.js';
import { ERROR_RESPONSE, NO_CONTENT, SECURITY, type V1Options } from './common.js';

interface EventParams {
  eventId: string;
}

export async function eventRoutes(app: FastifyInstance, { loop }: V1Options): Promise<void> {
  app.post<{ Params: EventParams; Body: RewardRequestBody }>(
    '/events/:eventId/reward',
    {
      config: { invalidRequestCode: 'InvalidRewardRequest' },
      schema: {
        operationId: 'Events_Reward',
        tags: ['Events'],
        summary: 'Post Reward.',
        description: 'Report reward that resulted from using the action specified in rewardActionId for the specified event.',
        security: SECURITY,
        params: EventIdParams,
        body: ref(RewardRequest),
        response: { 204: NO_CONTENT, ...ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      await loop.reward(request.params.eventId, request.body.value);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: EventParams }>(
    '/events/:eventId/activate',
    {
      config: { invalidRequestCode: 'InvalidEventIdToActivate' },
      schema: {
        operationId: 'Events_Activate',
        tags: ['Events'],
        summary: 'Activate Event.',
        description: 'Report that the specified event was actually used (e.g. by being displayed to the user) and a reward should be expected for it.',
        security: SECURITY,
        params: EventIdParams,
        response: { 204: NO_CONTENT, ...ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      await loop.activate(request.params.eventId);
      return reply.code(204).send();
    },
  );
}
