// One parsed VW example before merging: features in parse order with their namespace letter, plus VW's
// `indices` list (the order in which namespace letters were first closed with features; json_utils.h pop_ns).

export class ExampleBuffer {
  n = 0;
  letter = new Uint8Array(64);
  index = new Uint32Array(64);
  value = new Float32Array(64);
  names: string[] = [];
  /** VW's ex.indices: namespace letters in order. */
  order = new Uint8Array(256);
  nOrder = 0;
  inOrder = new Uint8Array(256);
  tag: string | undefined = undefined;
  /** Features regrouped letter by letter in `order` (what feature_space[letter] holds). */
  gIndex = new Uint32Array(64);
  gValue = new Float32Array(64);
  gNames: string[] = [];
  gStart = new Int32Array(256);
  gLen = new Int32Array(256);
  /** group() has run since the last reset (a cached action stays grouped). */
  grouped = false;
  /** The featurizer's per-action memo (a cached action's interaction blocks); null for scratch buffers. */
  memo: unknown = null;
  /** Remembered by the parser's action cache: shared between events, never reset or modified. */
  cached = false;

  reset(): void {
    this.grouped = false;
    for (let k = 0; k < this.nOrder; k++) {
      const l = this.order[k]!;
      this.inOrder[l] = 0;
      this.gLen[l] = 0;
    }
    this.nOrder = 0;
    this.n = 0;
    if (this.names.length !== 0) this.names.length = 0;
    this.tag = undefined;
  }

  push(letter: number, index: number, value: number): void {
    const n = this.n;
    if (n === this.index.length) this.grow(n * 2);
    this.letter[n] = letter;
    this.index[n] = index;
    this.value[n] = value;
    this.n = n + 1;
  }

  addIndex(letter: number): void {
    if (this.inOrder[letter] === 0) {
      this.inOrder[letter] = 1;
      this.order[this.nOrder++] = letter;
    }
  }

  private grow(size: number): void {
    const l = new Uint8Array(size);
    l.set(this.letter);
    this.letter = l;
    const i = new Uint32Array(size);
    i.set(this.index);
    this.index = i;
    const v = new Float32Array(size);
    v.set(this.value);
    this.value = v;
  }

  /** Counting sort of the features into letter groups, stable inside a group (parse order). */
  group(withNames: boolean): void {
    this.grouped = true;
    const n = this.n;
    if (this.gIndex.length < n) {
      this.gIndex = new Uint32Array(this.index.length);
      this.gValue = new Float32Array(this.index.length);
    }
    const { order, nOrder, gLen, gStart, letter } = this;
    for (let k = 0; k < nOrder; k++) gLen[order[k]!] = 0;
    for (let i = 0; i < n; i++) gLen[letter[i]!]!++;
    let s = 0;
    for (let k = 0; k < nOrder; k++) {
      const l = order[k]!;
      gStart[l] = s;
      s += gLen[l]!;
      gLen[l] = 0;
    }
    const gi = this.gIndex;
    const gv = this.gValue;
    const idx = this.index;
    const val = this.value;
    for (let i = 0; i < n; i++) {
      const l = letter[i]!;
      const j = gStart[l]! + gLen[l]!++;
      gi[j] = idx[i]!;
      gv[j] = val[i]!;
      if (withNames) this.gNames[j] = this.names[i]!;
    }
  }
}
