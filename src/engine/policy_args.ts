// VW command-line parsing for the policies the engine supports (`--cb_explore_adf` with one of its explorers on
// top of cb_adf/gd), with VW 9.10's defaults, plus the options string VW stores in a model header.
// Option names, defaults and `.keep()` flags come from core/src/parse_args.cc (parse_feature_tweaks,
// parse_example_tweaks, parse_update_options, parse_source), core/src/reductions/cb/cb_adf.cc and the
// cb_explore_adf_{greedy,squarecb,softmax,first,regcb}.cc setup functions.

import type { CbType, CostRange, PolicyConfig } from './types.js';

export const DEFAULT_POLICY_ARGUMENTS = '--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::';
/** The multi-slot policy of Personalizer's learning loop (microsoft/learning-loop): the single-slot one under CCB. */
export const DEFAULT_CCB_POLICY_ARGUMENTS = '--ccb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type mtr -q ::';

type Kind = 'flag' | 'float' | 'int' | 'string' | 'list';

export interface OptionSpec {
  name: string;
  kind: Kind;
  short?: string;
  /** Accepted and ignored: run-time flags with no effect on the model. */
  ignored?: boolean;
}

/** Every option the parser knows, in the order error messages list them (tests enumerate the numeric ones). */
export const POLICY_OPTIONS: readonly OptionSpec[] = [
  { name: 'cb_explore_adf', kind: 'flag' },
  { name: 'cb_adf', kind: 'flag' },
  { name: 'cb_type', kind: 'string' },
  { name: 'epsilon', kind: 'float' },
  { name: 'first_only', kind: 'flag' },
  { name: 'squarecb', kind: 'flag' },
  { name: 'gamma_scale', kind: 'float' },
  { name: 'gamma_exponent', kind: 'float' },
  { name: 'elim', kind: 'flag' },
  { name: 'softmax', kind: 'flag' },
  { name: 'lambda', kind: 'float' },
  { name: 'first', kind: 'int' },
  { name: 'regcb', kind: 'flag' },
  { name: 'regcbopt', kind: 'flag' },
  { name: 'mellowness', kind: 'float' },
  { name: 'cb_min_cost', kind: 'float' },
  { name: 'cb_max_cost', kind: 'float' },
  { name: 'learning_rate', kind: 'float', short: 'l' },
  { name: 'power_t', kind: 'float' },
  { name: 'initial_t', kind: 'float' },
  { name: 'l1', kind: 'float' },
  { name: 'l2', kind: 'float' },
  { name: 'bit_precision', kind: 'int', short: 'b' },
  { name: 'quadratic', kind: 'list', short: 'q' },
  { name: 'cubic', kind: 'list' },
  { name: 'interactions', kind: 'list' },
  { name: 'ignore', kind: 'list' },
  { name: 'ignore_linear', kind: 'list' },
  { name: 'noconstant', kind: 'flag' },
  { name: 'hash', kind: 'string' },
  { name: 'hash_seed', kind: 'int' },
  { name: 'chain_hash', kind: 'flag' },
  { name: 'clip_p', kind: 'float' },
  { name: 'rank_all', kind: 'flag' },
  { name: 'ccb_explore_adf', kind: 'flag' },
  // Inserted by ccb_explore_adf (conditional_contextual_bandit.cc) and kept in its model headers.
  { name: 'cb_sample', kind: 'flag' },
  { name: 'id', kind: 'string' },
  // Inserted by cb_adf into every model header (cb_adf.cc "Push necessary flags").
  { name: 'csoaa_ldf', kind: 'string' },
  { name: 'csoaa_rank', kind: 'flag' },
  // Inserted by cb_explore_adf_greedy.cc when --cb_adf is absent; never stored (no .keep()).
  { name: 'no_predict', kind: 'flag', ignored: true },
  { name: 'dsjson', kind: 'flag', ignored: true },
  { name: 'json', kind: 'flag', ignored: true },
  { name: 'quiet', kind: 'flag', ignored: true },
  { name: 'save_resume', kind: 'flag', ignored: true },
  { name: 'preserve_performance_counters', kind: 'flag', ignored: true },
  { name: 'predict_only_model', kind: 'flag', ignored: true },
  { name: 'compressed', kind: 'flag', ignored: true },
];

const OPTIONS = POLICY_OPTIONS;
const BY_NAME = new Map(OPTIONS.map((o) => [o.name, o]));
const BY_SHORT = new Map(OPTIONS.filter((o) => o.short).map((o) => [o.short as string, o]));

/** The `--name` options of a command line that the engine does not support, in order (for error messages). */
export function unsupportedArguments(args: string): string[] {
  return args
    .split(/\s+/)
    .filter((t) => t.startsWith('--') && !BY_NAME.has(t.slice(2).split('=')[0] as string));
}

/** The supported arguments, as listed in error messages. */
export const SUPPORTED_POLICY_ARGUMENTS: string[] = OPTIONS.map((o) => (o.short ? `-${o.short}/--${o.name}` : `--${o.name}`));

