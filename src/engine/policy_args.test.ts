import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  mergeModelOptions,
  DEFAULT_POLICY_ARGUMENTS,
  DEFAULT_CCB_POLICY_ARGUMENTS,
  PolicyArgumentError,
  formatCppFloat,
  formatPolicyArguments,
  modelOptionsString,
  parsePolicyArguments,
} from './policy_args.js';
import type { PolicyConfig } from './types.js';

const DEFAULT_CONFIG: PolicyConfig = {
  ccb: false,
  cbType: 'mtr',
  exploration: { kind: 'epsilon', epsilon: 0.2, firstOnly: false },
  learningRate: 0.001,
  powerT: 0,
  initialT: 0,
  l1: 0,
  l2: 0,
  bits: 18,
  quadratic: ['::'],
  cubic: [],
  interactions: [],
  ignore: [],
  ignoreLinear: [],
  noConstant: false,
  hashAll: false,
  hashSeed: 0,
  chainHash: false,
  clipP: 0,
  id: '',
  rankAll: false,
  explicitDefaults: [],
};

// Model headers written by VW 9.10 (shared/vw-vectors tiny/ and models/).
const TINY_HEADER =
  ' --cb_adf --cb_explore_adf --cb_type mtr --csoaa_ldf multiline --csoaa_rank --epsilon 0.200000002980232' +
  ' --learning_rate 0.00100000004749745 --power_t 0 --quadratic ::';
const TINY_PREDICT_ONLY_HEADER =
  ' --cb_adf --cb_explore_adf --cb_type mtr --csoaa_ldf multiline --csoaa_rank --epsilon 0.200000002980232 --quadratic ::';
const SQUARECB_HEADER =
  ' --cb_adf --cb_explore_adf --cb_type mtr --csoaa_ldf multiline --csoaa_rank --learning_rate 0.00100000004749745' +
  ' --power_t 0 --quadratic :: --squarecb';

test('the default Personalizer policy parses to VW values', () => {
  assert.deepEqual(parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS), DEFAULT_CONFIG);
  assert.equal(
    formatPolicyArguments(DEFAULT_CONFIG),
    '--cb_explore_adf --epsilon 0.2 --cb_type mtr --learning_rate 0.001 --power_t 0 --quadratic ::',
  );
});

test('VW defaults fill what is not given', () => {
  const c = parsePolicyArguments('--cb_explore_adf');
  assert.deepEqual(c.exploration, { kind: 'epsilon', epsilon: 0.05, firstOnly: false });
  assert.equal(c.learningRate, 0.5);
  assert.equal(c.powerT, 0.5);
  assert.equal(c.bits, 18);
  assert.equal(c.cbType, 'mtr');
  assert.deepEqual(c.quadratic, []);
  const s = parsePolicyArguments('--cb_explore_adf --squarecb');
  assert.deepEqual(s.exploration, { kind: 'squarecb', gammaScale: 10, gammaExponent: 0.5, epsilon: 0 });
});

test('aliases, glued short options and --opt=value give the same config', () => {
  const forms = [
    '--cb_explore_adf -l 0.01 -b 20 -q ab -q ::',
    '--cb_explore_adf -l0.01 -b20 -qab -q::',
    '--cb_explore_adf --learning_rate=0.01 --bit_precision=20 --quadratic=ab --quadratic=::',
    '--cb_explore_adf --learning_rate 0.01 --bit_precision 20 --quadratic ab --quadratic ::',
    '  --cb_explore_adf\t--cb_adf --learning_rate 0.01  -b 20 -q ab --quadratic :: --dsjson --json --quiet --save_resume' +
      ' --preserve_performance_counters --predict_only_model --compressed',
  ];
  const configs = forms.map((a) => parsePolicyArguments(a));
  for (const c of configs) assert.deepEqual(c, configs[0]);
  assert.equal(configs[0]?.learningRate, 0.01);
  assert.equal(configs[0]?.bits, 20);
  assert.deepEqual(configs[0]?.quadratic, ['ab', '::']);
});

