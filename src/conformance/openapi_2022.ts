// What the tests check 2022-09-01-preview's answers against: its operations (path, verb, success status and body,
// the `default` error with its x-ms-error-code header) and the definitions of the bodies they answer with, as the
// Personalizer.json of that version in Azure/azure-rest-api-specs declares them
// (specification/cognitiveservices/data-plane/Personalizer/preview/2022-09-01-preview). Written out here for the
// response side only, so that the tests need no network; request bodies are checked by the server's own schemas.
// Enums the spec marks modelAsString (statuses, evaluationType, policySource, learningMode, error codes) are
// open sets on the wire and are left out, as openapi.ts does for the other versions.
import { specFromDocument, type LoadedSpec } from './openapi.js';

type Json = any;

const ref = (name: string): Json => ({ $ref: `#/definitions/${name}` });
const dateTime = { type: 'string', format: 'date-time' };
const float = { type: 'number', format: 'float' };
const string = { type: 'string' };
const id256 = { type: 'string', maxLength: 256 };

const definitions: Record<string, Json> = {
  DateRange: { type: 'object', properties: { from: dateTime, to: dateTime } },
  InternalError: { type: 'object', properties: { code: string, innererror: ref('InternalError') } },
  PersonalizerError: {
    type: 'object',
    required: ['code', 'message'],
    properties: { code: string, message: string, target: string, details: { type: 'array', items: ref('PersonalizerError') }, innerError: ref('InternalError') },
  },
  ErrorResponse: { type: 'object', required: ['error'], properties: { error: ref('PersonalizerError') } },
  Data: { type: 'object', properties: { timeStamp: dateTime, expectedReward: float, confidenceInterval: { type: 'array', items: float } } },
  Summary: { type: 'object', properties: { expectedReward: float, confidenceInterval: { type: 'array', items: float } } },
  TimeSeries: { type: 'object', properties: { data: { type: 'array', items: ref('Data') } } },
  PolicyResult: {
    type: 'object',
    properties: { name: string, slotId: string, arguments: string, policySource: string, summary: ref('Summary'), timeseries: ref('TimeSeries') },
  },
  EvaluationResult: {
    type: 'object',
    properties: { startTime: dateTime, endTime: dateTime, intervalInMinutes: { type: 'integer', format: 'int32' }, value: { type: 'array', items: ref('PolicyResult') } },
  },
  EvaluationDetails: {
    type: 'object',
    properties: { id: id256, name: id256, startTime: dateTime, endTime: dateTime, creationTime: dateTime, status: string, evaluationType: string },
  },
  Evaluation: {
    type: 'object',
    properties: {
      id: id256, name: id256, startTime: dateTime, endTime: dateTime, creationTime: dateTime, status: string, evaluationType: string,
      optimalPolicy: string, content: ref('EvaluationResult'), description: string,
    },
  },
  Evaluations: { type: 'object', properties: { value: { type: 'array', items: ref('EvaluationDetails') }, nextLink: string } },
  FeatureScore: { type: 'object', properties: { namespace: string, featureName: string, score: float } },
  FeatureImportanceDetails: {
    type: 'object',
    properties: { id: id256, name: id256, startTime: dateTime, endTime: dateTime, creationTime: dateTime, status: string },
  },
  FeatureImportance: {
    type: 'object',
    properties: {
      id: id256, name: id256, startTime: dateTime, endTime: dateTime, creationTime: dateTime, status: string,
      featureScores: { type: 'array', items: ref('FeatureScore') }, description: string,
    },
  },
  FeatureImportances: { type: 'object', properties: { value: { type: 'array', items: ref('FeatureImportanceDetails') }, nextLink: string } },
  LogsProperties: { type: 'object', properties: { dateRange: ref('DateRange') } },
  ModelProperties: { type: 'object', properties: { creationTime: dateTime, lastModifiedTime: dateTime } },
  PolicyContract: { type: 'object', required: ['arguments', 'name'], properties: { name: id256, arguments: { type: 'string', maxLength: 1024 } } },
  RankedAction: { type: 'object', properties: { id: id256, probability: { type: 'number', format: 'float', minimum: 0, maximum: 1 } } },
  RankResponse: { type: 'object', properties: { ranking: { type: 'array', items: ref('RankedAction') }, eventId: id256, rewardActionId: id256 } },
  SlotResponse: { type: 'object', required: ['id'], properties: { id: id256, rewardActionId: id256 } },
  MultiSlotRankResponse: { type: 'object', properties: { slots: { type: 'array', items: ref('SlotResponse') }, eventId: id256 } },
  ServiceConfiguration: {
    type: 'object',
    required: ['defaultReward', 'explorationPercentage', 'logRetentionDays', 'modelExportFrequency', 'modelRetrainDays', 'rewardAggregation', 'rewardWaitTime'],
    properties: {
      rewardWaitTime: { type: 'string', format: 'duration' },
      defaultReward: { type: 'number', format: 'float', minimum: -1, maximum: 1 },
      rewardAggregation: { type: 'string', maxLength: 256 },
      explorationPercentage: { type: 'number', format: 'float', minimum: 0, maximum: 1 },
      modelExportFrequency: { type: 'string', format: 'duration' },
      logMirrorEnabled: { type: 'boolean' },
      logMirrorSasUri: string,
      logRetentionDays: { type: 'integer', format: 'int32', minimum: -1, maximum: 2147483647 },
      lastConfigurationEditDate: dateTime,
      learningMode: string,
      isAutoOptimizationEnabled: { type: 'boolean' },
      autoOptimizationFrequency: { type: 'string', format: 'duration' },
      autoOptimizationStartDate: dateTime,
      modelRetrainDays: { type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647 },
    },
  },
};

