import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContextPacker, ContextUnpacker, epochOf, PACKER_BYTES, PACKER_CAPACITY, piecesOf } from './context_parts.js';
import { benchEvents } from '../testing/logged_events.js';

/** A packer and unpacker over an in-memory part table. */
function codec(): { packer: ContextPacker; unpacker: ContextUnpacker; parts: Map<number, { epoch: number; text: string }>; epochs: () => number } {
  const parts = new Map<number, { epoch: number; text: string }>();
  let epoch = 0;
  let id = 0;
  const packer = new ContextPacker({
    newEpoch: () => ++epoch,
    currentEpoch: () => epoch,
    insertPart: (e, text) => (parts.set(++id, { epoch: e, text }), id),
  });
  return { packer, unpacker: new ContextUnpacker((i) => parts.get(i)?.text), parts, epochs: () => epoch };
}

const AWKWARD = [
  '',
  'second',
  '~;0:1',
  '{}',
  '{"_multi":[]}',
  '[1,2,3]',
  '{"a":[1,2,3]',
  '{"a":[1,2,3]} trailing',
  '{"FromUrl":[{"user":{"name":"a \\"quoted\\" ]} name, with brackets [{"}}],"_multi":[{"_tag":"x","i":{"constant":1,"id":"x"},"j":[]}]}',
  '{ "FromUrl" : [ {"u":{"k":"long enough to be a part of its own"}} ,\t{"u":{"k":"long enough to be a part of its own"}} ] , "_multi":[ ] }',
  '{"FromUrl":[{"emoji":"😀 \\ud83d\\ude00 é ü ß long enough to be a part"}],"_multi":[{"_tag":"a","i":{"constant":1,"id":"a"},"j":[{"n":[1,2,3.5e-7]}]}]}',
  '{"FromUrl":[12345678901234567890123456789012345678,true,null,"a string element that is long enough"],"x":1}',
];

test('pack then unpack gives every text back, byte for byte, awkward ones included', () => {
  const { packer, unpacker } = codec();
  const events = benchEvents(2000, 7);
  // Each awkward text three times (a part from the second sighting on), between the events.
  const texts = [...events.map((e) => e.context), ...AWKWARD, ...AWKWARD, ...AWKWARD];
  let stored = 0;
  let whole = 0;
  for (const t of texts) {
    const p = packer.pack(t);
    assert.equal(unpacker.unpack(p.text, p.refs), t);
    stored += p.text.length + p.refs.length;
    whole += t.length;
  }
  // The events repeat their actions and most of their namespaces: most of their text becomes references.
  assert.ok(stored < whole / 3, `${stored} of ${whole}`);
  // A text stored before parts existed has no refs and is read as it is.
  assert.equal(unpacker.unpack('~;0:1', null), '~;0:1');
});

test('pieces: the context before the first action, then each action; any text is cut somewhere', () => {
  const cut = (t: string): string[] => {
    const c = piecesOf(t);
    const out: string[] = [];
    for (let k = 0; k < c.length; k += 2) {
      // What lies between two pieces stays in the event's text.
      if (k > 0 && c[k]! > c[k - 1]!) out.push(t.slice(c[k - 1], c[k]));
      out.push(t.slice(c[k], c[k + 1]));
    }
    if (c[c.length - 1]! < t.length) out.push(t.slice(c[c.length - 1]));
    assert.equal(out.join(''), t);
    return out;
  };
  assert.deepEqual(cut('second'), ['second']);
  assert.deepEqual(cut(''), ['']);
  const t = '{"FromUrl":[{"user":{"tier":"gold"}}],"_multi":[{"_tag":"x","i":{"constant":1,"id":"x"},"j":[]},{"_tag":"y","i":{"constant":1,"id":"y"},"j":[{"a":"{\\"_tag\\":"}]}]}';
  assert.deepEqual(cut(t), [
    '{"FromUrl":[{"user":{"tier":"gold"}}],"_multi":[',
    '{"_tag":"x","i":{"constant":1,"id":"x"},"j":[]}',
    ',',
    '{"_tag":"y","i":{"constant":1,"id":"y"},"j":[{"a":"{\\"_tag\\":"}]}',
    ']}',
  ]);
  // A feature object of the client's named _tag is cut at too: the text is the same, only the pieces differ.
  assert.equal(cut('{"_multi":[{"_tag":"x","j":[{"_tag":"also a cut"}]}]}').length, 4);
});

