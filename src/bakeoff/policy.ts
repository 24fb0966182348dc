// A bake-off policy: VW arguments as one would give them to `vw --cbify K` (with or without `--cbify K` and
// `--cb_explore_adf`), turned into the engine's PolicyConfig plus cbify's own options.
import { POLICY_OPTIONS, parsePolicyArguments, type PolicyConfig } from '../engine/index.js';

export interface CbifyPolicy {
  /** The engine's policy (cb_explore_adf stack under cbify). */
  config: PolicyConfig;
  /** The arguments handed to the engine, VW's spelling (what `vw --cbify K` would run below cbify). */
  engineArguments: string;
  /** cbify --loss0 / --loss1: the cost of a correct / wrong class (default 0 / 1). */
  loss0: number;
  loss1: number;
}

/** A policy the bake-off cannot run: the message names the argument. */
export class BakeoffPolicyError extends Error {}

const known = (name: string): boolean => POLICY_OPTIONS.some((o) => o.name === name);

function float32Option(name: string, text: string | undefined): number {
  const v = Number(text);
  if (text === undefined || text.trim() === '' || !Number.isFinite(v) || !Number.isFinite(Math.fround(v))) {
    throw new BakeoffPolicyError(`--${name} needs a finite number (float32), got '${text ?? ''}'`);
  }
  return Math.fround(v);
}

/**
 * cbify's options are taken out (`--cbify K` must agree with the dataset's K, when `classes` is given), `--cb_explore_adf` is added when
 * absent (VW 9.10 builds the same stack without it), and for --regcb/--regcbopt/--squarecb --elim cbify's
 * `--cb_min_cost <loss0> --cb_max_cost <loss1>` (cbify.cc cbify_setup) when the engine knows those options.
 * `--random_seed` is dropped when no engine explorer reads it (cbify itself never uses it).
 */
export function parseCbifyPolicy(args: string, classes?: number): CbifyPolicy {
  const tokens = args.trim().split(/\s+/).filter((t) => t !== '');
  const rest: string[] = [];
  let loss0 = 0;
  let loss1 = 1;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const [name, inline] = t.startsWith('--') ? (t.slice(2).split('=', 2) as [string, string?]) : [t, undefined];
    const value = (): string | undefined => (inline !== undefined ? inline : tokens[++i]);
    if (name === 'cbify') {
      const v = value();
      if (!/^\d+$/.test(v ?? '')) throw new BakeoffPolicyError(`--cbify needs the number of classes, got '${v ?? ''}'`);
      if (classes !== undefined && Number(v) !== classes) {
        throw new BakeoffPolicyError(`--cbify ${v} does not match the dataset's ${classes} classes`);
      }
    } else if (name === 'loss0') loss0 = float32Option('loss0', value());
    else if (name === 'loss1') loss1 = float32Option('loss1', value());
    else if (name === 'random_seed' && !known('random_seed')) {
      const v = value();
      if (!/^\d+$/.test(v ?? '')) throw new BakeoffPolicyError(`--random_seed needs a non-negative integer, got '${v ?? ''}'`);
    } else rest.push(t);
  }
  const has = (n: string): boolean => rest.some((t) => t === `--${n}` || t.startsWith(`--${n}=`));
  if (!has('cb_explore_adf')) rest.unshift('--cb_explore_adf');
  // cbify inserts them for --squarecb too, where only --elim reads them (cb_explore_adf_squarecb.cc): the engine
  // refuses them on vanilla SquareCB, so they are added only where they change something.
  if ((has('regcb') || has('regcbopt') || (has('squarecb') && has('elim'))) && known('cb_min_cost')) {
    if (!has('cb_min_cost')) rest.push('--cb_min_cost', String(loss0));
    if (!has('cb_max_cost')) rest.push('--cb_max_cost', String(loss1));
  }
  const engineArguments = rest.join(' ');
  let config: PolicyConfig;
  try {
    config = parsePolicyArguments(engineArguments);
  } catch (e) {
    throw new BakeoffPolicyError((e as Error).message);
  }
  if (config.ccb) throw new BakeoffPolicyError("--ccb_explore_adf is not a cbify policy (one decision per row)");
  return { config, engineArguments, loss0, loss1 };
}
