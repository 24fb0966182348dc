// Command line of `personalizer evaluate`: the DSJSON log, the policies to compare with the logging loop's, and
// what else to compute. Every policy is checked by the engine before the log is read, so a typo fails at once.
import { parseArgs } from 'node:util';
import { DEFAULT_POLICY_ARGUMENTS, parsePolicyArguments, policyPreset, PolicyArgumentError, resolvePolicyArguments } from '../engine/index.js';
import { BASELINE1, BASELINE_RAND, ONLINE } from '../evaluation/index.js';
import { UsageError } from './replay_args.js';
import { joinValues } from './option_values.js';

export const EVALUATE_USAGE = `Usage: personalizer evaluate --dsjson <file[.gz]> [options]

Offline evaluation of a DSJSON log (for example one exported from Azure Personalizer), as Azure's Evaluations
computed it: the logging loop (Online), the first action of every Rank (Baseline1), uniform random
(BaselineRand) and each --policy replayed over the log, with IPS, SNIPS and doubly robust estimates and their
95% intervals, and VW's progressive average loss for the learning policies.

Options:
  -d, --dsjson <file>          DSJSON log, plain or gzip (detected by content); events without a label
                               or with _skipLearn are left out, malformed lines reported and skipped
  --policy "<vw args>"         a policy to compare (repeat for several); --cb_adf alone is scored greedily;
                               or a preset name (\`personalizer presets\`), e.g. --policy squarecb
  --name <name>                the name of the n-th --policy (default its preset name, else Policy1, Policy2, …)
  --online "<vw args>"         the logging loop's policy: the features of the reward model and the base of
                               --optimize and --feature-importance (default
                               "${DEFAULT_POLICY_ARGUMENTS}")
  --optimize                   also search for better policies (optimization discovery)
  --feature-importance         also score the features' importance
  --json                       print the evaluation as JSON (for machines) instead of a table
  --threads <n>                replay threads (default: one per core; 0: on the main thread)
  -h, --help                   show this help
`;

export interface EvaluateCliOptions {
  dsjson: string;
  policies: { name: string; arguments: string }[];
  online: string;
  optimize: boolean;
  featureImportance: boolean;
  json: boolean;
  threads?: number;
  help: boolean;
}

const VALUE_OPTIONS: Record<string, string> = {
  '-d': 'dsjson',
  '--dsjson': 'dsjson',
  '--policy': 'policy',
  '--name': 'name',
  '--online': 'online',
  '--threads': 'threads',
};

const RESERVED = new Set([ONLINE, BASELINE1, BASELINE_RAND]);

/** A policy the engine refused: the message names the option, the policy and the argument (and lists the supported ones). */
export class PolicyRejected extends UsageError {}

export function parseEvaluateArgs(argv: string[]): EvaluateCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: joinValues(argv, VALUE_OPTIONS),
      strict: true,
      allowPositionals: false,
      options: {
        dsjson: { type: 'string', short: 'd' },
        policy: { type: 'string', multiple: true },
        name: { type: 'string', multiple: true },
        online: { type: 'string' },
        optimize: { type: 'boolean', default: false },
        'feature-importance': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        threads: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const online = resolvePolicyArguments(values.online ?? DEFAULT_POLICY_ARGUMENTS);
  const base = { dsjson: '', policies: [], online, optimize: false, featureImportance: false, json: false, help: true };
  if (values.help) return base;
  if (!values.dsjson) throw new UsageError('--dsjson <file> is required');
  const args = values.policy ?? [];
  const names = values.name ?? [];
  if (names.length > args.length) throw new UsageError(`${names.length} --name for ${args.length} --policy: give one --name per policy, in the same order`);
  // A preset (`--policy squarecb`) is replayed as its arguments and named after itself unless --name says otherwise.
  const policies = args.map((a, i) => ({ name: names[i] ?? policyPreset(a)?.name ?? `Policy${i + 1}`, arguments: resolvePolicyArguments(a).trim() }));
  const seen = new Set<string>();
  for (const p of policies) {
    if (p.name.trim() === '') throw new UsageError('--name: a policy name cannot be empty');
    if (RESERVED.has(p.name)) throw new UsageError(`--name ${p.name}: the name of a built-in policy (${[...RESERVED].join(', ')})`);
    if (seen.has(p.name)) throw new UsageError(`--name ${p.name}: two policies have this name (Azure: DuplicateCustomPolicyNames)`);
    seen.add(p.name);
    checkPolicy(`--policy "${p.arguments}"`, p.arguments, true);
  }
  checkPolicy(`--online "${online}"`, online, false);
  let threads: number | undefined;
  if (values.threads !== undefined) {
    threads = Number(values.threads);
    if (!/^\d+$/.test(values.threads.trim()) || threads > 64) throw new UsageError(`--threads must be a whole number from 0 to 64, got '${values.threads}'`);
  }
  return {
    dsjson: values.dsjson,
    policies,
    online,
    optimize: values.optimize ?? false,
    featureImportance: values['feature-importance'] ?? false,
    json: values.json ?? false,
    ...(threads !== undefined ? { threads } : {}),
    help: false,
  };
}

/** The engine's verdict on a policy, as a usage error naming the option and the argument it refused. */
function checkPolicy(what: string, args: string, allowNoExploration: boolean): void {
  if (args.trim() === '') throw new UsageError(`${what}: no arguments`);
  try {
    parsePolicyArguments(args, { allowNoExploration });
  } catch (e) {
    if (e instanceof PolicyArgumentError) throw new PolicyRejected(`${what}: ${e.message}`);
    throw e;
  }
}
