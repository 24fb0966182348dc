// The v1.0 wire schemas, transcribed from the official spec (Personalizer.json v1.0, definitions; docs/azure-api.md §3).
// They are the single source of request validation, of response serialization (so bodies carry exactly the
// spec's fields) and of the OpenAPI document served at /swagger. Each has an $id so that the document names
// it as the spec does (components/schemas/RankRequest…).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DEFAULT_SERVICE_CONFIGURATION } from '../loop/index.js';

/** A `$ref` to a shared schema, typed as the schema itself. */
export function ref<T extends TSchema & { $id?: string }>(schema: T): T {
  return Type.Unsafe<Static<T>>({ $ref: `${schema.$id}#` }) as unknown as T;
}

/** A free-form feature dictionary: the spec says only `type: object` (docs/azure-api.md §3). */
const FeatureObject = Type.Unsafe<Record<string, unknown>>({ type: 'object' });

export const RankableAction = Type.Object(
  {
    id: Type.String({ maxLength: 256, description: 'Id of the action.' }),
    features: Type.Array(FeatureObject, { description: 'List of dictionaries containing features.' }),
  },
  { $id: 'RankableAction', description: "An action with it's associated features used for ranking." },
);

export const RankRequest = Type.Object(
  {
    contextFeatures: Type.Optional(Type.Array(FeatureObject, { description: 'Features of the context.' })),
    // minItems is ours: a rank over nothing cannot be answered (the spec asks for at most 50, which the loop judges).
    actions: Type.Array(ref(RankableAction), { minItems: 1, description: 'The set of actions the Personalizer service can pick from.' }),
    excludedActions: Type.Optional(Type.Array(Type.String(), { description: 'The set of action ids to exclude from ranking.' })),
    eventId: Type.Optional(Type.String({ maxLength: 256, description: 'Optionally pass an eventId that uniquely identifies this Rank event.' })),
    deferActivation: Type.Optional(Type.Boolean({ default: false, description: 'Send true if the user might not see the rewardActionId.' })),
  },
  {
    $id: 'RankRequest',
    description: 'Request a set of actions to be ranked by the Personalizer service.',
    // What Swagger UI pre-fills for Try it out: it must rank as is, again and again (no eventId, so each call gets
    // a new one; an excluded action that is not the only one).
    examples: [
      {
        contextFeatures: [{ user: { tier: 'gold', visits: 3 } }, { timeOfDay: 'morning' }],
        actions: [
          { id: 'pasta', features: [{ cuisine: 'italian', spice: 'medium' }] },
          { id: 'salad', features: [{ cuisine: 'any', spice: 'none' }] },
          { id: 'curry', features: [{ cuisine: 'indian', spice: 'hot' }] },
        ],
        excludedActions: ['curry'],
        deferActivation: false,
      },
    ],
  },
);

export const RankedAction = Type.Object(
  {
    id: Type.String({ maxLength: 256, description: 'Id of the action' }),
    probability: Type.Number({ minimum: 0, maximum: 1, format: 'float', description: 'Probability of the action' }),
  },
  { $id: 'RankedAction', description: 'A ranked action with its resulting probability.' },
);

// The shape of Microsoft Learn's "how-to-inference-explainability" page (not in the specs).
export const InferenceExplanation = Type.Object(
  {
    id: Type.String({ maxLength: 256, description: 'The explained action (rewardActionId).' }),
    features: Type.Array(
      Type.Object({
        name: Type.String({ description: "A feature the client sent ('namespace.feature'), or an interaction of two ('a^b')." }),
        score: Type.Number({ format: 'float', description: 'Positive: supports choosing the action; negative: against it.' }),
      }),
      { description: 'Largest |score| first.' },
    ),
  },
  { $id: 'InferenceExplanation', description: 'Feature scores of the explained action (isInferenceExplainabilityEnabled).' },
);

