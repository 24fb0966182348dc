// What the loop finds in the store at start. Whatever is stored must never stop a start: a service
// configuration that no longer validates, a policy that no longer parses (an older build accepted `-l 1e39`),
// or a model that cannot be loaded is set aside in the store (kept for inspection, never deleted), reported in
// an error line naming what replaced it, and the loop starts on the default configuration / default policy /
// the previous or a fresh model.
import { modelProblem } from '../engine/index.js';
import { loadForCheck } from './model_kind.js';
import { StaleSettingsError, type ModelRecord, type Store } from '../store/index.js';
import { AZURE_DEFAULT_POLICY, defaultPolicy, validatePolicy } from './policy.js';
import { DEFAULT_SERVICE_CONFIGURATION, validateServiceConfiguration } from './service_config.js';
import type { LoopOptions, PolicyContract, ServiceConfiguration } from './types.js';

type Logger = LoopOptions['logger'];

const WHERE = 'kept in the store\'s set_aside table';

async function readSetting<T>(store: Store, key: string): Promise<{ value?: T; problem?: string }> {
  try {
    return { value: await store.getSetting<T>(key) };
  } catch (e) {
    return { problem: `not readable: ${(e as Error).message}` };
  }
}

function problemOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Settings creations retried when another process on the store created them first. */
const CREATE_RETRIES = 5;

/**
 * The stored service configuration and policy, each replaced by its default (and set aside) when unusable.
 * A store without settings gets them here, written as a compare-and-set so that several processes starting
 * together on one empty store agree on what the first of them wrote. `configured` is the default policy for a
 * loop created from scratch (the DefaultPolicy setting, docs/policy-presets.md); a store that already holds
 * events or a model but no policy (an older build, which always ran Azure's default) keeps Azure's default.
 */
export async function loadSettings(
  store: Store,
  now: number,
  logger: Logger,
  configured: PolicyContract = AZURE_DEFAULT_POLICY,
): Promise<{ service: ServiceConfiguration; policy: PolicyContract; wrote: boolean }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await loadSettingsOnce(store, now, logger, configured);
    } catch (e) {
      if (!(e instanceof StaleSettingsError) || attempt >= CREATE_RETRIES) throw e;
    }
  }
}

/** Whether the store was used before it had a stored policy: events ranked or a model saved. */
async function usedBefore(store: Store): Promise<boolean> {
  return (await store.latestModelId()) !== null || (await store.counters()).eventsRanked > 0;
}

async function loadSettingsOnce(
  store: Store,
  now: number,
  logger: Logger,
  configured: PolicyContract,
): Promise<{ service: ServiceConfiguration; policy: PolicyContract; wrote: boolean }> {
  const revision = await store.settingsRevision();
  const iso = new Date(now).toISOString();
  const s = await readSetting<ServiceConfiguration>(store, 'service');
  const p = await readSetting<PolicyContract>(store, 'policy');
  let service = s.value;
  let policy = p.value;

  const serviceProblem = s.problem ?? (service === undefined ? null : problemOf(() => validateServiceConfiguration(service, now)));
  const policyProblem =
    p.problem ?? (policy === undefined ? null : problemOf(() => validatePolicy(policy, DEFAULT_SERVICE_CONFIGURATION.explorationPercentage)));

  if (serviceProblem !== null) {
    // A usable policy keeps its exploration: the two are one setting (policy.ts).
    const epsilon =
      policyProblem === null && policy !== undefined
        ? validatePolicy(policy, DEFAULT_SERVICE_CONFIGURATION.explorationPercentage).explorationPercentage
        : DEFAULT_SERVICE_CONFIGURATION.explorationPercentage;
    const replacement = { ...DEFAULT_SERVICE_CONFIGURATION, explorationPercentage: epsilon, lastConfigurationEditDate: iso };
    await store.setAsideSetting('service', replacement, serviceProblem, now);
    logger?.error(
      { setAside: 'service' },
      `the stored service configuration cannot be used (${serviceProblem}); it was set aside (${WHERE}) and the ` +
        'default configuration is in force: PUT /configurations/service to set it again',
    );
    service = replacement;
  }
  if (policyProblem !== null) {
    const replacement = defaultPolicy((service ?? DEFAULT_SERVICE_CONFIGURATION).explorationPercentage, configured);
    await store.setAsideSetting('policy', replacement, policyProblem, now);
    logger?.error(
      { setAside: 'policy' },
      `the stored learning policy cannot be used (${policyProblem}); it was set aside (${WHERE}) and the default ` +
        `policy '${replacement.arguments}' is in force: PUT /configurations/policy to set it again`,
    );
    policy = replacement;
  }
  const wrote = serviceProblem !== null || policyProblem !== null || !service || !policy;
  if (!service || !policy) {
    if (!policy) {
      const base = (await usedBefore(store)) ? AZURE_DEFAULT_POLICY : configured;
      if (base !== configured) {
        logger?.info(
          { policy: base.name },
          "this store holds events or a model but no learning policy (written by an older version, which ran Azure's " +
            `default): it keeps Azure's default '${base.arguments}', whatever DefaultPolicy says`,
        );
      }
      if (service) {
        policy = defaultPolicy(service.explorationPercentage, base);
      } else {
        // The policy's epsilon is the service's explorationPercentage (policy.ts): one setting shown in two places.
        const chosen = validatePolicy(base, DEFAULT_SERVICE_CONFIGURATION.explorationPercentage);
        policy = chosen.policy;
        service = { ...DEFAULT_SERVICE_CONFIGURATION, explorationPercentage: chosen.explorationPercentage, lastConfigurationEditDate: iso };
      }
    }
    service ??= { ...DEFAULT_SERVICE_CONFIGURATION, lastConfigurationEditDate: iso };
    // Compare-and-set: another process that created the settings first wins, and this one reads them again.
    await store.putSettings({ service, policy }, serviceProblem !== null || policyProblem !== null ? undefined : revision);
  }
  return { service, policy, wrote };
}

/** Why these bytes cannot be ranked or learned from (not a readable model, a non-finite weight…), or null. */
function modelLoadProblem(bytes: Uint8Array): string | null {
  return modelProblem(bytes) ?? problemOf(() => loadForCheck(bytes));
}

/** The newest stored model that loads, setting aside each newer one that does not; null when none is left. */
export async function loadModel(store: Store, now: number, logger: Logger): Promise<ModelRecord | null> {
  for (;;) {
    const model = await store.latestModel();
    if (!model) return null;
    const problem = modelLoadProblem(model.bytes);
    if (problem === null) return model;
    await store.setAsideModel(model.id, problem, now);
    logger?.error(
      { setAside: 'model', modelId: model.id },
      `stored model ${model.id} cannot be loaded (${problem}); it was set aside (${WHERE}) and the loop starts ` +
        'from the previous model, or a fresh one retrained from the log',
    );
  }
}
