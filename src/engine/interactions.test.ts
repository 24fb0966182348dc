import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileInteractions, decodeInlineHex, parseInteractionArgs } from './interactions.js';

const str = (l: number[][]): string[] => l.map((x) => String.fromCharCode(...x));
const letters = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

test('-q :: over the sim letters: every unordered pair incl. self-pairs, lexicographic (docs/learner.md §4)', () => {
  const parsed = parseInteractionArgs(['::'], [], []);
  assert.deepEqual(str(compileInteractions(parsed, letters('ACGU'))), ['AA', 'AC', 'AG', 'AU', 'CC', 'CG', 'CU', 'GG', 'GU', 'UU']);
});

test('parse-time sort and dedup: distinct letters keep their order, duplicates collapse', () => {
  assert.deepEqual(str(parseInteractionArgs(['ui', 'iu', 'ba'], [], [])), ['ba', 'iu']);
  // 'aba' has a repeated letter: it is sorted to 'aab'.
  assert.deepEqual(str(parseInteractionArgs([], ['aba'], [])), ['aab']);
  assert.deepEqual(decodeInlineHex('\\x41b'), [0x41, 0x62]);
  assert.throws(() => parseInteractionArgs(['abc'], [], []));
});

test('wildcards mixed with explicit pairs; --cubic ::: keeps VW generation order', () => {
  const parsed = parseInteractionArgs(['::', 'ba'], [], []);
  assert.deepEqual(str(compileInteractions(parsed, letters('ab'))), ['aa', 'ab', 'bb']);
  assert.deepEqual(str(compileInteractions(parseInteractionArgs(['a:'], [], []), letters('abc'))), ['aa', 'ab', 'ac']);
  assert.deepEqual(str(compileInteractions(parseInteractionArgs([], [':::'], []), letters('ab'))), ['aaa', 'aab', 'abb', 'bbb']);
  assert.deepEqual(str(compileInteractions(parseInteractionArgs([], [':::'], []), letters('abc'))).filter((s) => new Set(s).size === 3), ['cba']);
});
