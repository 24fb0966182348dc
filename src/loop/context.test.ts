import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildContext, featureSpans } from './context.js';
import { validateRankRequest } from './validate_rank.js';

/** The context built from the request's text, next to the one re-serialized from the parsed request. */
function both(text: string): { fromText: string; reserialized: string } {
  const v = validateRankRequest(JSON.parse(text));
  return { fromText: buildContext(v, text), reserialized: buildContext(v) };
}

test('from the request text: the same context as re-serializing, for plain requests', () => {
  const text = JSON.stringify({
    contextFeatures: [{ user: { tier: 'gold', visits: 3, score: 0.25 } }, { timeOfDay: 'morning', _note: 'kept' }],
    actions: [
      { id: 'pasta', features: [{ cuisine: 'italian', spice: 'medium' }, { nutrition: { calories: 800, tags: [1, 2.5] } }] },
      { id: 'salad', features: [{ cuisine: 'any', vegan: true, extra: null }] },
      { id: 'soup', features: [] },
    ],
    excludedActions: ['salad'],
    eventId: 'e1',
    deferActivation: false,
  });
  const { fromText, reserialized } = both(text);
  assert.equal(fromText, reserialized);
  assert.match(fromText, /^\{"FromUrl":\[\{"user"/);
  // The excluded action is left out, the others keep their own features (spans follow action positions).
  assert.match(fromText, /"_tag":"pasta".*"j":\[\{"cuisine":"italian".*"_tag":"soup","i":\{"constant":1,"id":"soup"\},"j":\[\]\}\]\}$/);
  assert.doesNotMatch(fromText, /salad/);
});

test('from the request text: integer-like keys keep the order the client wrote (JSON.stringify moves them first)', () => {
  const text = '{"contextFeatures":[{"u":{"b":1,"10":2,"a":"x"}}],"actions":[{"id":"a","features":[{"z":"1","2":"y","1":"x"}]}]}';
  const { fromText, reserialized } = both(text);
  assert.equal(
    fromText,
    '{"FromUrl":[{"u":{"b":1,"10":2,"a":"x"}}],"_multi":[{"_tag":"a","i":{"constant":1,"id":"a"},"j":[{"z":"1","2":"y","1":"x"}]}]}',
  );
  assert.notEqual(fromText, reserialized);
  assert.match(reserialized, /"j":\[\{"1":"x","2":"y","z":"1"\}\]/);
});

test('from the request text: whitespace kept, line breaks dropped, so the logged line stays one line and parses alike', () => {
  const text = '{\r\n  "contextFeatures": [ { "u": { "a": 1 ,\n "b": "two words" } } ],\n  "actions": [\n    { "id": "x", "features": [\n { "c": [1, 2] } ] }\n  ]\n}';
  const { fromText, reserialized } = both(text);
  assert.doesNotMatch(fromText, /[\r\n]/);
  assert.deepEqual(JSON.parse(fromText), JSON.parse(reserialized));
  assert.match(fromText, /"FromUrl":\[ \{ "u": \{ "a": 1 , "b": "two words" \} \} \]/);
});

test('from the request text: falls back to re-serializing where a copy could differ from what JSON.parse read', () => {
  // A repeated key inside the features: JSON.parse keeps the last value, a copy would keep both.
  const repeated = '{"actions":[{"id":"a","features":[{"k":"first","k":"second"}]}]}';
  assert.equal(both(repeated).fromText, both(repeated).reserialized);
  assert.match(both(repeated).fromText, /"j":\[\{"k":"second"\}\]/);
  // A nested repeated key, in the context.
  const nested = '{"contextFeatures":[{"u":{"a":1,"a":2}}],"actions":[{"id":"a","features":[]}]}';
  assert.equal(both(nested).fromText, both(nested).reserialized);
  // An escaped key at the top (it spells contextFeatures): not looked into, re-serialized.
  const escaped = '{"context\\u0046eatures":[{"u":{"a":1}}],"actions":[{"id":"a","features":[{"b":1}]}]}';
  assert.equal(both(escaped).fromText, both(escaped).reserialized);
  assert.match(both(escaped).fromText, /"FromUrl":\[\{"u":\{"a":1\}\}\]/);
  // Repeated "actions" or "features" members: the last one, as JSON.parse.
  const twice = '{"actions":[{"id":"old","features":[]}],"actions":[{"id":"a","features":[{"x":1}],"features":[{"y":2}]}]}';
  assert.equal(both(twice).fromText, '{"_multi":[{"_tag":"a","i":{"constant":1,"id":"a"},"j":[{"y":2}]}]}');
  // Strings holding structural characters and escapes are copied as written.
  const tricky = '{"actions":[{"id":"a","features":[{"s":"a\\"]}:,{[","t":"\\u00e9\\\\"}]}]}';
  assert.equal(both(tricky).fromText, '{"_multi":[{"_tag":"a","i":{"constant":1,"id":"a"},"j":[{"s":"a\\"]}:,{[","t":"\\u00e9\\\\"}]}]}');
  assert.deepEqual(JSON.parse(both(tricky).fromText), JSON.parse(both(tricky).reserialized));
});

test('featureSpans: null when the text does not match the validated request', () => {
  const v = validateRankRequest({ actions: [{ id: 'a', features: [] }, { id: 'b', features: [] }] });
  assert.equal(featureSpans('{"actions":[{"id":"a","features":[]}]}', v), null);
  assert.equal(featureSpans('{"actions":[{"id":"a","features":[{"k":1}]},{"id":"b","features":[]}]}', v), null);
  assert.notEqual(featureSpans('{"actions":[{"id":"a","features":[]},{"id":"b","features":[]}]}', v), null);
});
