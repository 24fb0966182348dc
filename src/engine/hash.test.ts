import { test } from 'node:test';
import { sharedDir as sharedFolder, absent } from '../testing/fixtures.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashString, hashStringBytes, murmurBytes, uniformHash } from './hash.js';

const sharedDir = (): string | null => sharedFolder() ?? null;

test('uniform_hash and hashstring match every vector of hash-and-sampling-vectors.tsv', (t) => {
  const shared = sharedDir();
  if (shared === null) return absent(t, 'reference data ../shared is absent');
  const rows = readFileSync(join(shared, 'vw-vectors', 'hash-and-sampling-vectors.tsv'), 'utf8')
    .split('\n')
    .map((l) => l.split('\t'))
    .filter((r) => r[0] === 'uniform_hash' || r[0] === 'hashstring');
  assert.equal(rows.length, 168);
  for (const [kind, json, seed, result] of rows) {
    const s = JSON.parse(json!) as string;
    const bytes = new TextEncoder().encode(s);
    const got = kind === 'uniform_hash' ? uniformHash(s, Number(seed)) : hashString(s, Number(seed));
    assert.equal(got, Number(result), `${kind}(${json}, ${seed})`);
    const gotBytes = kind === 'uniform_hash' ? murmurBytes(bytes, 0, bytes.length, Number(seed)) : hashStringBytes(bytes, 0, bytes.length, Number(seed));
    assert.equal(gotBytes, Number(result), `${kind} bytes(${json}, ${seed})`);
  }
});

test('hashstring rules: trim, digits, empty, UTF-8 (docs/learner.md §3.1, §3.4)', () => {
  assert.equal(hashString('123', 0), 123);
  assert.equal(hashString(' 42 ', 7), 49);
  assert.equal(hashString('007', 1), 8);
  assert.equal(hashString('', 99), 99);
  assert.equal(hashString(' ', 0), 0);
  // Worked examples at b = 18.
  const nsUser = hashString('User', 0);
  assert.equal(hashString('age', nsUser) & 0x3ffff, 143891);
  assert.equal(hashString('tierbronze', nsUser) & 0x3ffff, 63643);
  assert.equal(hashString('ida1', hashString('Action', 0)) & 0x3ffff, 228403);
  // Non-ASCII strings hash their UTF-8 bytes; the string and byte paths agree.
  const s = 'ключзначение';
  const b = new TextEncoder().encode(s);
  assert.equal(uniformHash(s, 5), murmurBytes(b, 0, b.length, 5));
  assert.equal(uniformHash('x\u{1F600}y', 0), uniformHash(new TextEncoder().encode('x\u{1F600}y'), 0));
});
