// 2022-09-01-preview's feature importances (Personalizer.json 2022-09-01-preview "FeatureImportances_*"):
//   PUT    /featureImportances/{id}   FeatureImportanceContract {name, startTime, endTime} → 200, no body;
//                                     409 FeatureImportanceAlreadyExists when the id is taken
//   GET    /featureImportances/{id}   → 200 FeatureImportance (featureScores once Succeeded)
//   GET    /featureImportances?top&skip&maxpagesize → 200 {value: FeatureImportanceDetails[], nextLink}
//   DELETE /featureImportances/{id}   → 204
// The jobs are the loop's (loop/feature_importances.ts); unknown ids are 404 FeatureImportanceNotFound.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { ref } from '../schemas.js';
import { ERROR_RESPONSE, SECURITY, type V1Options } from '../v1_0/common.js';
import { PAGE_PARAMETERS, VERSION_ONLY, API_VERSION, page, pageQuery } from './paging.js';
import { FeatureImportance, FeatureImportanceContract, FeatureImportances, type FeatureImportanceContractBody } from './schemas.js';

interface IdParams {
  featureImportanceId: string;
}

const IdParamsSchema = Type.Object({
  featureImportanceId: Type.String({ maxLength: 256, description: 'Id of the feature importance.', examples: ['my-feature-importance'] }),
});

export async function featureImportanceRoutes(app: FastifyInstance, { loop }: V1Options): Promise<void> {
  const tags = ['FeatureImportances20220901Preview'];

  app.put<{ Params: IdParams; Body: FeatureImportanceContractBody }>('/featureImportances/:featureImportanceId', {
    config: { invalidRequestCode: 'InvalidContract' },
    schema: {
      operationId: 'FeatureImportances_Create', tags, summary: 'Create Feature Importance.',
      description: 'Submit a feature importance job over the events ranked in [startTime, endTime): each namespace, then the features of the most important ones, left out in turn.',
      security: SECURITY,
      params: IdParamsSchema,
      querystring: VERSION_ONLY,
      body: ref(FeatureImportanceContract),
      response: { 200: { type: 'null', description: 'Success: the job is queued (GET it to follow it).' }, ...ERROR_RESPONSE },
    },
  }, async (request, reply) => {
    const { name, startTime, endTime } = request.body;
    await loop.createFeatureImportance(request.params.featureImportanceId, { name, startTime, endTime });
    return reply.code(200).send();
  });

  app.get<{ Params: IdParams }>('/featureImportances/:featureImportanceId', {
    schema: {
      operationId: 'FeatureImportances_Get', tags, summary: 'Get Feature Importance.',
      description: 'The feature importance job: its status, and its scores (0 … 1, most important first) once Succeeded.',
      security: SECURITY,
      params: IdParamsSchema,
      querystring: VERSION_ONLY,
      response: { 200: { ...ref(FeatureImportance), description: 'Success' }, ...ERROR_RESPONSE },
    },
  }, async (request) => loop.getFeatureImportance(request.params.featureImportanceId));

  app.get<{ Querystring: Record<string, unknown> }>('/featureImportances', {
    schema: {
      operationId: 'FeatureImportances_List', tags, summary: 'List Feature Importances.',
      description: 'The feature importance jobs, newest first, a page at a time.',
      security: SECURITY,
      querystring: {
        type: 'object',
        properties: {
          'api-version': API_VERSION,
          ...PAGE_PARAMETERS,
        },
      },
      response: { 200: { ...ref(FeatureImportances), description: 'Success' }, ...ERROR_RESPONSE },
    },
  }, async (request) => {
    const q = pageQuery(request.query);
    const all = (await loop.listFeatureImportances()).map(({ id, name, startTime, endTime, creationTime, status }) => ({ id, name, startTime, endTime, creationTime, status }));
    return page(all, q, request);
  });

  app.delete<{ Params: IdParams }>('/featureImportances/:featureImportanceId', {
    schema: {
      operationId: 'FeatureImportances_Delete', tags, summary: 'Delete Feature Importance.',
      description: 'Delete the feature importance job, stopping it if it runs.',
      security: SECURITY,
      params: IdParamsSchema,
      querystring: VERSION_ONLY,
      response: { 204: { type: 'null', description: 'No Content' }, ...ERROR_RESPONSE },
    },
  }, async (request, reply) => {
    await loop.deleteFeatureImportance(request.params.featureImportanceId);
    return reply.code(204).send();
  });
}