test('every supported argument round-trips through formatPolicyArguments', () => {
  const lines = [
    DEFAULT_POLICY_ARGUMENTS,
    '--cb_explore_adf --json --quiet --epsilon 1.0 --first_only --id N/A',
    '--cb_explore_adf --epsilon 0.1 --cb_type ips -l 1e-7 --power_t 0.25 --initial_t 3 --l1 1e-9 --l2 0.5 -b 24',
    '--cb_explore_adf --cb_type dr --cubic ABC --interactions UAB --interactions ::: --ignore xy --ignore_linear z',
    '--cb_explore_adf --noconstant --hash all --hash_seed 77 --chain_hash --clip_p 0.01 -q UA -q AU',
    '--cb_explore_adf --squarecb --gamma_scale 100 --gamma_exponent 0.3 --power_t 0.75',
    '--cb_explore_adf --squarecb --epsilon 0.1',
    TINY_HEADER,
    SQUARECB_HEADER,
  ];
  for (const line of lines) {
    const c = parsePolicyArguments(line);
    // The canonical form spells out -l, --power_t and --epsilon; which defaults the line gave is not part of it.
    assert.deepEqual({ ...parsePolicyArguments(formatPolicyArguments(c)), explicitDefaults: [] }, { ...c, explicitDefaults: [] }, line);
  }
  const c = parsePolicyArguments(lines[2] as string);
  assert.equal(c.l1, 1e-9);
  assert.equal(c.initialT, 3);
  assert.equal(c.bits, 24);
  const d = parsePolicyArguments(lines[3] as string);
  assert.deepEqual(d.interactions, ['UAB', ':::']);
  assert.deepEqual(d.ignoreLinear, ['z']);
  assert.equal(parsePolicyArguments(lines[5] as string).powerT, 0.75);
});

test('--ignore takes every letter of every argument, merged and sorted (parse_args.cc)', () => {
  const c = parsePolicyArguments('--cb_explore_adf --ignore ba --ignore a --ignore_linear \\x41');
  assert.deepEqual(c.ignore, ['a', 'b']);
  assert.deepEqual(c.ignoreLinear, ['A']);
});

function expectError(args: string, argument: string, problem: RegExp): void {
  assert.throws(
    () => parsePolicyArguments(args),
    (e: unknown) => {
      assert.ok(e instanceof PolicyArgumentError, `${args}: ${String(e)}`);
      assert.equal(e.argument, argument, args);
      assert.match(e.message, problem, args);
      assert.ok(e.message.startsWith(`${argument}: `), e.message);
      assert.match(e.message, /Supported arguments: --cb_explore_adf --cb_adf --cb_type --epsilon /);
      assert.ok(e.supported.includes('-q/--quadratic'));
      return true;
    },
  );
}

