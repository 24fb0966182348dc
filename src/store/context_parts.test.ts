import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContextPacker, ContextUnpacker, elementsOf, epochOf, hashOf, PACKER_CAPACITY } from './context_parts.js';
import { benchEvents } from '../testing/logged_events.js';

/** A packer and unpacker over an in-memory part table. */
function codec(): { packer: ContextPacker; unpacker: ContextUnpacker; parts: Map<number, { epoch: number; text: string }>; epochs: () => number } {
  const parts = new Map<number, { epoch: number; text: string }>();
  let epoch = 0;
  let id = 0;
  const packer = new ContextPacker({
    newEpoch: () => ++epoch,
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

test('only elements of top-level arrays of a JSON object (and of their own arrays) are parts; anything else is stored whole', () => {
  assert.equal(elementsOf('second'), null);
  assert.equal(elementsOf('{"a":[1,2,3]} trailing'), null);
  assert.equal(elementsOf('[{"a":"an element that is long enough to be a part"}]'), null);
  const t = '{"FromUrl":[{"user":{"tier":"gold","country":"NL"}} , {"u":1}],"_multi":[{"_tag":"x","i":{"constant":1,"id":"x"},"j":[]}]}';
  assert.deepEqual(elementsOf(t)!.map((e) => t.slice(e.start, e.end)), [
    '{"user":{"tier":"gold","country":"NL"}}',
    '{"_tag":"x","i":{"constant":1,"id":"x"},"j":[]}',
  ]);
  // An action's namespaces are parts of their own when the whole action is not one.
  const a = '{"_multi":[{"_tag":"x","i":{"constant":1,"id":"x"},"j":[{"item":{"category":"news","brand":"b1"}},{"meta":{"popularity":0.25}}]}]}';
  const [action] = elementsOf(a)!;
  assert.deepEqual(action!.inner!.map((e) => a.slice(e.start, e.end)), ['{"item":{"category":"news","brand":"b1"}}']);
  const { packer, unpacker } = codec();
  packer.pack(a);
  const other = a.replace('0.25', '0.5');
  packer.pack(other);
  const p = packer.pack(other.replace('0.5', '0.75'));
  assert.equal(p.refs, '1;56:1');
  assert.equal(unpacker.unpack(p.text, p.refs), other.replace('0.5', '0.75'));
});

test('a part is stored from its second sighting; hashes that collide are told apart by the text', () => {
  const { packer, unpacker, parts } = codec();
  const a = '{"FromUrl":[{"user":{"tier":"gold","country":"NL","x":1}}]}';
  const first = packer.pack(a);
  assert.deepEqual(first, { text: a, refs: '1;' });
  assert.equal(parts.size, 0);
  const second = packer.pack(a);
  assert.deepEqual(second, { text: '{"FromUrl":[]}', refs: '1;12:1' });
  assert.equal(parts.size, 1);
  assert.equal(unpacker.unpack(second.text, second.refs), a);
  // The same hash with another text (forced: the packer's map is keyed by hash): stays in the event's text.
  const seen = (packer as unknown as { seen: Map<number, number> }).seen;
  const b = '{"FromUrl":[{"user":{"tier":"gold","country":"DE","x":1}}]}';
  const e = elementsOf(b)![0]!;
  const hashB = hashOf(b, e.start, e.end);
  seen.set(hashB, 1);
  const packedB = packer.pack(b);
  assert.deepEqual(packedB, { text: b, refs: '1;' });
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
});
