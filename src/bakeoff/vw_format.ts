// The dataset as VW's input for `vw --cbify K`, in the order played: `<class+1> |f x0:<v> x1:<v> …` with the
// cells' own text and zero values left out (or `| 0:<v> …` with numeric names). With it, VW 9.10 can be run on the
// very rows and order a bake-off run used, and its `-p` compared line by line with ours.
import type { Dataset } from './dataset.js';
import type { FeatureNames } from './cbify_features.js';

export function vwLines(data: Dataset, order: Uint32Array, limit = order.length, names: FeatureNames = 'x'): string {
  const d = data.columns;
  const out: string[] = [];
  const rows = Math.min(limit, order.length);
  for (let t = 0; t < rows; t++) {
    const row = order[t]!;
    const parts: string[] = [`${data.labels[row]! + 1} |${names === 'x' ? 'f' : ''}`];
    for (let j = 0; j < d; j++) {
      if (data.values[row * d + j] === 0) continue;
      parts.push(`${names === 'x' ? 'x' : ''}${j}:${data.text[row * d + j]!}`);
    }
    out.push(parts.join(' '));
  }
  return out.join('\n') + '\n';
}