export class PolicyArgumentError extends Error {
  readonly argument: string;
  readonly supported: string[];
  constructor(argument: string, problem: string) {
    super(`${argument}: ${problem}. Supported arguments: ${SUPPORTED_POLICY_ARGUMENTS.join(' ')}`);
    this.name = 'PolicyArgumentError';
    this.argument = argument;
    this.supported = SUPPORTED_POLICY_ARGUMENTS;
  }
}

// VW's defaults (parse_args.cc, cb_explore_adf_greedy.cc epsilon 0.05, cb_explore_adf_squarecb.cc epsilon 0,
// gamma 10 / 0.5 and --elim's mellowness 0.001, cb_explore_adf_regcb.cc mellowness 0.1, both cost ranges [0, 1],
// cb_explore_adf_softmax.cc lambda 1 and epsilon 0, cb_explore_adf_first.cc epsilon 0).
const VW_DEFAULT = {
  epsilon: 0.05,
  squareCbEpsilon: 0,
  gammaScale: 10,
  gammaExponent: 0.5,
  elimMellowness: 0.001,
  regcbMellowness: 0.1,
  cbMinCost: 0,
  cbMaxCost: 1,
  lambda: 1,
  learningRate: 0.5,
  powerT: 0.5,
  bits: 18,
} as const;

/**
 * The options VW declares `.allow_override()` (parse_args.cc learning_rate, power_t; cb_explore_adf_greedy.cc and
 * cb_explore_adf_squarecb.cc epsilon, cb_explore_adf_softmax.cc lambda): given twice, VW keeps the first value, so a command line overrides a
 * loaded model's. Any other option given twice with two values stops VW.
 */
const VW_KEEPS_FIRST = new Set(['learning_rate', 'power_t', 'epsilon', 'lambda']);

/**
 * A loaded model's options with the command line's merged in as VW merges them (parse_args.cc
 * merge_options_from_header_strings, then options_cli.cc: command-line values first): the command line's
 * learning_rate, power_t and epsilon replace the model's; any other option the two give is compared by value by
 * parsePolicyArguments (sameValue: `--clip_p 0.1` agrees with a model's `--clip_p 0.100000001490116`), and
 * refused when the values differ, as VW refuses them.
 */
export function mergeModelOptions(modelOptions: string, commandLine: string): string {
  const given = new Set(tokenize(commandLine).map((t) => t.spec.name));
  const kept = tokenize(modelOptions)
    .filter((t) => !(VW_KEEPS_FIRST.has(t.spec.name) && given.has(t.spec.name)))
    .map((t) => (t.value === undefined ? t.arg : `${t.arg} ${t.value}`));
  return `${kept.join(' ')} ${commandLine}`;
}

const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT_RE = /^\d+$/;

/** `--name value`, `--name=value`, `-x value` and the glued `-xvalue` forms, in order. */
function tokenize(args: string): { spec: OptionSpec; arg: string; value?: string }[] {
  const tokens = args.split(/\s+/).filter((t) => t.length > 0);
  const out: { spec: OptionSpec; arg: string; value?: string }[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] as string;
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (tok.startsWith('--')) {
      const eq = tok.indexOf('=');
      const name = eq >= 0 ? tok.slice(2, eq) : tok.slice(2);
      spec = BY_NAME.get(name);
      if (eq >= 0) inline = tok.slice(eq + 1);
    } else if (tok.startsWith('-') && tok.length >= 2) {
      spec = BY_SHORT.get(tok[1] as string);
      if (tok.length > 2) inline = tok.slice(2);
      if (spec && spec.kind === 'flag' && inline !== undefined) spec = undefined;
    } else {
      throw new PolicyArgumentError(tok, 'unexpected value (no option takes it)');
    }
    if (!spec) throw new PolicyArgumentError(tok, 'unsupported argument');
    const arg = tok.startsWith('--') ? `--${spec.name}` : `-${spec.short}`;
    if (spec.kind === 'flag') {
      if (inline !== undefined) throw new PolicyArgumentError(arg, 'takes no value');
      out.push({ spec, arg });
      continue;
    }
    let value = inline;
    if (value === undefined) {
      const next = tokens[i + 1];
      // A following option is not a value, except a negative number (e.g. --power_t -0.5).
      if (next === undefined || (next.startsWith('-') && !FLOAT_RE.test(next))) {
        throw new PolicyArgumentError(arg, 'missing value');
      }
      value = next;
      i++;
    }
    if (value === '') throw new PolicyArgumentError(arg, 'missing value');
    out.push({ spec, arg, value });
  }
  return out;
}

/**
 * Whether two values of one option are the same value, as VW 9.10 compares them (config/src/options_cli.cc,
 * cli_typed_option_handler::handle_typed_option: every token is converted to the option's type, then
 * check_disagreeing_option_values compares the converted values). So a model's `--clip_p 0.100000001490116` (the
 * float 0.1 printed with 15 digits, parse_regressor.cc save_load_header) and a command line's `--clip_p 0.1` agree,
 * while 0.1 and 0.2 do not. Floats compare as float32 (VW's `float` options); a value that is not a number of the
 * option's kind compares as text, and parsing it reports it.
 */
