// Labelled (multiclass) datasets for the bake-off: a CSV whose first column is the 0-based class, or a TSV in the
// form PMLB distributes (a header line, the label in the column `target`, any integer labels). Both may be
// gzip-compressed (detected by content). Values are kept as VW's text parser would read them (vw_float.ts).
import { gunzipSync } from 'node:zlib';
import { parseVwFloat } from './vw_float.js';

export interface Dataset {
  /** Number of classes K (actions). */
  classes: number;
  /** Feature count per row (columns without the label). */
  columns: number;
  /** 0-based class of each row, in file order. */
  labels: Int32Array;
  /** values[r·columns + j] = column j of row r, as a float (VW parse_float); 0 is "absent". */
  values: Float32Array;
  /** For a TSV with labels other than 0..K-1: the original label of each class (sorted ascending). */
  labelNames?: number[];
  /** The cells' text, row-major as `values` (kept to write the rows for VW, vw_format.ts). */
  text: string[];
}

/**
 * The most classes (actions) a dataset may have: every row is copied once per class, so K bounds the memory and
 * time of each row (VW's bake-off sets have 2 to 26).
 */
export const MAX_CLASSES = 4096;

/** A malformed dataset: the message names the line. */
export class DatasetError extends Error {}

const GZIP = [0x1f, 0x8b];

export function decodeDataset(bytes: Uint8Array, name: string): Dataset {
  let text: string;
  try {
    text = (bytes[0] === GZIP[0] && bytes[1] === GZIP[1] ? gunzipSync(bytes) : Buffer.from(bytes)).toString('utf8');
  } catch (e) {
    throw new DatasetError(`${name}: not a readable gzip file (${(e as Error).message})`);
  }
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length === 0) throw new DatasetError(`${name}: the file is empty`);
  const tab = lines[0]!.includes('\t');
  return tab ? decodeTsv(lines, name) : decodeCsv(lines, name);
}

function cellValue(cell: string, name: string, line: number, column: number): number {
  const v = parseVwFloat(cell);
  if (!Number.isFinite(v)) {
    throw new DatasetError(`${name}:${line}: column ${column} is not a finite number ('${cell.slice(0, 40)}')`);
  }
  return v;
}

/** CSV: first column the 0-based class; an optional header (a first line whose first cell is not an integer). */
function decodeCsv(lines: string[], name: string): Dataset {
  const first = lines[0]!.split(',');
  const start = /^\s*\d+\s*$/.test(first[0]!) ? 0 : 1;
  const rows = lines.length - start;
  if (rows === 0) throw new DatasetError(`${name}: no data rows after the header`);
  const width = (start === 0 ? first : lines[1]!.split(',')).length;
  if (width < 2) throw new DatasetError(`${name}:${start + 1}: a row needs the class and at least one feature`);
  const columns = width - 1;
  const labels = new Int32Array(rows);
  const values = new Float32Array(rows * columns);
  const text = new Array<string>(rows * columns);
  let maxLabel = 0;
  for (let r = 0; r < rows; r++) {
    const line = start + r + 1;
    const cells = lines[start + r]!.split(',');
    if (cells.length !== width) throw new DatasetError(`${name}:${line}: ${cells.length} columns, expected ${width}`);
    const label = cells[0]!.trim();
    if (!/^\d+$/.test(label)) throw new DatasetError(`${name}:${line}: the class '${label.slice(0, 40)}' is not a 0-based integer class`);
    if (Number(label) >= MAX_CLASSES) throw new DatasetError(`${name}:${line}: class ${label.slice(0, 40)}: at most ${MAX_CLASSES} classes (0..${MAX_CLASSES - 1})`);
    labels[r] = Number(label);
    if (labels[r]! > maxLabel) maxLabel = labels[r]!;
    for (let j = 0; j < columns; j++) {
      text[r * columns + j] = cells[j + 1]!.trim();
      values[r * columns + j] = cellValue(cells[j + 1]!, name, line, j + 2);
    }
  }
  if (maxLabel < 1) throw new DatasetError(`${name}: every row has class 0; a bandit problem needs at least 2 classes`);
  return { classes: maxLabel + 1, columns, labels, values, text };
}

/** PMLB TSV: a header line, the label in column `target` (else the last), labels mapped sorted → 0..K-1. */
function decodeTsv(lines: string[], name: string): Dataset {
  const header = lines[0]!.split('\t');
  let target = header.indexOf('target');
  if (target < 0) target = header.length - 1;
  if (header.length < 2) throw new DatasetError(`${name}:1: a row needs the label and at least one feature`);
  const rows = lines.length - 1;
  if (rows === 0) throw new DatasetError(`${name}: no data rows after the header`);
  const columns = header.length - 1;
  const raw = new Float64Array(rows);
  const values = new Float32Array(rows * columns);
  const text = new Array<string>(rows * columns);
  for (let r = 0; r < rows; r++) {
    const line = r + 2;
    const cells = lines[r + 1]!.split('\t');
    if (cells.length !== header.length) throw new DatasetError(`${name}:${line}: ${cells.length} columns, expected ${header.length}`);
    const label = Number(cells[target]!.trim());
    if (!Number.isInteger(label)) throw new DatasetError(`${name}:${line}: the label '${cells[target]!.slice(0, 40)}' is not an integer`);
    raw[r] = label;
    for (let j = 0, c = 0; c < cells.length; c++) {
      if (c === target) continue;
      text[r * columns + j] = cells[c]!.trim();
      values[r * columns + j] = cellValue(cells[c]!, name, line, c + 1);
      j++;
    }
  }
  const names = [...new Set(raw)].sort((a, b) => a - b);
  if (names.length < 2) throw new DatasetError(`${name}: only one distinct label; a bandit problem needs at least 2 classes`);
  if (names.length > MAX_CLASSES) throw new DatasetError(`${name}: ${names.length} distinct labels; at most ${MAX_CLASSES} classes`);
  const index = new Map(names.map((v, i) => [v, i]));
  const labels = Int32Array.from(raw, (v) => index.get(v)!);
  return { classes: names.length, columns, labels, values, labelNames: names, text };
}
