// Offline evaluations (Personalizer.json v1.0 and v1.1-preview.3 "Evaluations_*"; docs/azure-api.md §2, §6):
// POST → 201 Evaluation (status pending) with Location {scheme}://{host}{base path}/evaluations/{id};
// GET one → 200 Evaluation, polled through running to completed or failed; GET list → 200 Evaluation[] (newest
// first, each policy's totals without the per-bin summaries); DELETE → 204 (a running job is stopped). Unknown ids
// are 404 EvaluationNotFound. The jobs run in worker threads (loop/evaluation_jobs.ts), never on this thread.
import type { FastifyInstance } from 'fastify';
import { Evaluation, EvaluationContract, EvaluationIdParams, type EvaluationContractBody } from '../evaluation_schemas.js';
import { ref } from '../schemas.js';
import { LoopError } from '../../loop/types.js';
import { ERROR_RESPONSE, NO_CONTENT, SECURITY, type V1Options } from './common.js';

interface IdParams {
  evaluationId: string;
}

export async function evaluationRoutes(app: FastifyInstance, { loop }: V1Options): Promise<void> {
  const tags = ['Evaluations'];
  const evaluation = { ...ref(Evaluation), description: 'Success' };
  // The base path this copy of the routes is mounted under (v1.0 or a preview), for the Location header.
  const base = app.prefix;

  app.get('/evaluations', {
    schema: {
      operationId: 'Evaluations_List', tags, summary: 'List Offline Evaluations.',
      description: 'List of all Offline Evaluations, newest first. Each policy carries its totalSummary; GET one evaluation for its 5-minute summaries.',
      security: SECURITY,
      response: { 200: { type: 'array', items: ref(Evaluation), description: 'Success' }, ...ERROR_RESPONSE },
    },
  }, async () => loop.listEvaluations());

  app.post<{ Body: EvaluationContractBody }>('/evaluations', {
    config: { invalidRequestCode: 'InvalidEvaluationContract' },
    schema: {
      operationId: 'Evaluations_Create', tags, summary: 'Create Offline Evaluation.',
      description:
        'Submit a new Offline Evaluation job over the events ranked in [startTime, endTime) and rewarded (or past their reward wait time). ' +
        'Online, Baseline1 and BaselineRand are always compared; enableOfflineExperimentation also searches for better learning settings.',
      security: SECURITY,
      body: ref(EvaluationContract),
      response: {
        201: { ...evaluation, headers: { Location: { type: 'string', description: 'Location of the Offline Evaluation status and data.' } } },
        ...ERROR_RESPONSE,
      },
    },
  }, async (request, reply) => {
    // 2022-09-01-preview's name for the same switch, sent to a path-style version: refused rather than ignored.
    if ('enablePolicyOptimization' in request.body) {
      throw new LoopError('InvalidEvaluationContract', 'enablePolicyOptimization is the 2022-09-01-preview name; under this version it is enableOfflineExperimentation');
    }
    const created = await loop.createEvaluation(request.body);
    reply.header('location', `${request.protocol}://${request.host}${base}/evaluations/${encodeURIComponent(created.id)}`);
    return reply.code(201).send(created);
  });

  app.get<{ Params: IdParams }>('/evaluations/:evaluationId', {
    schema: {
      operationId: 'Evaluations_Get', tags, summary: 'Get Evaluation.',
      description: 'Get the Offline Evaluation associated with the Id: its status, progress while it runs, and its results once completed.',
      security: SECURITY,
      params: EvaluationIdParams,
      response: { 200: evaluation, ...ERROR_RESPONSE },
    },
  }, async (request) => loop.getEvaluation(request.params.evaluationId));

  app.delete<{ Params: IdParams }>('/evaluations/:evaluationId', {
    schema: {
      operationId: 'Evaluations_Delete', tags, summary: 'Delete Evaluation.',
      description: 'Delete the Offline Evaluation associated with the Id, stopping it if it runs.',
      security: SECURITY,
      params: EvaluationIdParams,
      response: { 204: NO_CONTENT, ...ERROR_RESPONSE },
    },
  }, async (request, reply) => {
    await loop.deleteEvaluation(request.params.evaluationId);
    return reply.code(204).send();
  });
}