function sameValue(spec: OptionSpec, a: string, b: string): boolean {
  if (a === b) return true;
  if (spec.kind === 'float' && FLOAT_RE.test(a) && FLOAT_RE.test(b)) return Math.fround(Number(a)) === Math.fround(Number(b));
  if (spec.kind === 'int' && INT_RE.test(a) && INT_RE.test(b)) return Number(a) === Number(b);
  return false;
}

/** The largest finite float32 (FLT_MAX). */
const FLT_MAX = 3.4028234663852886e38;

/**
 * VW reads every float option into a C++ float: a value whose float rounding is ±inf (1e39, 3.5e38) would make
 * the learner and the model header hold `inf` (a model VW, and this parser, cannot read back), so it is refused
 * here, as a value outside the float range.
 */
function parseFloatValue(arg: string, value: string): number {
  if (!FLOAT_RE.test(value)) throw new PolicyArgumentError(arg, `'${value}' is not a number`);
  const x = Number(value);
  if (!Number.isFinite(x) || !Number.isFinite(Math.fround(x))) {
    throw new PolicyArgumentError(arg, `'${value}' is out of range (a 32-bit float: at most ${FLT_MAX} in magnitude)`);
  }
  return x;
}

function parseIntValue(arg: string, value: string, max: number): number {
  if (!INT_RE.test(value) || Number(value) > max) throw new PolicyArgumentError(arg, `'${value}' is not an integer in 0..${max}`);
  return Number(value);
}

