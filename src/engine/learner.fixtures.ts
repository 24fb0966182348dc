// Test-only helpers for the learner tests: locate the reference vectors (../shared next to the repository root),
// read (gzipped) text, parse VW --audit feature lines and the label fields of DSJSON lines.
// Not exported from the engine index; only *.test.ts files import this.
import { readText, sharedDir as sharedFolder, vectorsDir } from '../testing/fixtures.js';
import type { FeatureVector } from './example.js';
import type { CbLabel } from './cb_adf.js';
import { fmtProbability } from '../cli/replay_format.js';

/** The shared reference folder, when its VW vectors are there (tests skip otherwise). */
export function sharedDir(): string | undefined {
  return vectorsDir() === undefined ? undefined : sharedFolder();
}

export const SKIP_MESSAGE = 'reference vectors (../shared/vw-vectors) not found next to the repository';

export { readText };

/** Whether our probability prints as VW printed it in its -p file (6 decimals, VW's rounding). */
export function printedAs(ours: number | undefined, vw: number): boolean {
  return ours !== undefined && Number(fmtProbability(ours)) === vw;
}

/** VW -p output: one pmf per event ("idx:prob,..."), blank separator lines dropped. */
export function readPreds(path: string): Map<number, number>[] {
  const out: Map<number, number>[] = [];
  for (const line of readText(path).split('\n')) {
    if (line.trim() === '') continue;
    const m = new Map<number, number>();
    for (const part of line.split(',')) {
      const [a, p] = part.split(':');
      m.set(Number(a), Number(p));
    }
    out.push(m);
  }
  return out;
}

export interface AuditFeature {
  name: string;
  slot: number;
  value: number;
  weight: number;
  g: number;
}

/** One audit features line: tab-separated "name:slot:value:weight@G" entries. */
export function parseAuditLine(line: string): AuditFeature[] {
  const out: AuditFeature[] = [];
  for (const tok of line.split('\t')) {
    if (tok === '') continue;
    const at = tok.lastIndexOf('@');
    const parts = tok.slice(0, at).split(':');
    const weight = Number(parts.pop());
    const value = Number(parts.pop());
    const slot = Number(parts.pop());
    out.push({ name: parts.join(':'), slot, value, weight, g: Number(tok.slice(at + 1)) });
  }
  return out;
}

/** FeatureVector from audit entries (index = slot, valid for width 1). */
export function auditToFeatureVector(fs: AuditFeature[]): FeatureVector {
  return {
    index: Uint32Array.from(fs.map((x) => x.slot)),
    value: Float32Array.from(fs.map((x) => x.value)),
    count: fs.length,
    names: fs.map((x) => x.name),
  };
}

export interface DsjsonEvent {
  /** undefined for an unlabeled line. */
  label?: CbLabel;
  skipLearn: boolean;
  /** 1/(1 − pdrop). */
  weight: number;
  /** The text of the "c" object. */
  context: string;
}

/** Minimal DSJSON reader for tests: labels from JSON.parse, the "c" object cut out as text. */
export function parseDsjsonLine(line: string): DsjsonEvent {
  const o = JSON.parse(line) as Record<string, unknown>;
  const c = o['c'];
  const context = JSON.stringify(c);
  const cost = o['_label_cost'];
  const label =
    typeof cost === 'number'
      ? { index: Number(o['_labelIndex'] ?? 0), cost, probability: Number(o['_label_probability']) }
      : undefined;
  const pdrop = typeof o['pdrop'] === 'number' ? (o['pdrop'] as number) : 0;
  return { label, skipLearn: o['_skipLearn'] === true, weight: Math.fround(1 / Math.fround(1 - Math.fround(pdrop))), context };
}

/** |a − b| within tol relative to the larger magnitude, or tol absolute for small values. */
export function close(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
}
