// Probabilities come out of the engine as float32 values (VW computes the pmf in float). We log and answer them
// as the shortest decimal that reads back to the same float32 (0.85, not 0.8500000238418579), which is how the
// RL client printed them into DSJSON `p` (vw-learner.md §7.1) and what VW parses back to the same bits.
export function shortestFloat32(x: number): number {
  const f = Math.fround(x);
  if (f === 0 || !Number.isFinite(f)) return f;
  for (let digits = 1; digits <= 9; digits++) {
    const y = Number(f.toPrecision(digits));
    if (Math.fround(y) === f) return y;
  }
  return f;
}
