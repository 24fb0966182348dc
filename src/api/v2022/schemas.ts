// 2022-09-01-preview's own wire schemas (Personalizer.json 2022-09-01-preview, definitions "EvaluationContract",
// "Evaluation", "EvaluationDetails", "EvaluationResult", "PolicyResult", "Summary", "TimeSeries", "Data",
// "Evaluations", "FeatureImportanceContract", "FeatureImportance", "FeatureImportanceDetails", "FeatureImportances",
// "FeatureScore"). Their $ids carry a 2022 suffix: v1.0's Evaluation and PolicyResult keep their names.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PolicyContract, ref } from '../schemas.js';

const dateTime = (description: string) => Type.String({ format: 'date-time', description });
const JOB_STATUS = 'Succeeded, Running, Failed, NotSubmitted (queued), Timeout, Canceled';

export const EvaluationContract2022 = Type.Object(
  {
    enablePolicyOptimization: Type.Optional(Type.Boolean({ description: 'True if the evaluation should explore for a more optimal learning settings.' })),
    name: Type.String({ minLength: 1, maxLength: 256, description: 'The name of the evaluation.' }),
    startTime: dateTime('The start time of the evaluation.'),
    endTime: dateTime('The end time of the evaluation (excluded).'),
    policies: Type.Array(ref(PolicyContract), { description: 'Additional learning settings to evaluate (may be empty).' }),
  },
  {
    $id: 'EvaluationContract2022',
    description: 'A counterfactual evaluation (2022-09-01-preview).',
    examples: [
      {
        name: 'everything logged',
        startTime: '2000-01-01T00:00:00Z',
        endTime: '2100-01-01T00:00:00Z',
        policies: [{ name: 'faster learning', arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.01 --cb_type mtr -q ::' }],
        enablePolicyOptimization: false,
      },
    ],
  },
);

const Estimate = {
  expectedReward: Type.Number({ format: 'float', description: 'Average reward (IPS estimate).' }),
  confidenceInterval: Type.Array(Type.Number({ format: 'float' }), { description: 'The 95% confidence interval, [lower, upper].' }),
};

export const PolicyResult2022 = Type.Object(
  {
    name: Type.String({ description: 'The name of the Learning Settings.' }),
    slotId: Type.Optional(Type.String({ description: 'Slot id. Empty for overall results and single slot results.' })),
    arguments: Type.String({ description: 'The arguments of the Learning Settings.' }),
    policySource: Type.String({ description: 'Online, Baseline, Random, Custom or OfflineExperimentation.' }),
    summary: Type.Object(Estimate, { description: 'Over the asked range.' }),
    timeseries: Type.Object(
      { data: Type.Array(Type.Object({ timeStamp: dateTime('Timestamp of the aggregation.'), ...Estimate }), { description: 'Time series.' }) },
      { description: 'Expanding: from startTime to each 5-minute bin; Rolling: each interval alone.' },
    ),
  },
  { $id: 'PolicyResult2022' },
);

const EvaluationFields = {
  id: Type.String({ maxLength: 256, description: 'The ID of the evaluation.' }),
  name: Type.String({ maxLength: 256, description: 'The name of the evaluation.' }),
  startTime: dateTime('The start time of the evaluation.'),
  endTime: dateTime('The end time of the evaluation.'),
  creationTime: dateTime('The creation time of the evaluation.'),
  status: Type.String({ description: `${JOB_STATUS}, OptimalPolicyApplied, OnlinePolicyRetained.` }),
  evaluationType: Type.String({ description: 'Manual or Auto.' }),
};

export const EvaluationDetails2022 = Type.Object(EvaluationFields, { $id: 'EvaluationDetails2022' });

export const Evaluation2022 = Type.Object(
  {
    ...EvaluationFields,
    optimalPolicy: Type.String({ description: 'Optimal policy found by the evaluation job.' }),
    content: Type.Optional(
      Type.Object(
        {
          startTime: dateTime('Start time of the time series.'),
          endTime: dateTime('End time of the time series.'),
          intervalInMinutes: Type.Integer({ format: 'int32', description: 'Aggregation window.' }),
          value: Type.Array(ref(PolicyResult2022), { description: 'Time series of the learning settings results.' }),
        },
        { description: 'The results, once Succeeded.' },
      ),
    ),
    description: Type.Optional(Type.String({ description: 'Progress while it runs; why it failed; why auto-optimization decided as it did.' })),
  },
  { $id: 'Evaluation2022', description: 'A counterfactual evaluation (2022-09-01-preview).' },
);

const page = (item: TSchema, id: string) =>
  Type.Object(
    { value: Type.Array(ref(item as TSchema & { $id: string })), nextLink: Type.Optional(Type.String({ description: 'The next page, when there is one.' })) },
    { $id: id },
  );

export const Evaluations2022 = page(EvaluationDetails2022, 'Evaluations2022');

export const FeatureImportanceContract = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256, description: 'The name of the feature importance.' }),
    startTime: dateTime('The start time of the feature importance.'),
    endTime: dateTime('The end time of the feature importance (excluded).'),
  },
  { $id: 'FeatureImportanceContract', examples: [{ name: 'everything logged', startTime: '2000-01-01T00:00:00Z', endTime: '2100-01-01T00:00:00Z' }] },
);

const FeatureImportanceFields = {
  id: Type.String({ maxLength: 256 }),
  name: Type.String({ maxLength: 256 }),
  startTime: dateTime('The start time of the feature importance.'),
  endTime: dateTime('The end time of the feature importance.'),
  creationTime: dateTime('The creation time of the feature importance.'),
  status: Type.String({ description: JOB_STATUS }),
};

export const FeatureImportanceDetails = Type.Object(FeatureImportanceFields, { $id: 'FeatureImportanceDetails' });

export const FeatureImportance = Type.Object(
  {
    ...FeatureImportanceFields,
    featureScores: Type.Array(
      Type.Object({
        namespace: Type.String({ description: 'Feature namespace ("" for features outside any).' }),
        featureName: Type.Optional(Type.String({ description: 'Feature name; absent for the whole namespace.' })),
        score: Type.Number({ format: 'float', description: '0 (least) … 1 (most important).' }),
      }),
      { description: 'Normalized feature scores, most important first.' },
    ),
    description: Type.Optional(Type.String({ description: 'Progress while it runs; why it failed.' })),
  },
  { $id: 'FeatureImportance' },
);

export const FeatureImportances = page(FeatureImportanceDetails, 'FeatureImportances');

/** Registered with fastify.addSchema after schemas.ts's, in dependency order (server.ts). */
export const V2022_SCHEMAS: TSchema[] = [
  EvaluationContract2022,
  PolicyResult2022,
  EvaluationDetails2022,
  Evaluation2022,
  Evaluations2022,
  FeatureImportanceContract,
  FeatureImportanceDetails,
  FeatureImportance,
  FeatureImportances,
];

export type EvaluationContract2022Body = Static<typeof EvaluationContract2022>;
export type FeatureImportanceContractBody = Static<typeof FeatureImportanceContract>;
