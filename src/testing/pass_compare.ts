// Test-only: comparing replay passes bit for bit (the pool's results against the in-process pass).
import assert from 'node:assert/strict';
import type { PassResult } from '../evaluation/index.js';

/** The bytes of two typed arrays are the same (bit for bit, NaN and −0 included). */
export function sameBits(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

export function assertSameResult(a: PassResult, b: PassResult): void {
  assert.ok(sameBits(a.qLogged, b.qLogged), 'qLogged differs');
  assert.ok(sameBits(a.qMean, b.qMean), 'qMean differs');
  assert.ok(sameBits(a.qFirst, b.qFirst), 'qFirst differs');
  assert.equal(a.policies.length, b.policies.length);
  a.policies.forEach((p, i) => {
    const q = b.policies[i]!;
    assert.ok(sameBits(p.pi, q.pi), `policy ${i}: pi differs`);
    assert.ok(sameBits(p.dm, q.dm), `policy ${i}: dm differs`);
    assert.ok(Object.is(p.averageLoss, q.averageLoss), `policy ${i}: average loss ${p.averageLoss} vs ${q.averageLoss}`);
    assert.equal(p.refused, q.refused);
    assert.equal(p.top === undefined, q.top === undefined);
    if (p.top) assert.ok(sameBits(p.top, q.top!), `policy ${i}: top differs`);
  });
}
