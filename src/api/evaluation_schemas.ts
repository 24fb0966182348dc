// The offline-evaluation wire schemas (Personalizer.json v1.0 and v1.1-preview.3 definitions "EvaluationContract",
// "Evaluation", "PolicyResult", "PolicyResultSummary", "PolicyReferenceContract"; docs/azure-api.md §3). Responses
// carry v1.0's fields plus preview.3's (evaluationType, optimalPolicy, creationTime, policySource,
// averageReward) and fields of ours marked "Beyond Azure", which the SDKs ignore: a serializer sends only what a
// schema declares, so each is declared here.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { PolicyContract, ref } from './schemas.js';

const float = (description: string) => Type.Optional(Type.Number({ format: 'float', description }));

export const PolicyResultSummary = Type.Object(
  {
    timeStamp: Type.Optional(Type.String({ format: 'date-time', description: 'Start of the 5-minute bin; for the total, the end of the range.' })),
    ipsEstimatorNumerator: float('Numerator for IPS estimator: Σ reward · π/p.'),
    ipsEstimatorDenominator: float('Denominator for IPS estimator: the number of events.'),
    snipsEstimatorDenominator: float('Denominator for SNIPS estimator: Σ π/p.'),
    aggregateTimeWindow: Type.Optional(Type.String({ format: 'duration', description: 'Time window for aggregation: PT5M for bins, the range for the total.' })),
    nonZeroProbability: float('Events the policy gives a non-zero probability to the logged action.'),
    sumOfSquares: float('Sum of Squares for the Policy evaluation results: Σ (reward · π/p)².'),
    confidenceInterval: float('Gaussian 95% confidence half-width of the IPS estimate.'),
    averageReward: float('Average reward: the IPS estimate.'),
    doublyRobustEstimate: float('Beyond Azure: the doubly robust estimate of the average reward.'),
    doublyRobustConfidenceInterval: float('Beyond Azure: its Gaussian 95% confidence half-width.'),
  },
  { $id: 'PolicyResultSummary', description: 'This class contains the summary of evaluating a policy on a counterfactual evaluation.' },
);

export const PolicyResult = Type.Object(
  {
    name: Type.Optional(Type.String({ description: 'The name of the Learning Settings.' })),
    arguments: Type.Optional(Type.String({ description: 'The arguments of the Learning Settings.' })),
    policySource: Type.Optional(Type.String({ description: 'Online, Baseline, Random, Custom or OfflineExperimentation.' })),
    summary: Type.Optional(Type.Array(ref(PolicyResultSummary), { description: 'Per 5-minute bin (left out in lists).' })),
    totalSummary: Type.Optional(ref(PolicyResultSummary)),
    averageLoss: Type.Optional(Type.Number({ description: "Beyond Azure: VW's progressive average loss of the policy's replay." })),
  },
  { $id: 'PolicyResult', description: 'A policy of the evaluation and its results.' },
);

const FeatureScore = Type.Object({
  namespace: Type.String(),
  featureName: Type.Optional(Type.String()),
  score: Type.Number({ description: '0 (least important) … 100 (most important).' }),
});

export const Evaluation = Type.Object(
  {
    id: Type.String({ maxLength: 256, description: 'The ID of the evaluation.' }),
    name: Type.String({ maxLength: 256, description: 'The name of the evaluation.' }),
    startTime: Type.String({ format: 'date-time', description: 'The start time of the evaluation.' }),
    endTime: Type.String({ format: 'date-time', description: 'The end time of the evaluation (excluded).' }),
    jobId: Type.String({ description: 'The ID of the job processing the evaluation.' }),
    status: Type.String({
      description: 'pending, running, completed, failed; for auto-optimization runs optimalPolicyApplied or onlinePolicyRetained.',
    }),
    policyResults: Type.Array(ref(PolicyResult), { description: 'The results of the evaluation.' }),
    featureImportance: Type.Array(Type.Array(Type.String()), { description: 'Groups of feature names, most important first.' }),
    evaluationType: Type.String({ description: 'Manual or Auto (auto-optimization).' }),
    optimalPolicy: Type.String({ description: 'The optimal policy.' }),
    creationTime: Type.String({ format: 'date-time', description: 'Creation time.' }),
    progress: Type.Optional(
      Type.Object(
        { fraction: Type.Number({ description: '0 … 1, of the current stage.' }), stage: Type.String({ description: 'What the job is doing.' }) },
        { description: 'Beyond Azure: how far a pending or running evaluation is.' },
      ),
    ),
    failureReason: Type.Optional(Type.String({ description: 'Beyond Azure: why a failed evaluation failed.' })),
    decisionReason: Type.Optional(Type.String({ description: 'Beyond Azure: why auto-optimization applied a policy or kept the online one.' })),
    featureScores: Type.Optional(Type.Array(FeatureScore, { description: 'Beyond Azure: importance per namespace and per feature.' })),
    eventCount: Type.Optional(Type.Integer({ description: 'Beyond Azure: how many logged events were evaluated.' })),
  },
  { $id: 'Evaluation', description: 'A counterfactual evaluation.' },
);

export const EvaluationContract = Type.Object(
  {
    enableOfflineExperimentation: Type.Optional(Type.Boolean({ description: 'True if the evaluation should explore for a more optimal learning settings.' })),
    name: Type.String({ minLength: 1, maxLength: 256, description: 'The name of the evaluation.' }),
    startTime: Type.String({ format: 'date-time', description: 'The start time of the evaluation.' }),
    endTime: Type.String({ format: 'date-time', description: 'The end time of the evaluation (excluded).' }),
    policies: Type.Array(ref(PolicyContract), { description: 'Additional learning settings to evaluate (may be empty).' }),
  },
  {
    $id: 'EvaluationContract',
    description: 'A counterfactual evaluation.',
    examples: [
      {
        name: 'everything logged',
        startTime: '2000-01-01T00:00:00Z',
        endTime: '2100-01-01T00:00:00Z',
        policies: [{ name: 'faster learning', arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.01 --cb_type mtr -q ::' }],
        enableOfflineExperimentation: false,
      },
    ],
  },
);

export const PolicyReferenceContract = Type.Object(
  {
    evaluationId: Type.String({ maxLength: 256, description: 'Evaluation Id of the evaluation.' }),
    policyName: Type.String({ maxLength: 256, description: 'Name of the learning settings.' }),
  },
  {
    $id: 'PolicyReferenceContract',
    description: 'Reference to the policy within the evaluation.',
    examples: [{ evaluationId: 'replace-with-an-evaluation-id', policyName: 'replace-with-a-policy-name' }],
  },
);

export const EvaluationIdParams = Type.Object({
  evaluationId: Type.String({ maxLength: 256, description: 'Id of the evaluation.', examples: ['replace-with-an-evaluation-id'] }),
});

/** Registered with fastify.addSchema after schemas.ts's, in dependency order. */
export const EVALUATION_SCHEMAS: TSchema[] = [PolicyResultSummary, PolicyResult, Evaluation, EvaluationContract, PolicyReferenceContract];

export type EvaluationContractBody = Static<typeof EvaluationContract>;
export type PolicyReferenceBody = Static<typeof PolicyReferenceContract>;
