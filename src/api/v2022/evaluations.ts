// 2022-09-01-preview's evaluations (Personalizer.json 2022-09-01-preview "Evaluations_*"; docs/azure-api.md §2.3): the
// same jobs as v1.0's (loop/evaluations.ts), with the client choosing the id and their own shapes.
//   PUT    /evaluations/{id}                 EvaluationContract (enablePolicyOptimization) → 200, no body;
//                                            409 EvaluationAlreadyExists when the id is taken
//   GET    /evaluations/{id}?startTime&endTime[&intervalInMinutes=5][&window=Expanding]
//                                            → 200 Evaluation; its content (results re-aggregated over the asked
//                                            range, loop/evaluation_series.ts) once it has succeeded
//   GET    /evaluations?filter&top&skip&maxpagesize → 200 {value: EvaluationDetails[], nextLink} (paging.ts)
//   DELETE /evaluations/{id}                 → 204
// filter: `field eq 'value'` terms joined by `and`, over evaluationType, status (2022's words) and name, e.g.
// evaluationType eq 'Manual'; anything else is a 400 BadRequest.
import type { FastifyInstance } from 'fastify';
import { checkSeriesQuery, evaluationSeries, jobStatus, LoopError, type Evaluation, type SeriesWindow } from '../../loop/index.js';
import { parseDateTime } from '../../loop/date_time.js';
import { EvaluationIdParams } from '../evaluation_schemas.js';
import { ref } from '../schemas.js';
import { ERROR_RESPONSE, SECURITY, type V1Options } from '../v1_0/common.js';
import { API_VERSION, PAGE_PARAMETERS, VERSION_ONLY, page, pageQuery } from './paging.js';
import { Evaluation2022, EvaluationContract2022, Evaluations2022, type EvaluationContract2022Body } from './schemas.js';

interface IdParams {
  evaluationId: string;
}
type Query = Record<string, unknown>;

const EMPTY_200 = { type: 'null', description: 'Success: the evaluation is queued (GET it to follow it).' } as const;

function details(e: Evaluation) {
  return { id: e.id, name: e.name, startTime: e.startTime, endTime: e.endTime, creationTime: e.creationTime, status: jobStatus(e.status), evaluationType: e.evaluationType };
}

function description(e: Evaluation): string | undefined {
  if (e.failureReason !== undefined) return e.failureReason;
  if (e.progress) return `${e.progress.stage} (${Math.round(e.progress.fraction * 100)}%)`;
  return e.decisionReason;
}

const FILTER_FIELDS = ['evaluationType', 'status', 'name'] as const;

