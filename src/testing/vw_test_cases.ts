// VW 9.10.0's own test cases (test/core.vwtest.json in VW's source tree) that replay can run: those reading
// DSJSON/JSON (`--dsjson`, `--json`) with `--cb_explore_adf` or `--cb_adf`, whose every option replay or the
// engine takes. Each is translated into a `personalizer replay` command line. VW's tree is read where it lies
// (never copied into this repository): `VW_SOURCE`, else `~/.cache/personalizer/vw-src`. Test-only.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parsePolicyArguments, POLICY_OPTIONS, PolicyArgumentError } from '../engine/index.js';
import { refuseJsonInput } from '../cli/replay_args.js';

export const NO_VW_SOURCE =
  "VW 9.10.0's source tree (test cases) not found: set VW_SOURCE to a checkout of VW's tag 9.10.0 " +
  '(the folder holding test/core.vwtest.json), or unpack it at ~/.cache/personalizer/vw-src';

/** VW's source tree (the folder holding test/core.vwtest.json), or undefined. */
export function vwSourceDir(): string | undefined {
  const candidates = [process.env['VW_SOURCE'], join(homedir(), '.cache', 'personalizer', 'vw-src')];
  return candidates.find((d) => d !== undefined && d !== '' && existsSync(join(d, 'test', 'core.vwtest.json')));
}

/** One entry of core.vwtest.json (the fields this suite reads). */
export interface VwTestEntry {
  id: number;
  vw_command?: string;
  bash_command?: string;
  diff_files?: Record<string, string>;
  input_files?: string[];
}

/** A case replay runs: its arguments (paths relative to VW's test folder) and what to compare. */
export interface InScopeCase {
  id: number;
  command: string;
  data: string;
  policy: string;
  /** Replay options other than --dsjson/--policy, paths as VW's command gives them (relative to its cwd). */
  replayArgs: string[];
  /** Output file (as named in the command, or `stdout`/`stderr`) → reference file under test/. */
  diffFiles: Record<string, string>;
}

export interface OutOfScopeCase {
  id: number;
  command: string;
  reason: string;
}

/** In scope by its command: reads JSON or DSJSON with cb_explore_adf or cb_adf. */
export function isCandidate(command: string): boolean {
  const has = (opt: string) => new RegExp(`(^|\\s)${opt}(\\s|$)`).test(command);
  return (has('--dsjson') || has('--json')) && (has('--cb_explore_adf') || has('--cb_adf'));
}

// VW's options that are replay's own (parse_args.cc parse_output_model, parse_sources, parse_output_preds):
// value-taking ones, mapped to replay's spelling. `-P/--progress` only spaces VW's progress rows (replay prints
// them at powers of two, as VW's default) and is dropped; `--dsjson` is what replay reads.
const REPLAY_VALUE: Record<string, string> = {
  '-p': '-p', '--predictions': '-p',
  '-f': '-f', '--final_regressor': '-f',
  '-i': '-i', '--initial_regressor': '-i',
  '--readable_model': '--readable_model',
};
const REPLAY_FLAG: Record<string, string> = { '-t': '-t', '--testonly': '-t', '--quiet': '--quiet', '--predict_only_model': '--predict_only_model' };
const DROPPED_VALUE = new Set(['-P', '--progress']);
const DROPPED_FLAG = new Set(['--dsjson']);

const POLICY_BY_FLAG = new Map<string, (typeof POLICY_OPTIONS)[number]>();
for (const o of POLICY_OPTIONS) {
  POLICY_BY_FLAG.set(`--${o.name}`, o);
  if (o.short) POLICY_BY_FLAG.set(`-${o.short}`, o);
}

/** The first sentence of a PolicyArgumentError (without the list of supported arguments). */
function short(e: unknown): string {
  const m = (e as Error).message;
  return e instanceof PolicyArgumentError ? m.slice(0, m.indexOf('. Supported arguments')) : m;
}

/** Translates one case, or says why replay cannot run it. `testDir` is VW's test folder. */
export function classify(entry: VwTestEntry, testDir: string): InScopeCase | OutOfScopeCase {
  const command = entry.vw_command ?? '';
  const out = (reason: string): OutOfScopeCase => ({ id: entry.id, command, reason });
  const tokens = command.split(/\s+/).filter((t) => t !== '');
  const data: string[] = [];
  const policy: string[] = [];
  const replayArgs: string[] = [];
  const unsupported: string[] = [];
  const produced = new Set(['stdout', 'stderr']);
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    const next = () => tokens[++k] ?? '';
    if (t === '-d' || t === '--data') data.push(next());
    else if (REPLAY_VALUE[t] !== undefined) {
      const value = next();
      replayArgs.push(REPLAY_VALUE[t]!, value);
      if (t !== '-i' && t !== '--initial_regressor') produced.add(value);
    } else if (REPLAY_FLAG[t] !== undefined) replayArgs.push(REPLAY_FLAG[t]!);
    else if (DROPPED_VALUE.has(t)) next();
    else if (DROPPED_FLAG.has(t)) continue;
    else if (!t.startsWith('-')) data.push(t);
    else {
      const spec = POLICY_BY_FLAG.get(t);
      if (spec === undefined) {
        unsupported.push(t);
        continue;
      }
      policy.push(t);
      if (spec.kind !== 'flag') policy.push(next());
    }
  }
  if (unsupported.length > 0) return out(`unsupported option${unsupported.length > 1 ? 's' : ''} ${unsupported.join(' ')}`);
  if (data.length !== 1) return out(`${data.length} data files (replay reads one)`);
  const policyText = policy.join(' ');
  try {
    refuseJsonInput(policyText);
    parsePolicyArguments(policyText, { allowNoExploration: true });
  } catch (e) {
    return out(`policy refused: ${short(e)}`);
  }
  const diffFiles = entry.diff_files ?? {};
  const notOurs = Object.keys(diffFiles).filter((f) => !produced.has(f));
  if (notOurs.length > 0) return out(`compares ${notOurs.join(', ')}, which replay does not write`);
  const model = replayArgs.indexOf('-i');
  if (model >= 0 && !existsSync(join(testDir, replayArgs[model + 1]!))) {
    return out(`-i ${replayArgs[model + 1]} is written by another case`);
  }
  return { id: entry.id, command, data: data[0]!, policy: policyText, replayArgs, diffFiles };
}

export interface Selection {
  /** Cases whose command reads JSON/DSJSON with cb_explore_adf or cb_adf. */
  found: number;
  inScope: InScopeCase[];
  outOfScope: OutOfScopeCase[];
}

/** Reads core.vwtest.json from VW's source tree and sorts its candidate cases. */
export function selectCases(sourceDir: string): Selection {
  const testDir = join(sourceDir, 'test');
  const entries = JSON.parse(readFileSync(join(testDir, 'core.vwtest.json'), 'utf8')) as VwTestEntry[];
  const candidates = entries.filter((e) => e.vw_command !== undefined && isCandidate(e.vw_command));
  const inScope: InScopeCase[] = [];
  const outOfScope: OutOfScopeCase[] = [];
  for (const entry of candidates) {
    const c = classify(entry, testDir);
    if ('reason' in c) outOfScope.push(c);
    else inScope.push(c);
  }
  return { found: candidates.length, inScope, outOfScope };
}
