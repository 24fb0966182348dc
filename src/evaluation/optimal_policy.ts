// Evaluation.optimalPolicy once the discovered policies have been replayed (docs/discovery-and-feature-importance.md
// "The outcome"): the search's winner when the evaluation's own estimates confirm it, else the online policy.
import { improves } from './search.js';
import type { DiscoveredPolicy } from './discovery.js';
import type { PolicyResult } from './types.js';

export interface OptimalPolicyOptions {
  /** Let a policy with another explorer (SquareCB) be chosen (default false: exploration is the loop owner's setting). */
  allowExplorerChange?: boolean;
}

/**
 * Evaluation.optimalPolicy: the discovered policy with the lowest search loss among those keeping the online
 * exploration, when that loss is below the base's and its estimated reward (IPS, the evaluation's averageReward) is
 * at least the online policy's; otherwise the online policy's name: nothing found beats the live settings on these
 * events. Offline estimates favour less exploration by construction, so a change of explorer is only chosen when
 * allowed, and then only when its estimate is above the best same-explorer candidate's as well.
 */
export function chooseOptimalPolicy(
  discovery: { policies: readonly DiscoveredPolicy[]; baseLoss: number },
  policyResults: readonly PolicyResult[],
  onlineName: string,
  options: OptimalPolicyOptions = {},
): string {
  const ips = (name: string): number => {
    const r = policyResults.find((p) => p.name === name);
    if (!r) return -Infinity;
    const s = r.totalSummary;
    return s.ipsEstimatorDenominator > 0 ? s.ipsEstimatorNumerator / s.ipsEstimatorDenominator : -Infinity;
  };
  const onlineIps = ips(onlineName);
  let chosen: DiscoveredPolicy | undefined;
  for (const p of discovery.policies) {
    if (!p.onlineExploration) continue;
    if (!improves(p.searchLoss, discovery.baseLoss)) continue;
    if (!chosen || improves(p.searchLoss, chosen.searchLoss)) chosen = p;
  }
  let name = chosen && ips(chosen.name) >= onlineIps ? chosen.name : onlineName;
  if (options.allowExplorerChange) {
    for (const p of discovery.policies) {
      if (!p.onlineExploration && ips(p.name) >= onlineIps && ips(p.name) > ips(name)) name = p.name;
    }
  }
  return name;
}
