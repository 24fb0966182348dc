// The multi-slot operations of v1.1-preview.1+ (Personalizer.json v1.1-preview.3 "MultiSlot_Rank",
// "MultiSlotEvents_Reward", "MultiSlotEvents_Activate"; docs/multi-slot.md): registered under the preview base
// paths only, never under v1.0. POST /multislot/rank → 201 MultiSlotRankResponse; reward and activate → 204.
// The loop decides everything else (docs/multi-slot.md): a loop that is not multi-slot answers
// InvalidMultiSlotApiAccess.
import type { FastifyInstance } from 'fastify';
import { EventIdParams, MultiSlotRankRequest, MultiSlotRankResponse, MultiSlotRewardRequest, ref, type MultiSlotRankRequestBody, type MultiSlotRewardRequestBody } from '../schemas.js';
import { ERROR_RESPONSE, NO_CONTENT, SECURITY, type V1Options } from '../v1_0/common.js';

interface EventParams {
  eventId: string;
}

export async function multislotRoutes(app: FastifyInstance, { loop }: V1Options): Promise<void> {
  app.post<{ Body: MultiSlotRankRequestBody }>(
    '/multislot/rank',
    {
      config: { invalidRequestCode: 'InvalidRankRequest' },
      schema: {
        operationId: 'MultiSlot_Rank',
        tags: ['MultiSlot'],
        summary: 'Post multi-slot Rank.',
        description: 'Submit a Personalizer multi-slot rank request. Receives a context, a list of actions, and a list of slots. Returns which of the provided actions should be used in each slot, in each rewardActionId.',
        security: SECURITY,
        body: ref(MultiSlotRankRequest),
        response: { 201: { ...ref(MultiSlotRankResponse), description: 'Success' }, ...ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      const response = await loop.rankMultiSlot(request.body, request.jsonText ?? undefined);
      reply.header('csp-billing-usage', 'CognitiveServices.Personalizer.Transaction=1');
      return reply.code(201).send(response);
    },
  );

  app.post<{ Params: EventParams; Body: MultiSlotRewardRequestBody }>(
    '/multislot/events/:eventId/reward',
    {
      config: { invalidRequestCode: 'InvalidRewardRequest' },
      schema: {
        operationId: 'MultiSlotEvents_Reward',
        tags: ['MultiSlotEvents'],
        summary: 'Post multi-slot Rewards.',
        description: 'Report reward that resulted from using the action specified in rewardActionId for the slot.',
        security: SECURITY,
        params: EventIdParams,
        body: ref(MultiSlotRewardRequest),
        response: { 204: NO_CONTENT, ...ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      await loop.rewardMultiSlot(request.params.eventId, request.body);
      return reply.code(204).send();
    },
  );

  app.post<{ Params: EventParams }>(
    '/multislot/events/:eventId/activate',
    {
      config: { invalidRequestCode: 'InvalidEventIdToActivate' },
      schema: {
        operationId: 'MultiSlotEvents_Activate',
        tags: ['MultiSlotEvents'],
        summary: 'Activate multi-slot Event.',
        description: 'Report that the specified event was actually used or displayed to the user and a rewards should be expected for it.',
        security: SECURITY,
        params: EventIdParams,
        response: { 204: NO_CONTENT, ...ERROR_RESPONSE },
      },
    },
    async (request, reply) => {
      await loop.activateMultiSlot(request.params.eventId);
      return reply.code(204).send();
    },
  );
}