test('unsupported or malformed arguments fail naming the argument and the supported ones', () => {
  expectError('--cb_explore_adf --bag 4', '--bag', /unsupported argument/);
  expectError('--cb_explore_adf --cover 3', '--cover', /unsupported argument/);
  expectError('--cb_explore_adf --rnd 3', '--rnd', /unsupported argument/);
  expectError('--cb_explore_adf --softmax --regcb', '--regcb', /cannot be combined with --softmax: choose one explorer/);
  expectError('--cb_explore_adf --squarecb --first 5', '--first', /cannot be combined with --squarecb/);
  expectError('--cb_explore_adf --lambda 3', '--lambda', /applies to --softmax only, not epsilon-greedy/);
  expectError('--cb_explore_adf --squarecb --mellowness 0.1', '--mellowness', /applies to --regcb and --squarecb --elim only, not --squarecb \(without --elim\)/);
  expectError('--cb_explore_adf --elim', '--elim', /applies to --squarecb only/);
  expectError('--cb_explore_adf --regcb --cb_type ips', '--cb_type', /regcb supports only --cb_type mtr/);
  expectError('--cb_explore_adf --regcb --cb_min_cost 0 --cb_max_cost 0', '--cb_max_cost', /must be greater than --cb_min_cost/);
  expectError('--cb_explore_adf --regcb --mellowness -1', '--mellowness', /must be >= 0/);
  expectError('--cb_explore_adf --first -1', '--first', /not an integer/);
  expectError('--cb_explore_adf --first 2.5', '--first', /not an integer/);
  expectError('--cb_explore_adf --softmax --first_only', '--first_only', /applies to epsilon-greedy and --regcb --regcbopt only, not --softmax/);
  expectError('--cb_adf --softmax', '--cb_explore_adf', /is required/);
  expectError('--cb_explore_adf --cb_sample', '--cb_sample', /only supported with --ccb_explore_adf/);
  expectError('--cb_explore_adf -k', '-k', /unsupported argument/);
  expectError('--cb_explore_adf --epsilon', '--epsilon', /missing value/);
  expectError('--cb_explore_adf --epsilon --first_only', '--epsilon', /missing value/);
  expectError('--cb_explore_adf --epsilon=', '--epsilon', /missing value/);
  expectError('--cb_explore_adf --epsilon abc', '--epsilon', /'abc' is not a number/);
  expectError('--cb_explore_adf --epsilon 1.5', '--epsilon', /must be in \[0,1\]/);
  expectError('--cb_explore_adf --epsilon -0.1', '--epsilon', /must be in \[0,1\]/);
  expectError('--cb_explore_adf -b 31', '-b', /must be in 1\.\.30/);
  expectError('--cb_explore_adf --bit_precision 0', '--bit_precision', /must be in 1\.\.30/);
  expectError('--cb_explore_adf -b 18.5', '-b', /not an integer/);
  expectError('--cb_explore_adf --cb_type dm', '--cb_type', /'dm' is not supported/);
  expectError('--cb_explore_adf --squarecb --cb_type ips', '--cb_type', /squarecb supports only/);
  expectError('--cb_explore_adf --gamma_scale 5', '--gamma_scale', /--squarecb only/);
  expectError('--cb_explore_adf --hash none', '--hash', /not one of strings, all/);
  expectError('--cb_explore_adf -q abc', '--quadratic', /two namespaces/);
  expectError('--cb_explore_adf --cubic ab', '--cubic', /three namespaces/);
  expectError(
    '--cb_explore_adf --epsilon 0.1 --epsilon 0.2',
    '--epsilon',
    /^--epsilon: given twice with different values \('0\.1', '0\.2'\); VW would keep the first \('0\.1'\); give it once\./,
  );
  expectError('--cb_explore_adf -l 0.1 --learning_rate 0.5', '--learning_rate', /\('0\.1', '0\.5'\); VW would keep the first \('0\.1'\)/);
  // Options without allow_override stop VW itself (options_cli.cc "Disagreeing option values").
  expectError('--cb_explore_adf --cb_type ips --cb_type dr', '--cb_type', /\('ips', 'dr'\); VW refuses it too \(disagreeing option values\); give it once\./);
  expectError('--cb_explore_adf --noconstant=1', '--noconstant', /takes no value/);
  expectError('--cb_explore_adf data.json', 'data.json', /unexpected value/);
  expectError('--epsilon 0.2', '--cb_explore_adf', /is required/);
  // A served loop must explore: --cb_adf alone is refused unless the caller allows it (replay does).
  expectError('--cb_adf --cb_type ips', '--cb_explore_adf', /is required \(a served loop must explore; --cb_adf alone is for replay\)/);
  expectError('--cb_explore_adf --csoaa_ldf mc', '--csoaa_ldf', /'mc' is not supported/);
});

test('modelOptionsString reproduces the headers VW 9.10 wrote', () => {
  assert.equal(modelOptionsString(DEFAULT_CONFIG), TINY_HEADER);
  assert.equal(modelOptionsString(DEFAULT_CONFIG, { predictOnly: true }), TINY_PREDICT_ONLY_HEADER);
  assert.equal(modelOptionsString(parsePolicyArguments(TINY_HEADER)), TINY_HEADER);
  const ips = parsePolicyArguments('--cb_explore_adf --epsilon 0.2 --power_t 0 -l 0.001 --cb_type ips -q ::');
  assert.equal(modelOptionsString(ips), TINY_HEADER.replace('--cb_type mtr', '--cb_type ips'));
  const sq = parsePolicyArguments('--cb_explore_adf --squarecb --power_t 0 -l 0.001 --cb_type mtr -q ::');
  assert.equal(modelOptionsString(sq), SQUARECB_HEADER);
});

