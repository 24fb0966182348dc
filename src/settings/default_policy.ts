// `DefaultPolicy`: the learning policy of a loop created from scratch, and the one DELETE /configurations/policy
// restores (docs/policy-presets.md). A preset name (`recommended`, `azure-default`, an explorer's name) or full VW
// arguments, checked here exactly as PUT /configurations/policy would check them, so that a typo stops the start
// rather than the first loop. `azure-default` gives Azure Personalizer's own default, for strict compatibility.
import { configuredDefaultPolicy } from '../loop/policy.js';
import { DEFAULT_SERVICE_CONFIGURATION } from '../loop/service_config.js';
import { LoopError, type PolicyContract } from '../loop/types.js';
import { SettingsError } from './sources.js';

export const DEFAULT_POLICY_NAMES = ['DefaultPolicy'] as const;

export const DEFAULT_POLICY_PRESET = 'recommended';

export interface DefaultPolicySettings {
  /** The default policy as it is stored: a preset under its own name, or the arguments under the name `default`. */
  defaultPolicy: PolicyContract;
}

export function parseDefaultPolicy(get: (name: (typeof DEFAULT_POLICY_NAMES)[number]) => string | undefined): DefaultPolicySettings {
  const text = get('DefaultPolicy') ?? DEFAULT_POLICY_PRESET;
  try {
    // A new loop's explorationPercentage is the service default's until the policy states its own epsilon.
    return { defaultPolicy: configuredDefaultPolicy(text, DEFAULT_SERVICE_CONFIGURATION.explorationPercentage) };
  } catch (e) {
    if (e instanceof LoopError) {
      throw new SettingsError('DefaultPolicy', `DefaultPolicy must be a policy preset name or VW arguments a PUT /configurations/policy accepts: ${e.message}`);
    }
    throw e;
  }
}
