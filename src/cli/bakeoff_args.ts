// Command line of `personalizer bakeoff`: a labelled dataset, the policies to run on it as VW's
// `--cbify K --cb_explore_adf` would, and the row order.
import { parseArgs } from 'node:util';
import { DEFAULT_POLICY_ARGUMENTS, resolvePolicyArguments } from '../engine/index.js';
import { BakeoffPolicyError, parseCbifyPolicy, type FeatureNames } from '../bakeoff/index.js';
import { UsageError } from './replay_args.js';
import { joinValues } from './option_values.js';

export const BAKEOFF_USAGE = `Usage: personalizer bakeoff --multiclass <file> [--policy "<vw args>"]... [options]

Turns a labelled dataset into a contextual-bandit problem exactly as VW 9.10's
\`vw --cbify K --cb_explore_adf <policy>\` does (one action per class, cost 0 for the right class and 1 for a
wrong one, VW's sampling seeds), runs each policy through the engine and prints its progressive loss: the
fraction of rows whose sampled class was wrong (VW's "average loss"), with wall time and rows per second.

Options:
  --multiclass <file>     CSV (first column the 0-based class, an optional header line) or a PMLB TSV (a
                          header line, the label in column \`target\`, labels mapped sorted to 0..K-1);
                          plain or gzip (detected by content)
  --policy "<vw args>"    a policy, e.g. "--epsilon 0.05 --cb_type mtr" or "--squarecb"; \`--cbify K\`,
                          \`--cb_explore_adf\`, \`--loss0\` and \`--loss1\` are understood (repeat for several;
                          default "${DEFAULT_POLICY_ARGUMENTS}"); or a preset name (\`personalizer presets\`)
  --name <name>           the name of the n-th --policy (default: its arguments)
  --shuffle-seed <S>      play the rows in a shuffled order (Fisher-Yates over VW's merand48 seeded with S,
                          an integer 0..2^64-1) instead of the file's order
  --seed-offset <M>       shift cbify's sampling seeds by M rows (as M label-less rows before the data would)
  --limit <N>             play only the first N rows (of the order)
  --feature-names <x|numeric>  column j is feature \`xj\` in namespace \`f\` (default), or \`j\` in VW's default
                          namespace (the bake-off's oml_to_vw.py naming, see docs/bakeoff.md)
  -p, --predictions <file>  write the sampled class (1-based, as VW's -p) of every row; one --policy only
  --write-vw <file>       also write the rows as played, in VW's input format (\`<class+1> |f x0:v …\`), to
                          run \`vw --cbify K\` on the same order and compare its -p with ours
  --json                  print the results as JSON
  -h, --help              show this help
`;

export interface BakeoffCliOptions {
  multiclass: string;
  policies: { name: string; arguments: string }[];
  shuffleSeed?: bigint;
  seedOffset: number;
  limit?: number;
  names: FeatureNames;
  predictions?: string;
  writeVw?: string;
  json: boolean;
  help: boolean;
}

const VALUE_OPTIONS: Record<string, string> = {
  '--multiclass': 'multiclass',
  '--policy': 'policy',
  '--name': 'name',
  '--shuffle-seed': 'shuffle-seed',
  '--seed-offset': 'seed-offset',
  '--limit': 'limit',
  '--feature-names': 'feature-names',
  '-p': 'predictions',
  '--predictions': 'predictions',
  '--write-vw': 'write-vw',
};

function wholeNumber(option: string, text: string, max: bigint): bigint {
  if (!/^\d+$/.test(text.trim()) || BigInt(text.trim()) > max) {
    throw new UsageError(`--${option} must be a whole number from 0 to ${max}, got '${text}'`);
  }
  return BigInt(text.trim());
}

export function parseBakeoffArgs(argv: string[]): BakeoffCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: joinValues(argv, VALUE_OPTIONS),
      strict: true,
      allowPositionals: false,
      options: {
        multiclass: { type: 'string' },
        policy: { type: 'string', multiple: true },
        name: { type: 'string', multiple: true },
        'shuffle-seed': { type: 'string' },
        'seed-offset': { type: 'string' },
        limit: { type: 'string' },
        'feature-names': { type: 'string' },
        predictions: { type: 'string', short: 'p' },
        'write-vw': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const base: BakeoffCliOptions = { multiclass: '', policies: [], seedOffset: 0, names: 'x', json: false, help: true };
  if (values.help) return base;
  if (!values.multiclass) throw new UsageError('--multiclass <file> is required');
  const args = values.policy ?? [DEFAULT_POLICY_ARGUMENTS];
  const names = values.name ?? [];
  if (names.length > args.length) throw new UsageError(`${names.length} --name for ${args.length} --policy: give one --name per policy, in the same order`);
  // A preset (`--policy recommended`) runs as its arguments, under its own name.
  const policies = args.map((a, i) => ({ name: names[i] ?? a.trim(), arguments: resolvePolicyArguments(a).trim() }));
  const seen = new Set<string>();
  for (const p of policies) {
    if (p.name.trim() === '') throw new UsageError('--name: a policy name cannot be empty');
    if (seen.has(p.name)) throw new UsageError(`--name ${p.name}: two policies have this name`);
    seen.add(p.name);
    try {
      parseCbifyPolicy(p.arguments);
    } catch (e) {
      if (e instanceof BakeoffPolicyError) throw new UsageError(`--policy "${p.arguments}": ${e.message}`);
      throw e;
    }
  }
  const featureNames = values['feature-names'] ?? 'x';
  if (featureNames !== 'x' && featureNames !== 'numeric') throw new UsageError(`--feature-names must be x or numeric, got '${featureNames}'`);
  if (values.predictions !== undefined && policies.length !== 1) throw new UsageError('--predictions needs exactly one --policy');
  const out: BakeoffCliOptions = {
    multiclass: values.multiclass,
    policies,
    seedOffset: Number(wholeNumber('seed-offset', values['seed-offset'] ?? '0', 2n ** 32n)),
    names: featureNames,
    json: values.json ?? false,
    help: false,
  };
  if (values['shuffle-seed'] !== undefined) out.shuffleSeed = wholeNumber('shuffle-seed', values['shuffle-seed'], 2n ** 64n - 1n);
  if (values.limit !== undefined) {
    out.limit = Number(wholeNumber('limit', values.limit, 2n ** 32n));
    if (out.limit === 0) throw new UsageError('--limit must be at least 1');
  }
  if (values.predictions !== undefined) out.predictions = values.predictions;
  if (values['write-vw'] !== undefined) out.writeVw = values['write-vw'];
  return out;
}