/** The filter as field → value terms, all of which must hold. */
export function parseFilter(text: unknown): Array<[(typeof FILTER_FIELDS)[number], string]> {
  if (text === undefined || text === '') return [];
  if (typeof text !== 'string') throw new LoopError('BadRequest', 'filter: give it once');
  return text.split(/\s+and\s+/i).map((term) => {
    const m = /^\s*(?:metadata\s*=\s*)?(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$/i.exec(term);
    const field = m && FILTER_FIELDS.find((f) => f.toLowerCase() === m[1]!.toLowerCase());
    if (!m || !field) {
      throw new LoopError('BadRequest', `filter: '${term.slice(0, 80)}' is not understood; write field eq 'value' (fields: ${FILTER_FIELDS.join(', ')}), terms joined by and`);
    }
    return [field, m[2]!.replace(/''/g, "'")];
  });
}

function time(query: Query, name: string): number {
  const ms = parseDateTime(query[name]);
  if (ms === null) throw new LoopError('BadRequest', `${name}: is required and must be an ISO-8601 date-time such as 2024-01-19T00:00:00Z`);
  return ms;
}

export async function evaluationRoutes2022(app: FastifyInstance, { loop }: V1Options): Promise<void> {
  const tags = ['Evaluations20220901Preview'];

  app.put<{ Params: IdParams; Body: EvaluationContract2022Body }>('/evaluations/:evaluationId', {
    config: { invalidRequestCode: 'InvalidEvaluationContract' },
    schema: {
      operationId: 'Evaluations_Create_2022_09_01_preview', tags, summary: 'Create Offline Evaluation.',
      description: 'Submit a new Offline Evaluation job with the id of your choice, over the events ranked in [startTime, endTime).',
      security: SECURITY,
      params: EvaluationIdParams,
      querystring: VERSION_ONLY,
      body: ref(EvaluationContract2022),
      response: { 200: EMPTY_200, ...ERROR_RESPONSE },
    },
  }, async (request, reply) => {
    // The other version's name for the same switch: refused rather than ignored (an optimization silently not run).
    if ('enableOfflineExperimentation' in request.body) {
      throw new LoopError('InvalidEvaluationContract', 'enableOfflineExperimentation is the v1.0 name; under api-version=2022-09-01-preview it is enablePolicyOptimization');
    }
    const { enablePolicyOptimization, name, startTime, endTime, policies } = request.body;
    await loop.createEvaluation({ name, startTime, endTime, policies, enableOfflineExperimentation: enablePolicyOptimization === true }, request.params.evaluationId);
    return reply.code(200).send();
  });

  app.get<{ Params: IdParams; Querystring: Query }>('/evaluations/:evaluationId', {
    schema: {
      operationId: 'Evaluations_Get_2022_09_01_preview', tags, summary: 'Get Evaluation.',
      description: 'The evaluation, and once it has succeeded its results over [startTime, endTime), per 5-minute bin (Expanding) or per interval (Rolling).',
      security: SECURITY,
      params: EvaluationIdParams,
      querystring: {
        type: 'object',
        properties: {
          'api-version': API_VERSION,
          startTime: { type: 'string', format: 'date-time', description: 'Start of the results shown.', examples: ['2000-01-01T00:00:00Z'] },
          endTime: { type: 'string', format: 'date-time', description: 'End of the results shown (excluded).', examples: ['2100-01-01T00:00:00Z'] },
          intervalInMinutes: { type: 'string', description: '5 (default), 60, 360, 720 or 1440.' },
          window: { type: 'string', description: 'Expanding (default; 5 minutes only) or Rolling (60 minutes and more).' },
        },
        required: ['startTime', 'endTime'],
      },
      response: { 200: { ...ref(Evaluation2022), description: 'Success' }, ...ERROR_RESPONSE },
    },
  }, async (request) => {
    const q = request.query;
    const startTime = time(q, 'startTime');
    const endTime = time(q, 'endTime');
    const rawInterval = q['intervalInMinutes'];
    const intervalInMinutes = rawInterval === undefined || rawInterval === '' ? 5 : /^\d+$/.test(String(rawInterval)) ? Number(rawInterval) : NaN;
    const rawWindow = q['window'];
    let window: SeriesWindow;
    if (rawWindow === undefined || rawWindow === '') window = intervalInMinutes === 5 || Number.isNaN(intervalInMinutes) ? 'Expanding' : 'Rolling';
    else if (typeof rawWindow === 'string' && /^(expanding|rolling)$/i.test(rawWindow)) window = rawWindow.toLowerCase() === 'expanding' ? 'Expanding' : 'Rolling';
    else throw new LoopError('BadRequest', `window: must be Expanding or Rolling (got ${JSON.stringify(rawWindow).slice(0, 40)})`);
    const series = { startTime, endTime, intervalInMinutes, window };
    // A wrong query is a 400 whether or not the evaluation exists or has results yet.
    checkSeriesQuery(series);
    const e = await loop.getEvaluation(request.params.evaluationId);
    const status = jobStatus(e.status);
    const succeeded = status === 'Succeeded' || status === 'OptimalPolicyApplied' || status === 'OnlinePolicyRetained';
    const why = description(e);
    return { ...details(e), optimalPolicy: e.optimalPolicy, ...(succeeded ? { content: evaluationSeries(e, series) } : {}), ...(why !== undefined ? { description: why } : {}) };
  });

  app.get<{ Querystring: Query }>('/evaluations', {
    schema: {
      operationId: 'Evaluations_List_2022_09_01_preview', tags, summary: 'List Offline Evaluations.',
      description: 'The evaluations, newest first, a page at a time.',
      security: SECURITY,
      querystring: {
        type: 'object',
        properties: {
          'api-version': API_VERSION,
          filter: { type: 'string', description: "e.g. evaluationType eq 'Manual'" },
          ...PAGE_PARAMETERS,
        },
      },
      response: { 200: { ...ref(Evaluations2022), description: 'Success' }, ...ERROR_RESPONSE },
    },
  }, async (request) => {
    const terms = parseFilter(request.query['filter']);
    const q = pageQuery(request.query);
    const all = (await loop.listEvaluations()).map(details).filter((d) => terms.every(([field, value]) => (field === 'name' ? d.name === value : d[field].toLowerCase() === value.toLowerCase())));
    return page(all, q, request);
  });

  app.delete<{ Params: IdParams }>('/evaluations/:evaluationId', {
    schema: {
      operationId: 'Evaluations_Delete_2022_09_01_preview', tags, summary: 'Delete Evaluation.',
      description: 'Delete the Offline Evaluation associated with the Id, stopping it if it runs.',
      security: SECURITY,
      params: EvaluationIdParams,
      querystring: VERSION_ONLY,
      response: { 204: { type: 'null', description: 'No Content' }, ...ERROR_RESPONSE },
    },
  }, async (request, reply) => {
    await loop.deleteEvaluation(request.params.evaluationId);
    return reply.code(204).send();
  });
}