test('a piece is stored from its second sighting, and referred to from then on', () => {
  const { packer, unpacker, parts } = codec();
  const a = '{"FromUrl":[{"user":{"tier":"gold","country":"NL","x":1}}],"_multi":[{"_tag":"x","i":{"constant":1,"id":"x"},"j":[{"a":1}]}]}';
  const first = packer.pack(a);
  assert.deepEqual(first, { text: a, refs: '1;' });
  assert.equal(parts.size, 0);
  const b = a.replace('"NL"', '"DE"');
  const second = packer.pack(b);
  assert.deepEqual(second, { text: b.slice(0, b.indexOf('{"_tag"')) + ']}', refs: `1;${b.indexOf('{"_tag"')}:1` });
  assert.deepEqual([...parts.values()], [{ epoch: 1, text: a.slice(a.indexOf('{"_tag"'), -2) }]);
  assert.equal(unpacker.unpack(second.text, second.refs), b);
  const third = packer.pack(a);
  assert.deepEqual(third, { text: ']}', refs: '1;0:2,0:1' });
  assert.equal(unpacker.unpack(third.text, third.refs), a);
});

test('epochs: the packer forgets its parts once it remembers PACKER_CAPACITY pieces, and after reset', () => {
  const { packer, parts, epochs } = codec();
  const t = (i: number): string => `{"FromUrl":[{"user":{"id":"user number ${i} of many"}}]}`;
  for (let i = 0; i < PACKER_CAPACITY; i++) packer.pack(t(i));
  assert.equal(epochs(), 1);
  const p = packer.pack(t(0)); // a new epoch: t(0) is a first sighting there
  assert.equal(epochOf(p.refs), 2);
  assert.equal(p.text, t(0));
  packer.pack(t(0));
  assert.deepEqual([...parts.values()].map((x) => x.epoch), [2]);
  packer.reset();
  assert.equal(epochOf(packer.pack(t(0)).refs), 3);
  assert.equal(epochOf(null), null);
  // And once its pieces add up to PACKER_BYTES characters.
  const big = (i: number): string => `{"FromUrl":[{"user":{"id":${i},"pad":"${'p'.repeat(1 << 16)}"}}]}`;
  for (let i = 0; i * (1 << 16) < PACKER_BYTES; i++) assert.equal(epochOf(packer.pack(big(i)).refs), 3);
  assert.equal(epochOf(packer.pack(big(0)).refs), 4);
});

test('an action whose features change back and forth, ids with commas, pieces without one: each read back as given', () => {
  const { packer, unpacker, parts } = codec();
  const action = (id: string, v: number): string => `{"_tag":${JSON.stringify(id)},"i":{"constant":1,"id":${JSON.stringify(id)}},"j":[{"m":{"popularity":${v},"pad":"long enough"}}]}`;
  const ctx = (...xs: string[]): string => `{"FromUrl":[{"u":{"k":"the same context features each time"}}],"_multi":[${xs.join(',')}]}`;
  const texts = [
    ctx(action('a', 1), action('b,c', 1)),
    ctx(action('a', 2), action('b,c', 1)),
    ctx(action('b,c', 1), action('a', 1)),
    ctx(action('a', 2), action('b,c', 2)),
    ctx(action('a', 1), action('b,c', 1)),
    ctx(action('b,c', 2), action('a', 2)),
    '{"_multi":[{"_tag":"no comma after it, and long enough"}]}',
    '{"_multi":[{"_tag":"no comma after it, and long enough"}]}',
    '{"_multi":[{"_tag":}]}{"_tag":',
  ];
  for (let r = 0; r < 3; r++) {
    for (const t of texts) {
      const p = packer.pack(t);
      assert.equal(unpacker.unpack(p.text, p.refs), t);
    }
  }
  // Each distinct piece stored once (the context's features, two versions of each action, the comma-less one).
  assert.equal(parts.size, 6);
  assert.equal(new Set([...parts.values()].map((p) => p.text)).size, 6);
});