/** operationId, verb, path, success status, its body (a definition, null for none, 'file' for binary). */
const OPERATIONS: Array<[string, string, string, string, string | null | 'file']> = [
  ['ServiceConfiguration_Get', 'get', '/configurations/service', '200', 'ServiceConfiguration'],
  ['ServiceConfiguration_Update', 'put', '/configurations/service', '200', 'ServiceConfiguration'],
  ['Policy_Get', 'get', '/configurations/policy', '200', 'PolicyContract'],
  ['Policy_Update', 'put', '/configurations/policy', '200', 'PolicyContract'],
  ['Policy_Reset', 'delete', '/configurations/policy', '200', 'PolicyContract'],
  ['ServiceConfiguration_ApplyFromEvaluation', 'post', '/configurations/applyFromEvaluation', '204', null],
  ['Evaluations_Get', 'get', '/evaluations/{evaluationId}', '200', 'Evaluation'],
  ['Evaluations_Delete', 'delete', '/evaluations/{evaluationId}', '204', null],
  ['Evaluations_Create', 'put', '/evaluations/{evaluationId}', '200', null],
  ['Evaluations_List', 'get', '/evaluations', '200', 'Evaluations'],
  ['Events_Reward', 'post', '/events/{eventId}/reward', '204', null],
  ['Events_Activate', 'post', '/events/{eventId}/activate', '204', null],
  ['FeatureImportances_Delete', 'delete', '/featureImportances/{featureImportanceId}', '204', null],
  ['FeatureImportances_Get', 'get', '/featureImportances/{featureImportanceId}', '200', 'FeatureImportance'],
  ['FeatureImportances_Create', 'put', '/featureImportances/{featureImportanceId}', '200', null],
  ['FeatureImportances_List', 'get', '/featureImportances', '200', 'FeatureImportances'],
  ['Log_Interactions', 'post', '/logs/interactions', '204', null],
  ['Log_Observations', 'post', '/logs/observations', '204', null],
  ['Log_Delete', 'delete', '/logs', '204', null],
  ['Log_GetProperties', 'get', '/logs/properties', '200', 'LogsProperties'],
  ['Model_Get', 'get', '/model', '200', 'file'],
  ['Model_Import', 'put', '/model', '204', null],
  ['Model_Reset', 'delete', '/model', '204', null],
  ['Model_GetProperties', 'get', '/model/properties', '200', 'ModelProperties'],
  ['MultiSlotEvents_Reward', 'post', '/multislot/events/{eventId}/reward', '204', null],
  ['MultiSlotEvents_Activate', 'post', '/multislot/events/{eventId}/activate', '204', null],
  ['MultiSlot_Rank', 'post', '/multislot/rank', '201', 'MultiSlotRankResponse'],
  ['Rank', 'post', '/rank', '201', 'RankResponse'],
];

function document(): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const [operationId, verb, path, status, body] of OPERATIONS) {
    const parameters: Json[] = [{ name: 'api-version', in: 'query', required: true, type: 'string' }];
    for (const m of path.matchAll(/\{(\w+)\}/g)) parameters.push({ name: m[1], in: 'path', required: true, type: 'string', maxLength: 256 });
    const success: Json = { description: 'Success' };
    if (body === 'file') success.schema = { type: 'file' };
    else if (body !== null) success.schema = ref(body);
    (paths[path] ??= {})[verb] = {
      operationId,
      produces: body === 'file' ? ['application/octet-stream', 'application/json'] : ['application/json'],
      parameters,
      responses: {
        [status]: success,
        default: { description: 'Error', headers: { 'x-ms-error-code': { type: 'string' } }, schema: ref('ErrorResponse') },
      },
    };
  }
  return { swagger: '2.0', info: { version: '2022-09-01-preview' }, basePath: '/personalizer', paths, definitions };
}

export const OPERATION_COUNT = OPERATIONS.length;

export function loadSpec2022(): LoadedSpec {
  return specFromDocument(document());
}