test('modelOptionsString orders kept options by name and appends merged --ignore letters', () => {
  const c = parsePolicyArguments(
    '--cb_explore_adf --epsilon 0.1 --first_only --cb_type ips --power_t 0 --clip_p 0.1 --noconstant --hash all' +
      ' --hash_seed 7 --chain_hash -q UA -q :: --cubic ABC --interactions UAB --ignore_linear x --ignore ba' +
      ' --l1 0.5 --l2 0.25 --initial_t 2 -b 20 --id model-7',
  );
  assert.equal(
    modelOptionsString(c),
    ' --cb_adf --cb_explore_adf --cb_type ips --chain_hash --clip_p 0.100000001490116 --csoaa_ldf multiline' +
      ' --csoaa_rank --cubic ABC --epsilon 0.100000001490116 --first_only --hash all --hash_seed 7' +
      ' --interactions UAB --noconstant --power_t 0 --quadratic UA --quadratic :: --ignore ab --ignore_linear x',
  );
  const sq = parsePolicyArguments('--cb_explore_adf --squarecb --gamma_scale 1000 --gamma_exponent 0.25 --epsilon 0.01');
  assert.equal(
    modelOptionsString(sq, { predictOnly: true }),
    ' --cb_adf --cb_explore_adf --cb_type mtr --csoaa_ldf multiline --csoaa_rank --epsilon 0.00999999977648258' +
      ' --gamma_exponent 0.25 --gamma_scale 1000 --squarecb',
  );
});

test('formatCppFloat prints like printf %g with glibc rounding', () => {
  assert.equal(formatCppFloat(Math.fround(0.2), 15), '0.200000002980232');
  assert.equal(formatCppFloat(Math.fround(0.001), 15), '0.00100000004749745');
  assert.equal(formatCppFloat(2842.397911559628), '2842.4');
  assert.equal(formatCppFloat(-24.80952376127243), '-24.8095');
  assert.equal(formatCppFloat(Math.fround(-0.000451404)), '-0.000451404');
  assert.equal(formatCppFloat(Math.fround(-3.77765e-5)), '-3.77765e-05');
  assert.equal(formatCppFloat(1e-5), '1e-05');
  assert.equal(formatCppFloat(0.0001), '0.0001');
  assert.equal(formatCppFloat(123456789), '1.23457e+08');
  assert.equal(formatCppFloat(1234565), '1.23456e+06'); // exact tie: half to even
  assert.equal(formatCppFloat(1234575), '1.23458e+06');
  assert.equal(formatCppFloat(999999.5), '1e+06');
  assert.equal(formatCppFloat(100000), '100000');
  assert.equal(formatCppFloat(1e21, 15), '1e+21');
  assert.equal(formatCppFloat(2.5, 1), '2');
  assert.equal(formatCppFloat(0), '0');
  assert.equal(formatCppFloat(-0), '-0');
  assert.equal(formatCppFloat(5e-324), '4.94066e-324');
  assert.equal(formatCppFloat(Infinity), 'inf');
  assert.equal(formatCppFloat(NaN), 'nan');
});

test('--cb_adf alone, when allowed: no exploration, its own model header, exploration options refused', () => {
  const allow = { allowNoExploration: true };
  const c = parsePolicyArguments('--cb_adf --cb_type dr -q :: --power_t 0 -l 0.001', allow);
  assert.deepEqual(c.exploration, { kind: 'none' });
  assert.equal(c.cbType, 'dr');
  assert.equal(c.rankAll, false);
  // cb_adf.cc keeps cb_adf, cb_type, rank_all, clip_p and inserts csoaa_ldf multiline and csoaa_rank.
  assert.equal(
    modelOptionsString(c),
    ' --cb_adf --cb_type dr --csoaa_ldf multiline --csoaa_rank --learning_rate 0.00100000004749745 --power_t 0 --quadratic ::',
  );
  const r = parsePolicyArguments('--cb_adf --rank_all --clip_p 0.1', allow);
  assert.equal(r.rankAll, true);
  assert.equal(modelOptionsString(r), ' --cb_adf --cb_type mtr --clip_p 0.100000001490116 --csoaa_ldf multiline --csoaa_rank --rank_all');
  // The header parses back to the same policy, and the canonical form round-trips.
  const ranked = parsePolicyArguments('--cb_adf --rank_all --cb_type ips', allow);
  assert.deepEqual(parsePolicyArguments(`${modelOptionsString(ranked)} -b 18`, allow), ranked);
  assert.deepEqual(parsePolicyArguments(formatPolicyArguments(c), allow), c);
  // With --cb_explore_adf on top it is still the exploring policy.
  assert.equal(parsePolicyArguments('--cb_adf --cb_explore_adf', allow).exploration.kind, 'epsilon');
  for (const [args, arg] of [
    ['--cb_adf --epsilon 0.1', '--epsilon'],
    ['--cb_adf --squarecb', '--squarecb'],
    ['--cb_adf --first_only', '--first_only'],
    ['--cb_adf --gamma_scale 3', '--gamma_scale'],
  ] as const) {
    assert.throws(
      () => parsePolicyArguments(args, allow),
      (e: unknown) => e instanceof PolicyArgumentError && e.argument === arg && /applies to --cb_explore_adf only/.test(e.message),
      args,
    );
  }
  assert.throws(() => parsePolicyArguments('--cb_type ips', allow), /--cb_explore_adf: or --cb_adf is required/);
});

