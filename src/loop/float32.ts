// Probabilities come out of the engine as float32 values (VW computes the pmf in float). We log and answer them
// as the shortest decimal that reads back to the same float32 (0.85, not 0.8500000238418579), which is how the
// RL client printed them into DSJSON `p` (docs/learner.md §7.1) and what VW parses back to the same bits.
//
// A pmf repeats a handful of values (ε/n, 1−ε+ε/n…) from one rank to the next, and toPrecision is slow, so the
// answers are memoized in a small map that is simply emptied when it fills up.
const MEMO_MAX = 4096;
const memo = new Map<number, number>();

export function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  if (f === 0 || !Number.isFinite(f)) return f;
  const known = memo.get(f);
  if (known !== undefined) return known;
  let shortest = f;
  for (let digits = 1; digits <= 9; digits++) {
    const y = Number(f.toPrecision(digits));
    if (Math.fround(y) === f) {
      shortest = y;
      break;
    }
  }
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(f, shortest);
  return shortest;
}