export const RankResponse = Type.Object(
  {
    ranking: Type.Array(ref(RankedAction), { description: 'The calculated ranking for the current request.' }),
    eventId: Type.String({ maxLength: 256, description: 'The eventId for the round trip from request to response.' }),
    rewardActionId: Type.String({ maxLength: 256, description: 'The action chosen by the Personalizer service.' }),
    inferenceExplanation: Type.Optional(Type.Array(ref(InferenceExplanation), {
      description: 'Only with isInferenceExplainabilityEnabled: the scores of the features sent, for rewardActionId.',
    })),
  },
  { $id: 'RankResponse', description: 'Which action to use as rewardActionId, and the probability of each action.' },
);

export const RewardRequest = Type.Object(
  { value: Type.Number({ format: 'float', description: 'Reward to be assigned to an action. Value should be between -1 and 1 inclusive.' }) },
  { $id: 'RewardRequest', description: 'Reward given to a rank response.', examples: [{ value: 1 }] },
);

export const ServiceConfiguration = Type.Object(
  {
    rewardWaitTime: Type.String({ format: 'duration', description: 'ISO-8601 time span waited until a request is marked with the default reward, e.g. PT10M.' }),
    defaultReward: Type.Number({ minimum: -1, maximum: 1, format: 'float', description: 'The reward given if a reward is not received within the specified wait time.' }),
    rewardAggregation: Type.String({ maxLength: 256, description: 'The function used to process rewards, if multiple reward scores are received before rewardWaitTime is over.' }),
    explorationPercentage: Type.Number({ minimum: 0, maximum: 1, format: 'float', description: 'The percentage of rank responses that will use exploration.' }),
    modelExportFrequency: Type.String({ format: 'duration', description: 'ISO-8601 period at which the latest trained model is used for ranking, e.g. PT5M.' }),
    logMirrorEnabled: Type.Optional(Type.Boolean({ description: 'Flag indicates whether log mirroring is enabled.' })),
    logMirrorSasUri: Type.Optional(Type.String({ description: 'Azure storage account container SAS URI for log mirroring.' })),
    logRetentionDays: Type.Integer({ minimum: -1, maximum: 2147483647, format: 'int32', description: 'Number of days historical logs are to be maintained. -1 implies the logs will never be deleted.' }),
    // v1.1-preview.3's fields, read back under every base path (a v1.0 client ignores them). No format on
    // lastConfigurationEditDate: the server sets it, and a client sending back the value another service gave
    // (Azure sent "2021-01-01T00:00:00") must not be refused for it.
    lastConfigurationEditDate: Type.Optional(Type.String({ description: 'Last time model training configuration was updated (set by the server).' })),
    learningMode: Type.Optional(Type.String({
      description:
        'Online (rank with the model), Apprentice (return the baseline action, learn to imitate it) or LoggingOnly ' +
        '(return the baseline action, log, learn nothing). Not changeable together with defaultReward, rewardWaitTime or rewardAggregation.',
    })),
    isAutoOptimizationEnabled: Type.Optional(Type.Boolean({ description: 'Whether Personalizer periodically runs an Auto evaluation and applies a clearly better policy.' })),
    autoOptimizationFrequency: Type.Optional(Type.String({ format: 'duration', description: 'Frequency of automatic optimization, PT1H to P365D (default P7D).' })),
    autoOptimizationStartDate: Type.Optional(Type.String({ format: 'date-time', description: 'When the first automatic optimization runs (default: now).' })),
    // 2022-09-01-preview's (api/v2022/service_config.ts): sent under that version only.
    modelRetrainDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, format: 'int32', description: '2022-09-01-preview: days of log a retrain reads; 0 (the whole retained log) is the only value supported.' })),
    // Microsoft Learn "how-to-inference-explainability" (not in the specs).
    isInferenceExplainabilityEnabled: Type.Optional(Type.Boolean({ description: 'Rank responses carry inferenceExplanation: the score of each feature sent.' })),
  },
  {
    $id: 'ServiceConfiguration',
    description: 'The configuration of the service.',
    // Azure's defaults for a new resource (loop/service_config.ts): sending it to a new loop changes nothing.
    examples: [
      (({ rewardWaitTime, defaultReward, rewardAggregation, explorationPercentage, modelExportFrequency, logMirrorEnabled, logRetentionDays }) => ({
        rewardWaitTime, defaultReward, rewardAggregation, explorationPercentage, modelExportFrequency, logMirrorEnabled, logRetentionDays,
      }))(DEFAULT_SERVICE_CONFIGURATION),
    ],
  },
);