test("mergeModelOptions: the command line's -l, --power_t and --epsilon replace a model's; other options still conflict", () => {
  const model = ' --cb_adf --cb_explore_adf --cb_type mtr --epsilon 0.200000002980232 --learning_rate 0.00100000004749745 --power_t 0 -b 18';
  const c = parsePolicyArguments(mergeModelOptions(model, '--epsilon 0.1 -l 0.5 --power_t 0.5'));
  assert.deepEqual(c.exploration, { kind: 'epsilon', epsilon: 0.1, firstOnly: false });
  assert.equal(c.learningRate, 0.5);
  assert.equal(c.powerT, 0.5);
  assert.equal(parsePolicyArguments(mergeModelOptions(model, '')).learningRate, 0.00100000004749745);
  assert.throws(() => parsePolicyArguments(mergeModelOptions(model, '--cb_type ips')), /--cb_type: given twice .*VW refuses it too/);
  // The same value again is no conflict.
  assert.equal(parsePolicyArguments(mergeModelOptions(model, '--cb_type mtr -q ::')).cbType, 'mtr');
});

test('an option given at its default value is recorded and written in the header, as VW writes it', () => {
  const c = parsePolicyArguments('-q :: --epsilon 0.050 --cb_explore_adf -l0.5 --power_t=0.5 --clip_p 0 --hash strings --hash_seed 0 --l1 0 -b 18');
  assert.deepEqual(c.explicitDefaults, ['clip_p', 'epsilon', 'hash', 'hash_seed', 'learning_rate', 'power_t']);
  const header =
    ' --cb_adf --cb_explore_adf --cb_type mtr --clip_p 0 --csoaa_ldf multiline --csoaa_rank --epsilon 0.0500000007450581' +
    ' --hash strings --hash_seed 0 --learning_rate 0.5 --power_t 0.5 --quadratic ::';
  assert.equal(modelOptionsString(c), header);
  // Read back (-i), the header gives the same options again.
  assert.equal(modelOptionsString(parsePolicyArguments(`${header} -b 18`)), header);
  // A predict-only model leaves -l and --power_t out, given or not (parse_args.cc .keep(save_resume)).
  assert.equal(modelOptionsString(c, { predictOnly: true }), header.replace(' --learning_rate 0.5 --power_t 0.5', ''));
  // SquareCB's own defaults: epsilon 0, gamma_scale 10, gamma_exponent 0.5.
  const sq = parsePolicyArguments('--cb_explore_adf --squarecb --epsilon 0 --gamma_scale 10 --gamma_exponent 0.5');
  assert.deepEqual(sq.explicitDefaults, ['epsilon', 'gamma_exponent', 'gamma_scale']);
  assert.equal(
    modelOptionsString(sq, { predictOnly: true }),
    ' --cb_adf --cb_explore_adf --cb_type mtr --csoaa_ldf multiline --csoaa_rank --epsilon 0 --gamma_exponent 0.5 --gamma_scale 10 --squarecb',
  );
  // Not given, or given at another value: nothing recorded.
  assert.deepEqual(parsePolicyArguments('--cb_explore_adf --epsilon 0.2 -l 0.001').explicitDefaults, []);
  assert.deepEqual(parsePolicyArguments('--cb_explore_adf --squarecb --epsilon 0.05').explicitDefaults, []);
});

