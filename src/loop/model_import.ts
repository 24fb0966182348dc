// PUT /model (Personalizer.json v1.1-preview.3 Model_Import, docs/model-import.md): what a model must be to be
// made live. The body is a signed archive (model_signing.ts) or, unless refused by setting, a plain VW model file.
// The model must load, hold only finite numbers, and fit the live policy: the ranker builds its learner from the
// model's header alone (rank_engine.ts), and the trainer continues it with the live policy's settings
// (trainer_checkpoint.ts resume), so every option that decides how features are hashed, crossed and scored, or
// what the model's problem is, must be the live policy's. The learning rate, power_t and epsilon may differ: VW
// itself lets a command line override them on a loaded model (policy_args.ts mergeModelOptions), and the
// service's explorationPercentage decides epsilon at rank time.
import type { X509Certificate } from 'node:crypto';
import { modelProblem, parsePolicyArguments, readModel, type ModelState, type PolicyConfig } from '../engine/index.js';
import { looksLikeZip, openArchive, verifyArchive } from './model_signing.js';
import { LoopError } from './types.js';

export interface ImportRules {
  /** Certificates whose signed archives are accepted: the server's own and ModelSigning:TrustedCertificates. */
  trusted: readonly X509Certificate[];
  allowUnsigned: boolean;
  /** Largest model file, also once unzipped. */
  maxBytes: number;
}

const METADATA = 'InvalidModelMetadata';

/** The model file a PUT /model body carries, its signature checked when it is an archive. */
export function modelFromBody(body: Uint8Array, rules: ImportRules): Uint8Array {
  if (body.length === 0) throw new LoopError('InvalidModelImportFormat', 'The request body is empty: send a signed model archive (GET /model?signed=true) or a VW model file.');
  if (looksLikeZip(body)) {
    const parts = openArchive(body, rules.maxBytes);
    verifyArchive(parts, rules.trusted);
    return parts.model;
  }
  if (!rules.allowUnsigned) {
    throw new LoopError('InvalidModelImportFormat', 'Input is not a valid zip file: this server takes only signed model archives (ModelImport:AllowUnsigned=false).');
  }
  return body;
}

const CCB_FLAG = '--ccb_explore_adf';
/** The model header (version, id, options) is within the first bytes of the file. */
const HEADER_SCAN = 64 * 1024;

function describeInteractions(c: PolicyConfig): string {
  const parts = [...c.quadratic.map((q) => `-q ${q}`), ...c.cubic.map((q) => `--cubic ${q}`), ...c.interactions.map((q) => `--interactions ${q}`)];
  return parts.length === 0 ? 'none' : parts.join(' ');
}

const sorted = (xs: readonly string[]): string => [...xs].sort().join(' ');
const f32 = (x: number): number => Math.fround(x);

/**
 * Checks a model file against the live policy; returns its parsed header. InvalidModelMetadata (400) naming the
 * first thing that does not fit.
 */
export function checkModelFits(model: Uint8Array, live: PolicyConfig): ModelState {
  // The problem type first: it says what to do, where a model this engine cannot read would only say "unsupported".
  // The options string is text near the file's start (model_file.ts: version, id, then options).
  const liveCcb = live.ccb;
  const modelCcb = Buffer.from(model.buffer, model.byteOffset, Math.min(model.byteLength, HEADER_SCAN)).includes(CCB_FLAG);
  if (liveCcb !== modelCcb) {
    throw new LoopError(
      METADATA,
      modelCcb
        ? 'The model is a multi-slot (--ccb_explore_adf) model and this loop is single-slot: switch the policy to --ccb_explore_adf first.'
        : 'The model is a single-slot (--cb_explore_adf) model and this loop is multi-slot (--ccb_explore_adf).',
    );
  }
  const problem = modelProblem(model);
  if (problem !== null) throw new LoopError(METADATA, `The model is not a VW 9.x model file this server can load: ${problem}.`);
  const state = readModel(model);
  let m: PolicyConfig;
  try {
    m = parsePolicyArguments(`${state.options} -b ${state.bits}`);
  } catch (e) {
    throw new LoopError(METADATA, `The model's options ('${state.options.trim()}') are not a policy this server runs: ${(e as Error).message}`);
  }
  const differences: [string, string, string][] = [];
  const check = (what: string, model: string, policy: string): void => {
    if (model !== policy) differences.push([what, model, policy]);
  };
  check('bit precision (-b)', String(m.bits), String(live.bits));
  check('--cb_type', m.cbType, live.cbType);
  check('interactions', sorted([...m.quadratic, ...m.cubic.map((c) => `cubic:${c}`), ...m.interactions.map((c) => `i:${c}`)]), sorted([...live.quadratic, ...live.cubic.map((c) => `cubic:${c}`), ...live.interactions.map((c) => `i:${c}`)]));
  check('exploration', m.exploration.kind, live.exploration.kind);
  if (m.exploration.kind === 'epsilon' && live.exploration.kind === 'epsilon') check('--first_only', String(m.exploration.firstOnly), String(live.exploration.firstOnly));
  if (m.exploration.kind === 'squarecb' && live.exploration.kind === 'squarecb') {
    check('--gamma_scale', String(f32(m.exploration.gammaScale)), String(f32(live.exploration.gammaScale)));
    check('--gamma_exponent', String(f32(m.exploration.gammaExponent)), String(f32(live.exploration.gammaExponent)));
  }
  check('--ignore', sorted(m.ignore), sorted(live.ignore));
  check('--ignore_linear', sorted(m.ignoreLinear), sorted(live.ignoreLinear));
  check('--noconstant', String(m.noConstant), String(live.noConstant));
  check('--hash', m.hashAll ? 'all' : 'strings', live.hashAll ? 'all' : 'strings');
  check('--hash_seed', String(m.hashSeed), String(live.hashSeed));
  check('--chain_hash', String(m.chainHash), String(live.chainHash));
  check('--clip_p', String(f32(m.clipP)), String(f32(live.clipP)));
  if (differences.length > 0) {
    const [what, model, policy] = differences[0]!;
    const shown = what === 'interactions' ? [describeInteractions(m), describeInteractions(live)] : [model, policy];
    throw new LoopError(
      METADATA,
      `The model does not fit the live learning policy: its ${what} is ${shown[0]}, the policy's is ${shown[1]}` +
        (differences.length > 1 ? ` (and ${differences.length - 1} more: ${differences.slice(1).map((d) => d[0]).join(', ')})` : '') +
        `. The model's options: '${state.options.trim()} -b ${state.bits}'. Set a policy with the model's arguments first (PUT /configurations/policy), or import a model trained with the live policy.`,
    );
  }
  return state;
}