export const PolicyContract = Type.Object(
  {
    name: Type.String({ maxLength: 256, description: 'Name of the Learning settings.' }),
    arguments: Type.String({ maxLength: 1024, description: 'Arguments of the Learning settings.' }),
  },
  {
    $id: 'PolicyContract',
    description: 'Learning settings specifying how to train the model.',
    // Azure's default learning policy (a new loop's under DefaultPolicy=azure-default; docs/policy-presets.md).
    examples: [{ name: 'default', arguments: '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::' }],
  },
);

export const DateRange = Type.Object(
  { from: Type.Optional(Type.String({ format: 'date-time' })), to: Type.Optional(Type.String({ format: 'date-time' })) },
  { $id: 'DateRange' },
);

export const LogsProperties = Type.Object({ dateRange: Type.Optional(ref(DateRange)) }, { $id: 'LogsProperties' });

export const ModelProperties = Type.Object(
  { creationTime: Type.Optional(Type.String({ format: 'date-time' })), lastModifiedTime: Type.Optional(Type.String({ format: 'date-time' })) },
  { $id: 'ModelProperties' },
);

const InternalError = Type.Recursive(
  (This) => Type.Object({ code: Type.Optional(Type.String()), innererror: Type.Optional(This) }),
  { $id: 'InternalError', description: 'An object containing more specific information than the parent object about the error.' },
);

export const PersonalizerError = Type.Recursive(
  (This) =>
    Type.Object({
      // modelAsString in the spec: any string, the spec's values being the usual ones (docs/azure-api.md §4).
      code: Type.String({ description: 'High level error code.' }),
      message: Type.String({ description: 'A message explaining the error reported by the service.' }),
      target: Type.Optional(Type.String()),
      details: Type.Optional(Type.Array(This)),
      innerError: Type.Optional(ref(InternalError)),
    }),
  { $id: 'PersonalizerError', description: 'The error object.' },
);

export const ErrorResponse = Type.Object({ error: ref(PersonalizerError) }, { $id: 'ErrorResponse', description: 'Used to return an error to the client' });

export const ContainerStatus = Type.Object(
  { service: Type.String(), apiStatus: Type.String(), apiStatusMessage: Type.String() },
  { $id: 'ContainerStatus', description: 'Status of the container (GET /status).' },
);

// Multi-slot (v1.1-preview.3 definitions; docs/azure-api.md §3 "Multi-slot"). The schemas check types; the spec's
// rules in prose (50 slots, baselineAction unique and one of the actions…) are the loop's (validate_multislot.ts).
export const SlotRequest = Type.Object(
  {
    id: Type.String({ maxLength: 256, description: 'Slot ID' }),
    features: Type.Optional(Type.Array(FeatureObject, { description: 'List of dictionaries containing slot features.' })),
    excludedActions: Type.Optional(Type.Array(Type.String(), { description: 'List of excluded action Ids.' })),
    baselineAction: Type.String({
      maxLength: 256,
      description: "The 'baseline action' ID for the slot: one of the actions, unique per slot, never in the slot's excludedActions.",
    }),
  },
  { $id: 'SlotRequest', description: "A slot with it's associated features and list of excluded actions" },
);