test("mergeModelOptions: a model's options and a command line's are compared by value, as VW 9.10 compares them (float32, integers)", () => {
  // What VW stores for `--squarecb --gamma_scale 2.3 --clip_p 0.1 --hash_seed 7` (15-digit floats).
  const model =
    ' --cb_adf --cb_explore_adf --cb_type mtr --clip_p 0.100000001490116 --csoaa_ldf multiline --csoaa_rank' +
    ' --gamma_scale 2.29999995231628 --hash_seed 7 --quadratic :: --squarecb -b 18';
  const c = parsePolicyArguments(mergeModelOptions(model, '--cb_explore_adf --squarecb --gamma_scale 2.3 --clip_p 0.1 --hash_seed 07 -q ::'));
  // The command line's value is kept (VW keeps the first token, the command line's); the learner reads it as float.
  assert.equal(Math.fround(c.clipP), Math.fround(0.1));
  assert.equal(c.exploration.kind, 'squarecb');
  assert.equal(Math.fround((c.exploration as { gammaScale: number }).gammaScale), Math.fround(2.3));
  assert.equal(c.hashSeed, 7);
  // Other spellings of the same float32: 1e-1, .1, 0.10000000149.
  for (const v of ['1e-1', '.1', '0.10000000149', '0.100000001490116']) {
    assert.equal(Math.fround(parsePolicyArguments(mergeModelOptions(model, `--clip_p ${v}`)).clipP), Math.fround(0.1), v);
  }
  // Really different values are still refused, as VW refuses them: the nearest float32 differs.
  assert.throws(() => parsePolicyArguments(mergeModelOptions(model, '--clip_p 0.1000001')), /--clip_p: given twice with different values \('0.100000001490116', '0.1000001'\); VW refuses it too/);
  assert.throws(() => parsePolicyArguments(mergeModelOptions(model, '--gamma_scale 2.4')), /--gamma_scale: given twice/);
  assert.throws(() => parsePolicyArguments(mergeModelOptions(model, '--hash_seed 8')), /--hash_seed: given twice/);
  assert.throws(() => parsePolicyArguments(mergeModelOptions(model, '--cb_type ips')), /--cb_type: given twice/);
});

test('--ccb_explore_adf: implies cb_explore_adf, formats back, and is kept in the header as VW 9.10 writes it', () => {
  const c = parsePolicyArguments(DEFAULT_CCB_POLICY_ARGUMENTS);
  assert.equal(c.ccb, true);
  assert.deepEqual(c.exploration, { kind: 'epsilon', epsilon: 0.2, firstOnly: false });
  assert.equal(parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS).ccb, false);
  assert.deepEqual({ ...parsePolicyArguments(formatPolicyArguments(c)), explicitDefaults: [] }, { ...c, explicitDefaults: [] });
  assert.match(formatPolicyArguments(c), /^--ccb_explore_adf /);
  // The header of ccb/tiny-20-model.vw (VW 9.10, save-resume).
  assert.equal(
    modelOptionsString(c),
    ' --cb_adf --cb_explore_adf --cb_sample --cb_type mtr --ccb_explore_adf --csoaa_ldf multiline --csoaa_rank' +
      ' --epsilon 0.200000002980232 --learning_rate 0.00100000004749745 --power_t 0 --quadratic ::',
  );
  // The header parses back to the same policy (a loaded model's options).
  assert.equal(parsePolicyArguments(modelOptionsString(c)).ccb, true);
});

test('the explorers beyond epsilon-greedy parse with VW 9.10 defaults and format back to the same policy', () => {
  const cases: [string, unknown][] = [
    ['--cb_explore_adf --softmax', { kind: 'softmax', lambda: 1, epsilon: 0 }],
    ['--cb_explore_adf --softmax --lambda -3 --epsilon 0.1', { kind: 'softmax', lambda: -3, epsilon: 0.1 }],
    ['--cb_explore_adf --first 100', { kind: 'first', tau: 100, epsilon: 0 }],
    [
      '--cb_explore_adf --regcb',
      { kind: 'regcb', optimistic: false, legacyOptimistic: false, firstOnly: false, epsilon: 0, mellowness: 0.1, cbMinCost: 0, cbMaxCost: 1 },
    ],
    [
      '--cb_explore_adf --regcbopt --first_only',
      { kind: 'regcb', optimistic: true, legacyOptimistic: true, firstOnly: true, epsilon: 0, mellowness: 0.1, cbMinCost: 0, cbMaxCost: 1 },
    ],
    [
      '--cb_explore_adf --squarecb --elim --cb_min_cost -1 --cb_max_cost 0',
      { kind: 'squarecb', gammaScale: 10, gammaExponent: 0.5, epsilon: 0, elim: { mellowness: 0.001, cbMinCost: -1, cbMaxCost: 0 } },
    ],
  ];
  for (const [args, exploration] of cases) {
    const c = parsePolicyArguments(args);
    assert.deepEqual(c.exploration, exploration, args);
    const again = parsePolicyArguments(formatPolicyArguments(c));
    assert.deepEqual(again.exploration, c.exploration, formatPolicyArguments(c));
  }
});