/** Decodes VW's inline hex escapes (`\x41`), as parse_args.cc decode_inline_hex does for namespace arguments. */
function decodeInlineHex(s: string): string {
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export interface ParseOptions {
  /**
   * Accept `--cb_adf` without `--cb_explore_adf` (VW's cb_adf alone: action scores, no pmf). Offline replay and
   * evaluation need it; a served loop must explore, so the server leaves this off.
   */
  allowNoExploration?: boolean;
}

/** The options only an exploring policy reads (each cb_explore_adf_<algo>.cc registers its own). */
const EXPLORER_SCALARS = ['epsilon', 'gamma_scale', 'gamma_exponent', 'lambda', 'first', 'mellowness', 'cb_min_cost', 'cb_max_cost'];
const EXPLORER_FLAGS = ['squarecb', 'first_only', 'elim', 'softmax', 'regcb', 'regcbopt'];
/** Which explorers read each of their options (for the message when one is given to another explorer). */
const OPTION_OWNERS: Record<string, string> = {
  gamma_scale: '--squarecb',
  gamma_exponent: '--squarecb',
  elim: '--squarecb',
  lambda: '--softmax',
  mellowness: '--regcb and --squarecb --elim',
  cb_min_cost: '--regcb and --squarecb --elim',
  cb_max_cost: '--regcb and --squarecb --elim',
  first_only: 'epsilon-greedy and --regcb --regcbopt',
};

type Algorithm = PolicyConfig['exploration']['kind'];

/**
 * Which explorer the options select. VW builds the first of its cb_explore_adf reductions whose necessary
 * option is given (epsilon-greedy when none is); two of them at once is refused here rather than resolved by
 * VW's stack order, which nobody means. --regcbopt alone still selects RegCB (deprecated in VW 9.10, same learner).
 */
function explorerOf(flags: Set<string>, scalars: Map<string, unknown>): Algorithm {
  const chosen: [Algorithm, string][] = [];
  if (flags.has('squarecb')) chosen.push(['squarecb', '--squarecb']);
  if (flags.has('softmax')) chosen.push(['softmax', '--softmax']);
  if (scalars.has('first')) chosen.push(['first', '--first']);
  if (flags.has('regcb') || flags.has('regcbopt')) chosen.push(['regcb', flags.has('regcb') ? '--regcb' : '--regcbopt']);
  if (chosen.length > 1) {
    throw new PolicyArgumentError(chosen[1]![1], `cannot be combined with ${chosen[0]![1]}: choose one explorer`);
  }
  return chosen[0]?.[0] ?? 'epsilon';
}

interface ExplorationInputs {
  flags: Set<string>;
  scalars: Map<string, { arg: string; value: string }>;
  float: (name: string, dflt: number) => number;
  argOf: (name: string) => string;
  cbType: CbType;
  epsilon: number;
}

/** The options of each explorer, validated against their domain; an option of another explorer is refused. */
function parseExploration(algorithm: Algorithm, o: ExplorationInputs): PolicyConfig['exploration'] {
  const { flags, scalars, float, argOf, epsilon } = o;
  const allowed = new Set<string>(algorithm === 'none' ? [] : ['epsilon']);
  const refuseOthers = (owner: string): void => {
    const problem = (name: string): string =>
      OPTION_OWNERS[name] === undefined ? `does not apply to ${owner}` : `applies to ${OPTION_OWNERS[name]} only, not ${owner}`;
    for (const name of EXPLORER_SCALARS) {
      if (scalars.has(name) && !allowed.has(name)) throw new PolicyArgumentError(argOf(name), problem(name));
    }
    for (const name of EXPLORER_FLAGS) {
      if (flags.has(name) && !allowed.has(name)) throw new PolicyArgumentError(`--${name}`, problem(name));
    }
  };
  const mtrOnly = (what: string): void => {
    // cb_explore_adf_squarecb.cc and cb_explore_adf_regcb.cc: cb_type one_of({"mtr"}).
    if (o.cbType !== 'mtr') throw new PolicyArgumentError(argOf('cb_type'), `${what} supports only --cb_type mtr`);
  };
  const costRange = (mellowness: number): CostRange => {
    const c0 = float('mellowness', mellowness);
    if (c0 < 0) throw new PolicyArgumentError(argOf('mellowness'), 'must be >= 0');
    const cbMinCost = float('cb_min_cost', VW_DEFAULT.cbMinCost);
    const cbMaxCost = float('cb_max_cost', VW_DEFAULT.cbMaxCost);
    // δ = c0·ln(K·t)·(max − min)²: an empty or reversed range leaves no interval to search.
    if (!(cbMinCost < cbMaxCost)) {
      throw new PolicyArgumentError(argOf('cb_max_cost'), `must be greater than --cb_min_cost (${cbMinCost})`);
    }
    // The interval search (cb_explore_adf_regcb.cc binary_search) works in float on cmax + 1 − cmin.
    if (!Number.isFinite(Math.fround(Math.fround(cbMaxCost - cbMinCost) + 1))) {
      throw new PolicyArgumentError(argOf('cb_max_cost'), 'the cost range must fit a 32-bit float');
    }
    return { mellowness: c0, cbMinCost, cbMaxCost };
  };
  switch (algorithm) {
    case 'none':
      refuseOthers('--cb_adf alone');
      return { kind: 'none' };
    case 'epsilon':
      allowed.add('first_only');
      refuseOthers('epsilon-greedy');
      return { kind: 'epsilon', epsilon, firstOnly: flags.has('first_only') };
    case 'squarecb': {
      mtrOnly('squarecb');
      for (const n of ['squarecb', 'gamma_scale', 'gamma_exponent', 'elim']) allowed.add(n);
      const elim = flags.has('elim');
      if (elim) for (const n of ['mellowness', 'cb_min_cost', 'cb_max_cost']) allowed.add(n);
      refuseOthers(elim ? '--squarecb --elim' : '--squarecb (without --elim)');
      const gammaScale = float('gamma_scale', VW_DEFAULT.gammaScale);
      const gammaExponent = float('gamma_exponent', VW_DEFAULT.gammaExponent);
      if (gammaScale < 0) throw new PolicyArgumentError(argOf('gamma_scale'), 'must be >= 0');
      // γ = gamma_scale · counter^gamma_exponent grows with the events learned; a negative exponent makes it
      // infinite before the first event (0^−x) and shrinks it afterwards, which SquareCB has no use for.
      if (gammaExponent < 0) throw new PolicyArgumentError(argOf('gamma_exponent'), 'must be >= 0');
      const x: PolicyConfig['exploration'] = { kind: 'squarecb', gammaScale, gammaExponent, epsilon };
      if (elim) x.elim = costRange(VW_DEFAULT.elimMellowness);
      return x;
    }
    case 'softmax':
      allowed.add('softmax').add('lambda');
      refuseOthers('--softmax');
      return { kind: 'softmax', lambda: float('lambda', VW_DEFAULT.lambda), epsilon };
    case 'first': {
      allowed.add('first');
      refuseOthers('--first');
      const s = scalars.get('first')!;
      // size_t tau, counted down once per learned event and saved as a u64: any count a double holds exactly.
      return { kind: 'first', tau: parseIntValue(s.arg, s.value, Number.MAX_SAFE_INTEGER), epsilon };
    }
    case 'regcb': {
      mtrOnly('regcb');
      for (const n of ['regcb', 'regcbopt', 'mellowness', 'cb_min_cost', 'cb_max_cost', 'first_only']) allowed.add(n);
      refuseOthers(flags.has('regcbopt') ? '--regcb --regcbopt' : '--regcb');
      const optimistic = flags.has('regcbopt');
      return {
        kind: 'regcb',
        optimistic,
        legacyOptimistic: optimistic && !flags.has('regcb'),
        firstOnly: flags.has('first_only'),
        epsilon,
        ...costRange(VW_DEFAULT.regcbMellowness),
      };
    }
  }
}

/** Parses a VW command line into a PolicyConfig; throws PolicyArgumentError on anything unsupported. */
export function parsePolicyArguments(args: string, options: ParseOptions = {}): PolicyConfig {
  const scalars = new Map<string, { arg: string; value: string }>();
  const lists = new Map<string, string[]>();
  const flags = new Set<string>();

  for (const { spec, arg, value } of tokenize(args)) {
    if (spec.ignored) continue;
    if (spec.kind === 'flag') {
      flags.add(spec.name);
    } else if (spec.kind === 'list') {
      const list = lists.get(spec.name) ?? [];
      list.push(value as string);
      lists.set(spec.name, list);
    } else {
      const prev = scalars.get(spec.name);
      if (prev && !sameValue(spec, prev.value, value as string)) {
        // A policy that says two things is refused, saying what VW 9.10 would have done (config/src/options_cli.cc:
        // an option marked allow_override keeps its first value silently, any other stops VW with "Disagreeing
        // option values").
        const vw = VW_KEEPS_FIRST.has(spec.name)
          ? `VW would keep the first ('${prev.value}')`
          : 'VW refuses it too (disagreeing option values)';
        throw new PolicyArgumentError(arg, `given twice with different values ('${prev.value}', '${value}'); ${vw}; give it once`);
      }
      scalars.set(spec.name, { arg, value: value as string });
    }
  }

  const float = (name: string, dflt: number): number => {
    const s = scalars.get(name);
    return s ? parseFloatValue(s.arg, s.value) : dflt;
  };
  const argOf = (name: string): string => scalars.get(name)?.arg ?? `--${name}`;

  // conditional_contextual_bandit.cc ccb_explore_adf_setup inserts --cb_explore_adf and --cb_sample itself.
  const ccb = flags.has('ccb_explore_adf');
  if (flags.has('cb_sample') && !ccb) throw new PolicyArgumentError('--cb_sample', 'is only supported with --ccb_explore_adf');
  const explore = ccb || flags.has('cb_explore_adf');
  if (!explore && !(flags.has('cb_adf') && options.allowNoExploration)) {
    throw new PolicyArgumentError(
      '--cb_explore_adf',
      options.allowNoExploration
        ? 'or --cb_adf is required (the engine implements cb_explore_adf and cb_adf)'
        : 'is required (a served loop must explore; --cb_adf alone is for replay)',
    );
  }
  // cb_explore_adf_*.cc register these; with cb_adf alone no reduction reads them.
  if (!explore) {
    for (const name of EXPLORER_SCALARS) {
      if (scalars.has(name)) throw new PolicyArgumentError(argOf(name), 'applies to --cb_explore_adf only (not --cb_adf alone)');
    }
    for (const name of EXPLORER_FLAGS) {
      if (flags.has(name)) throw new PolicyArgumentError(`--${name}`, 'applies to --cb_explore_adf only (not --cb_adf alone)');
    }
  }

  const cbTypeText = scalars.get('cb_type')?.value ?? 'mtr';
  if (cbTypeText !== 'mtr' && cbTypeText !== 'ips' && cbTypeText !== 'dr') {
    throw new PolicyArgumentError(argOf('cb_type'), `'${cbTypeText}' is not supported (mtr, ips, dr)`);
  }
  const cbType: CbType = cbTypeText;

  const csoaa = scalars.get('csoaa_ldf');
  if (csoaa && csoaa.value !== 'multiline') {
    throw new PolicyArgumentError(csoaa.arg, `'${csoaa.value}' is not supported (multiline)`);
  }

  const algorithm = explore ? explorerOf(flags, scalars) : 'none';
  const epsilon = float('epsilon', algorithm === 'epsilon' ? VW_DEFAULT.epsilon : VW_DEFAULT.squareCbEpsilon);
  if (epsilon < 0 || epsilon > 1) throw new PolicyArgumentError(argOf('epsilon'), 'must be in [0,1]');
  const exploration = parseExploration(algorithm, { flags, scalars, float, argOf, cbType, epsilon });

  const bitsArg = scalars.get('bit_precision');
  const bits = bitsArg ? parseIntValue(bitsArg.arg, bitsArg.value, 2 ** 32 - 1) : VW_DEFAULT.bits;
  if (bits < 1 || bits > 30) throw new PolicyArgumentError(argOf('bit_precision'), 'must be in 1..30');

  const nonNegative = (name: string, dflt: number): number => {
    const x = float(name, dflt);
    if (x < 0) throw new PolicyArgumentError(argOf(name), 'must be >= 0');
    return x;
  };

  const interactionList = (name: string, ok: (n: number) => boolean, what: string): string[] => {
    const list = lists.get(name) ?? [];
    for (const v of list) {
      if (!ok(decodeInlineHex(v).length)) throw new PolicyArgumentError(`--${name}`, `'${v}' must name ${what}`);
    }
    return list;
  };

  // parse_args.cc: every character of every --ignore/--ignore_linear argument is a namespace letter; the model
  // header stores them merged, deduplicated and sorted, so keep them that way.
  const letters = (name: string): string[] =>
    [...new Set((lists.get(name) ?? []).flatMap((v) => [...decodeInlineHex(v)]))].sort();

  const hash = scalars.get('hash')?.value ?? 'strings';
  if (hash !== 'strings' && hash !== 'all') {
    throw new PolicyArgumentError(argOf('hash'), `'${hash}' is not one of strings, all`);
  }
  const seedArg = scalars.get('hash_seed');
  const hashSeed = seedArg ? parseIntValue(seedArg.arg, seedArg.value, 2 ** 32 - 1) : 0;

  const clipP = nonNegative('clip_p', 0);
  if (clipP > 1) throw new PolicyArgumentError(argOf('clip_p'), 'must be in [0,1]');

  // The update rule's own domain (gd.cc): a rate of 0 or less never learns or learns backwards; power_t
  // outside [0,1] makes the per-feature rate G^−power_t · (N²)^(power_t−1) overflow float (0·inf = NaN weights)
  // or grow with every update.
  const learningRate = float('learning_rate', VW_DEFAULT.learningRate);
  if (!(Math.fround(learningRate) > 0)) throw new PolicyArgumentError(argOf('learning_rate'), 'must be > 0 (as a 32-bit float)');
  const powerT = float('power_t', VW_DEFAULT.powerT);
  if (powerT < 0 || powerT > 1) throw new PolicyArgumentError(argOf('power_t'), 'must be in [0,1]');

  // gd.cc compute_update: each update multiplies the weights' contraction by 1 − l2·η̄; past 1 it can turn
  // negative and blow the weights up to inf within a few events. Useful values are tiny (1e-9..1e-3).
  const l2 = nonNegative('l2', 0);
  if (l2 > 1) throw new PolicyArgumentError(argOf('l2'), 'must be in [0,1]');

  // The kept scalar options given at their default value (VW writes them too: see explicitDefaults). Which
  // epsilon default applies depends on the exploration; cb_type and csoaa_ldf are written whether given or not.
  const defaults: Record<string, number | string> = {
    epsilon: algorithm === 'epsilon' ? VW_DEFAULT.epsilon : VW_DEFAULT.squareCbEpsilon,
    gamma_scale: VW_DEFAULT.gammaScale,
    gamma_exponent: VW_DEFAULT.gammaExponent,
    mellowness: algorithm === 'regcb' ? VW_DEFAULT.regcbMellowness : VW_DEFAULT.elimMellowness,
    cb_min_cost: VW_DEFAULT.cbMinCost,
    cb_max_cost: VW_DEFAULT.cbMaxCost,
    lambda: VW_DEFAULT.lambda,
    learning_rate: VW_DEFAULT.learningRate,
    power_t: VW_DEFAULT.powerT,
    clip_p: 0,
    hash: 'strings',
    hash_seed: 0,
  };
  const explicitDefaults = Object.keys(defaults)
    .filter((name) => {
      const s = scalars.get(name);
      if (!s) return false;
      const d = defaults[name];
      return typeof d === 'string' ? s.value === d : Math.fround(Number(s.value)) === Math.fround(d as number);
    })
    .sort();

  return {
    ccb,
    cbType,
    exploration,
    learningRate,
    powerT,
    initialT: nonNegative('initial_t', 0),
    l1: nonNegative('l1', 0),
    l2,
    bits,
    quadratic: interactionList('quadratic', (n) => n === 2, 'two namespaces'),
    cubic: interactionList('cubic', (n) => n === 3, 'three namespaces'),
    interactions: interactionList('interactions', (n) => n >= 2, 'at least two namespaces'),
    ignore: letters('ignore'),
    ignoreLinear: letters('ignore_linear'),
    noConstant: flags.has('noconstant'),
    hashAll: hash === 'all',
    hashSeed,
    chainHash: flags.has('chain_hash'),
    clipP,
    id: scalars.get('id')?.value ?? '',
    rankAll: flags.has('rank_all'),
    explicitDefaults,
  };
}

/**
 * A canonical command line (long option names) that parses back to an equal PolicyConfig, except for
 * explicitDefaults: it always spells out -l and --power_t (and --epsilon, the gamma options for their
 * exploration). The learning signature of stored models is this string, so its form must not change.
 */
export function formatPolicyArguments(config: PolicyConfig): string {
  const x = config.exploration;
  const parts: string[] = [config.ccb ? '--ccb_explore_adf' : x.kind === 'none' ? '--cb_adf' : '--cb_explore_adf'];
  if (config.rankAll) parts.push('--rank_all');
  if (x.kind === 'epsilon') {
    parts.push('--epsilon', String(x.epsilon));
    if (x.firstOnly) parts.push('--first_only');
  } else if (x.kind === 'squarecb') {
    parts.push('--squarecb', '--gamma_scale', String(x.gammaScale), '--gamma_exponent', String(x.gammaExponent));
    if (x.elim) parts.push('--elim', ...costRangeArguments(x.elim));
    if (x.epsilon !== VW_DEFAULT.squareCbEpsilon) parts.push('--epsilon', String(x.epsilon));
  } else if (x.kind === 'softmax') {
    parts.push('--softmax', '--lambda', String(x.lambda));
    if (x.epsilon !== VW_DEFAULT.squareCbEpsilon) parts.push('--epsilon', String(x.epsilon));
  } else if (x.kind === 'first') {
    parts.push('--first', String(x.tau));
    if (x.epsilon !== VW_DEFAULT.squareCbEpsilon) parts.push('--epsilon', String(x.epsilon));
  } else if (x.kind === 'regcb') {
    if (!x.legacyOptimistic) parts.push('--regcb');
    if (x.optimistic) parts.push('--regcbopt');
    parts.push(...costRangeArguments(x));
    if (x.firstOnly) parts.push('--first_only');
    if (x.epsilon !== VW_DEFAULT.squareCbEpsilon) parts.push('--epsilon', String(x.epsilon));
  }
  parts.push('--cb_type', config.cbType);
  parts.push('--learning_rate', String(config.learningRate), '--power_t', String(config.powerT));
  if (config.initialT !== 0) parts.push('--initial_t', String(config.initialT));
  if (config.l1 !== 0) parts.push('--l1', String(config.l1));
  if (config.l2 !== 0) parts.push('--l2', String(config.l2));
  if (config.bits !== VW_DEFAULT.bits) parts.push('--bit_precision', String(config.bits));
  for (const q of config.quadratic) parts.push('--quadratic', q);
  for (const c of config.cubic) parts.push('--cubic', c);
  for (const i of config.interactions) parts.push('--interactions', i);
  if (config.ignore.length > 0) parts.push('--ignore', config.ignore.join(''));
  if (config.ignoreLinear.length > 0) parts.push('--ignore_linear', config.ignoreLinear.join(''));
  if (config.noConstant) parts.push('--noconstant');
  if (config.hashAll) parts.push('--hash', 'all');
  if (config.hashSeed !== 0) parts.push('--hash_seed', String(config.hashSeed));
  if (config.chainHash) parts.push('--chain_hash');
  if (config.clipP !== 0) parts.push('--clip_p', String(config.clipP));
  if (config.id !== '') parts.push('--id', config.id);
  return parts.join(' ');
}

function costRangeArguments(c: CostRange): string[] {
  return ['--mellowness', String(c.mellowness), '--cb_min_cost', String(c.cbMinCost), '--cb_max_cost', String(c.cbMaxCost)];
}

/** VW's cli_options_serializer prints floats with precision 15 after widening the float option to double. */
function keptFloat(x: number): string {
  return formatCppFloat(Math.fround(x), 15);
}

/**
 * The options string VW 9.10 stores in a model header for this policy (parse_regressor.cc save_load_header):
 * every supplied option with `.keep()`, in the options map's name order, `--name value` (vector options repeat
 * the name per value, flags have no value), then the merged --ignore/--ignore_linear letters. cb_adf adds
 * --cb_adf, --cb_type, --csoaa_ldf multiline and --csoaa_rank to every cb_explore_adf model. learning_rate and
 * power_t are kept only in save-resume models (parse_update_options `.keep(all.save_resume)`); initial_t, l1, l2,
 * bit_precision (a header field of its own) and id are never in it. An option at VW's default value is written
 * only when it was given (config.explicitDefaults), as VW writes it.
 */
export function modelOptionsString(config: PolicyConfig, options: { predictOnly?: boolean } = {}): string {
  const x = config.exploration;
  const given = new Set(config.explicitDefaults);
  const keep = (name: string, isDefault: boolean): boolean => !isDefault || given.has(name);
  const kept: [string, string | null][] = [
    ['cb_adf', null],
    ['cb_type', config.cbType],
    ['csoaa_ldf', 'multiline'],
    ['csoaa_rank', null],
  ];
  // cb_adf alone stores no exploration option (cb_adf.cc keeps cb_adf, rank_all, clip_p, cb_type).
  if (x.kind !== 'none') kept.push(['cb_explore_adf', null]);
  // ccb_explore_adf and the cb_sample it inserts are both .keep() options.
  if (config.ccb) kept.push(['ccb_explore_adf', null], ['cb_sample', null]);
  if (config.rankAll) kept.push(['rank_all', null]);
  if (x.kind === 'epsilon') {
    if (keep('epsilon', x.epsilon === VW_DEFAULT.epsilon)) kept.push(['epsilon', keptFloat(x.epsilon)]);
    if (x.firstOnly) kept.push(['first_only', null]);
  } else if (x.kind !== 'none') {
    // Every other explorer's epsilon defaults to 0 (RegCB registers none: greedy's, unused, is kept if given).
    if (keep('epsilon', x.epsilon === VW_DEFAULT.squareCbEpsilon)) kept.push(['epsilon', keptFloat(x.epsilon)]);
    const range = (c: CostRange, mellowness: number): void => {
      if (keep('mellowness', c.mellowness === mellowness)) kept.push(['mellowness', keptFloat(c.mellowness)]);
      if (keep('cb_min_cost', c.cbMinCost === VW_DEFAULT.cbMinCost)) kept.push(['cb_min_cost', keptFloat(c.cbMinCost)]);
      if (keep('cb_max_cost', c.cbMaxCost === VW_DEFAULT.cbMaxCost)) kept.push(['cb_max_cost', keptFloat(c.cbMaxCost)]);
    };
    if (x.kind === 'squarecb') {
      kept.push(['squarecb', null]);
      if (keep('gamma_scale', x.gammaScale === VW_DEFAULT.gammaScale)) kept.push(['gamma_scale', keptFloat(x.gammaScale)]);
      if (keep('gamma_exponent', x.gammaExponent === VW_DEFAULT.gammaExponent)) kept.push(['gamma_exponent', keptFloat(x.gammaExponent)]);
      if (x.elim) {
        kept.push(['elim', null]);
        range(x.elim, VW_DEFAULT.elimMellowness);
      }
    } else if (x.kind === 'softmax') {
      kept.push(['softmax', null]);
      if (keep('lambda', x.lambda === VW_DEFAULT.lambda)) kept.push(['lambda', keptFloat(x.lambda)]);
    } else if (x.kind === 'first') {
      kept.push(['first', String(x.tau)]);
    } else {
      if (!x.legacyOptimistic) kept.push(['regcb', null]);
      if (x.optimistic) kept.push(['regcbopt', null]);
      if (x.firstOnly) kept.push(['first_only', null]);
      range(x, VW_DEFAULT.regcbMellowness);
    }
  }
  if (!options.predictOnly) {
    if (keep('learning_rate', config.learningRate === VW_DEFAULT.learningRate)) kept.push(['learning_rate', keptFloat(config.learningRate)]);
    if (keep('power_t', config.powerT === VW_DEFAULT.powerT)) kept.push(['power_t', keptFloat(config.powerT)]);
  }
  if (config.chainHash) kept.push(['chain_hash', null]);
  if (keep('clip_p', config.clipP === 0)) kept.push(['clip_p', keptFloat(config.clipP)]);
  if (config.noConstant) kept.push(['noconstant', null]);
  if (keep('hash', !config.hashAll)) kept.push(['hash', config.hashAll ? 'all' : 'strings']);
  if (keep('hash_seed', config.hashSeed === 0)) kept.push(['hash_seed', String(config.hashSeed)]);
  for (const [name, list] of [['quadratic', config.quadratic], ['cubic', config.cubic], ['interactions', config.interactions]] as const) {
    for (const v of list) kept.push([name, v]);
  }
  // std::map order by name; vector values keep their given order (stable sort).
  kept.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let s = kept.map(([name, value]) => (value === null ? ` --${name}` : ` --${name} ${value}`)).join('');
  if (config.ignore.length > 0) s += ` --ignore ${config.ignore.join('')}`;
  if (config.ignoreLinear.length > 0) s += ` --ignore_linear ${config.ignoreLinear.join('')}`;
  return s;
}

/**
 * A number as a C++ ostream prints it with the default float field and the given precision (printf "%.<p>g"),
 * rounding the exact binary value half-to-even like glibc: "2842.4", "-3.77765e-05", "0.200000002980232".
 */
export function formatCppFloat(x: number, precision = 6): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x < 0 ? '-inf' : 'inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return `${sign}0`;
  let { digits, exp } = exactDecimal(Math.abs(x)); // value = 0.d1d2d3... × 10^exp
  if (digits.length > precision) {
    const keep = BigInt(digits.slice(0, precision));
    const first = digits.charCodeAt(precision) - 48;
    const restNonZero = /[1-9]/.test(digits.slice(precision + 1));
    const up = first > 5 || (first === 5 && (restNonZero || keep % 2n === 1n));
    let rounded = (up ? keep + 1n : keep).toString();
    if (rounded.length > precision) {
      exp += 1;
      rounded = rounded.slice(0, precision);
    }
    digits = rounded;
  }
  digits = digits.replace(/0+$/, '');
  const e10 = exp - 1; // exponent of the leading digit
  if (e10 < -4 || e10 >= precision) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const ae = Math.abs(e10);
    return `${sign}${mant}e${e10 < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  }
  if (exp <= 0) return `${sign}0.${'0'.repeat(-exp)}${digits}`;
  if (digits.length <= exp) return `${sign}${digits}${'0'.repeat(exp - digits.length)}`;
  return `${sign}${digits.slice(0, exp)}.${digits.slice(exp)}`;
}

/** The exact decimal expansion of a positive finite double: value = 0.digits × 10^exp, digits without leading zeros. */
function exactDecimal(x: number): { digits: string; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e2: number;
  if (biased === 0) e2 = -1074;
  else {
    mant |= 1n << 52n;
    e2 = biased - 1075;
  }
  // value = mant × 2^e2
  let intDigits: string;
  let fracLen = 0;
  if (e2 >= 0) intDigits = (mant << BigInt(e2)).toString();
  else {
    intDigits = (mant * 5n ** BigInt(-e2)).toString(); // value = that × 10^e2
    fracLen = -e2;
  }
  const stripped = intDigits.replace(/^0+/, '');
  return { digits: stripped, exp: stripped.length - fracLen };
}