export const MultiSlotRankRequest = Type.Object(
  {
    contextFeatures: Type.Optional(Type.Array(FeatureObject, { description: 'Features of the context.' })),
    actions: Type.Array(ref(RankableAction), { minItems: 1, description: 'The set of actions the Personalizer service can pick from (at most 50).' }),
    slots: Type.Array(ref(SlotRequest), { minItems: 1, description: 'The slots to be filled by Personalizer (at most 50).' }),
    eventId: Type.Optional(Type.String({ maxLength: 256, description: 'Optionally pass an eventId that uniquely identifies this Rank event.' })),
    deferActivation: Type.Optional(Type.Boolean({ default: false, description: 'Send true if the user might not see the rewardActionIds.' })),
  },
  {
    $id: 'MultiSlotRankRequest',
    description: 'Request a set of actions to be ranked by the Personalizer service for each slot.',
    examples: [
      {
        contextFeatures: [{ user: { tier: 'gold' } }, { timeOfDay: 'morning' }],
        actions: [
          { id: 'NewsArticle', features: [{ type: 'News' }] },
          { id: 'SportsArticle', features: [{ type: 'Sports' }] },
          { id: 'EntertainmentArticle', features: [{ type: 'Entertainment' }] },
        ],
        slots: [
          { id: 'Main Article', baselineAction: 'NewsArticle', features: [{ size: 'Large', position: 'Top Middle' }], excludedActions: ['SportsArticle'] },
          { id: 'Side Bar', baselineAction: 'SportsArticle', features: [{ size: 'Small', position: 'Bottom Right' }] },
        ],
        deferActivation: false,
      },
    ],
  },
);

export const SlotResponse = Type.Object(
  {
    id: Type.String({ maxLength: 256, description: 'Id is the slot ID.' }),
    rewardActionId: Type.Optional(Type.String({ maxLength: 256, description: 'RewardActionID is the action ID recommended by Personalizer.' })),
  },
  { $id: 'SlotResponse' },
);

export const MultiSlotRankResponse = Type.Object(
  {
    slots: Type.Array(ref(SlotResponse), { description: 'Each slot has a corresponding rewardActionID which is the action ID recommended by Personalizer.' }),
    eventId: Type.String({ maxLength: 256, description: 'The eventId for the round trip from request to response.' }),
  },
  { $id: 'MultiSlotRankResponse' },
);

export const SlotReward = Type.Object(
  {
    slotId: Type.String({ minLength: 1, maxLength: 256, description: 'Slot id for which we are sending the reward.' }),
    value: Type.Number({ format: 'float', description: 'Reward to be assigned to slotId. Value should be between -1 and 1 inclusive.' }),
  },
  { $id: 'SlotReward' },
);

export const MultiSlotRewardRequest = Type.Object(
  { reward: Type.Array(ref(SlotReward), { description: 'List of SlotRewards' }) },
  { $id: 'MultiSlotRewardRequest', description: 'Reward given to a list of slots.', examples: [{ reward: [{ slotId: 'Main Article', value: 1 }] }] },
);

/** Registered with fastify.addSchema, in dependency order. */
export const SHARED_SCHEMAS: TSchema[] = [
  RankableAction,
  RankRequest,
  RankedAction,
  InferenceExplanation,
  RankResponse,
  RewardRequest,
  ServiceConfiguration,
  PolicyContract,
  DateRange,
  LogsProperties,
  ModelProperties,
  InternalError,
  PersonalizerError,
  ErrorResponse,
  ContainerStatus,
  SlotRequest,
  MultiSlotRankRequest,
  SlotResponse,
  MultiSlotRankResponse,
  SlotReward,
  MultiSlotRewardRequest,
];

export const EventIdParams = Type.Object({
  // Pre-filled by Swagger UI: a reward or activation for an event that was never ranked is accepted and counted
  // (as Azure did), so the example succeeds as is; put the eventId of a Rank answer here to reward it.
  eventId: Type.String({ maxLength: 256, description: 'The event id.', examples: ['replace-with-a-rank-eventId'] }),
});

export type RankRequestBody = Static<typeof RankRequest>;
export type MultiSlotRankRequestBody = Static<typeof MultiSlotRankRequest>;
export type MultiSlotRewardRequestBody = Static<typeof MultiSlotRewardRequest>;
export type RewardRequestBody = Static<typeof RewardRequest>;
export type ServiceConfigurationBody = Static<typeof ServiceConfiguration>;
export type PolicyContractBody = Static<typeof PolicyContract>;
