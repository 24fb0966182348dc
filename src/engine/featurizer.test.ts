import { test } from 'node:test';
import { sharedDir as sharedFolder, absent } from '../testing/fixtures.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { FeatureVector } from './example.js';
import { createFeaturizer, type FeaturizerConfig } from './featurizer.js';
import { DEFAULT_POLICY_ARGUMENTS, parsePolicyArguments } from './policy_args.js';
import { JsonScanner, ByteBuf } from './json_scanner.js';

const sharedDir = (): string | null => sharedFolder() ?? null;

/** The featurizer settings of Azure's default policy (`-q ::`, 18 bits), as the policy parser gives them. */
const DEFAULT: FeaturizerConfig = parsePolicyArguments(DEFAULT_POLICY_ARGUMENTS);

/** The [start, end) of the top-level "c" value of a DSJSON line, found with the scanner (no copy). */
function contextRange(line: string): [number, number] {
  const sc = new JsonScanner();
  sc.reset(line, 0, line.length);
  sc.expect(0x7b);
  const key = new ByteBuf();
  do {
    key.reset();
    sc.peek();
    sc.readStringBytes(key, false);
    sc.expect(0x3a);
    const start = sc.peek() === -1 ? -1 : sc.pos;
    sc.skipValue();
    if (key.len === 1 && key.bytes[0] === 0x63) return [start, sc.pos];
  } while (sc.more(0x7d));
  throw new Error('no "c" in line');
}

interface AuditFeature {
  name: string;
  slot: number;
  value: number;
  weight: number;
}
interface AuditBlock {
  head: string;
  features: AuditFeature[];
}

function parseAudit(text: string): AuditBlock[] {
  const lines = text.split('\n').filter((l) => l.length > 0 && !l.startsWith('[warning]') && !l.startsWith('You can use'));
  const blocks: AuditBlock[] = [];
  for (let i = 0; i < lines.length; i += 2) {
    assert.ok(lines[i + 1]!.startsWith('\t'), `audit line ${i + 1} is a feature line`);
    const features = lines[i + 1]!
      .slice(1)
      .split('\t')
      .map((f) => {
        const parts = f.split(':');
        const wg = parts.pop()!;
        const value = Number(parts.pop());
        const slot = Number(parts.pop());
        return { name: parts.join(':'), slot, value, weight: Number(wg.split('@')[0]) };
      });
    blocks.push({ head: lines[i]!, features });
  }
  return blocks;
}

/**
 * Checks one action's features against one audit block: same slots, names and values (1e-6 relative).
 * Blocks printed before any learning (all weights 0) are in VW's traversal order and must match in order. VW
 * prints later blocks sorted by |value × weight|; after one update those products are all equal (w = u/x), so
 * the printed order is decided by float rounding: those blocks are compared as sets.
 */
function compareBlock(fv: FeatureVector, block: AuditBlock, where: string): { n: number; ordered: boolean } {
  assert.equal(fv.count, block.features.length, `${where}: feature count`);
  const mask = (1 << 18) - 1;
  let mine = Array.from({ length: fv.count }, (_, i) => ({ name: fv.names![i]!, slot: fv.index[i]! & mask, value: fv.value[i]! }));
  let theirs = block.features;
  const ordered = block.features.every((f) => f.weight === 0);
  if (!ordered) {
    const byName = (a: { name: string; value: number }, b: { name: string; value: number }): number =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : a.value - b.value;
    mine = mine.sort(byName);
    theirs = [...theirs].sort(byName);
  }
  for (let i = 0; i < mine.length; i++) {
    const a = theirs[i]!;
    const m = mine[i]!;
    assert.equal(m.name, a.name, `${where}: name of feature ${i}`);
    assert.equal(m.slot, a.slot, `${where}: slot of ${a.name}`);
    assert.ok(Math.abs(m.value - a.value) <= 1e-6 * Math.max(1, Math.abs(a.value)), `${where}: value of ${a.name}: ${m.value} vs ${a.value}`);
  }
  return { n: mine.length, ordered };
}

function checkAudit(dsjsonLines: string[], audit: AuditBlock[], label: string): { events: number; features: number; inOrder: number } {
  const featurize = createFeaturizer(DEFAULT, { names: true });
  let b = 0;
  let features = 0;
  let inOrder = 0;
  const count = (r: { n: number; ordered: boolean }): void => {
    features += r.n;
    if (r.ordered) inOrder += r.n;
  };
  for (const [e, line] of dsjsonLines.entries()) {
    const [s, end] = contextRange(line);
    const ex = featurize(line, s, end);
    const labelIndex = (JSON.parse(line) as { _labelIndex: number })._labelIndex;
    for (let k = 0; k < ex.actions.length; k++) count(compareBlock(ex.actions[k]!, audit[b++]!, `${label} event ${e} action ${k}`));
    // Then the learn call on the labelled action.
    count(compareBlock(ex.actions[labelIndex]!, audit[b++]!, `${label} event ${e} learn`));
  }
  assert.equal(b, audit.length, `${label}: every audit block used`);
  return { events: dsjsonLines.length, features, inOrder };
}

test('tiny-3: every feature of the --audit, same slots, values, names and order', (t) => {
  const shared = sharedDir();
  if (shared === null) return absent(t, 'reference data ../shared is absent');
  const dir = join(shared, 'vw-vectors', 'tiny');
  const lines = readFileSync(join(dir, 'tiny-3.dsjson'), 'utf8').split('\n').filter((l) => l.startsWith('{'));
  const audit = parseAudit(readFileSync(join(dir, 'tiny-3-audit.txt'), 'utf8'));
  const r = checkAudit(lines, audit, 'tiny-3');
  assert.deepEqual(r, { events: 3, features: 990, inOrder: 660 });
});

test('azure-shaped: every feature of audit-first2 (FromUrl / i / j shapes)', (t) => {
  const shared = sharedDir();
  if (shared === null) return absent(t, 'reference data ../shared is absent');
  const dir = join(shared, 'vw-vectors', 'azure-shaped');
  const lines = readFileSync(join(dir, 'first2.dsjson'), 'utf8').split('\n').filter((l) => l.startsWith('{'));
  const audit = parseAudit(gunzipSync(readFileSync(join(dir, 'audit-first2.txt.gz'))).toString('utf8'));
  const r = checkAudit(lines, audit, 'azure');
  assert.equal(r.events, 2);
  assert.deepEqual(r, { events: 2, features: 2064, inOrder: 1092 });
});

// ---- docs/features.md §3 table, §3.1, §3.2, §2.2 (slots at b = 18, verified there against VW) ----

const LINEAR: FeaturizerConfig = { ...DEFAULT, quadratic: [] };

/** "name:slot[:value]" of every feature of action `k`, VW audit style (value shown when it is not 1). */
function feats(context: string, config: FeaturizerConfig = LINEAR, k = 0): string[] {
  const ex = createFeaturizer(config, { names: true })(context);
  const fv = ex.actions[k]!;
  return Array.from({ length: fv.count }, (_, i) => {
    const v = fv.value[i]!;
    return `${fv.names![i]!}:${fv.index[i]! & 0x3ffff}${v === 1 ? '' : `:${Number(v.toPrecision(7))}`}`;
  });
}

/** Features of a context whose single action is empty, without the constant. */
function sharedFeats(shared: string): string[] {
  return feats(`{${shared}${shared ? ',' : ''}"_multi":[{}]}`).filter((f) => !f.startsWith('Constant'));
}

test('§3 table: context shapes', () => {
  assert.deepEqual(sharedFeats('"FromUrl":[{"timeOfDay":"morning"}]'), ['FromUrl^timeOfDaymorning:30273']);
  assert.deepEqual(sharedFeats('"FromUrl":[{"user":{"tier":"gold","visits":3}}]'), ['user^tiergold:176077', 'user^visits:71642:3']);
  assert.deepEqual(sharedFeats('"a":{"b":{"c":1}}'), ['b^c:37234']);
  assert.deepEqual(sharedFeats('"FromUrl":[{"screensize":[1680,1050]}]'), ['screensize^[0]:213982:1680', 'screensize^[1]:213983:1050']);
  assert.deepEqual(sharedFeats('"FromUrl":[{"z":0,"n":null},null,{}]'), []);
  assert.deepEqual(sharedFeats('"FromUrl":[{"neg":-2.5,"big":3000000000}]').map((f) => f.split(':').pop()), ['-2.5', '3000000000']);
  assert.deepEqual(sharedFeats('"FromUrl":[{"s":"a b:c|d\\te"}]').map((f) => f.split(':')[0]), ['FromUrl^sa_b_c_d_e']);
  assert.deepEqual(sharedFeats('"FromUrl":[{"my key":"v w"},{"my ns":{"k":2}}]').map((f) => f.replace(/:\d+(:2)?$/, '$1')), ['FromUrl^my keyv_w', 'my ns^k:2']);
  assert.deepEqual(sharedFeats('"FromUrl":[{"numstr":"8"}]').map((f) => f.split(':')[0]), ['FromUrl^numstr8']);
  assert.deepEqual(sharedFeats('"FromUrl":[{"ключ":"значение"}]').map((f) => f.split(':')[0]), ['FromUrl^ключзначение']);
  assert.deepEqual(sharedFeats('"FromUrl":[{"_hidden":"x","_ns":{"q":1},"_title":[1,"a",[2]],"_expires":null}]'), []);
  assert.deepEqual(sharedFeats('"FromUrl":[{"_text":"hello big  world"}]').map((f) => f.split(':')[0]), ['FromUrl^hello', 'FromUrl^big', 'FromUrl^world']);
  // Top-level scalars of the context are in the default namespace (hash 0, no "ns^" in audit names).
  assert.deepEqual(sharedFeats('"age":"25"').map((f) => f.split(':')[0]), ['age25']);
});

test('§3 table: action shapes, tag, and the constant', () => {
  assert.deepEqual(feats('{"_multi":[{"_tag":"pasta","i":{"constant":1,"id":"pasta"}}]}'), ['i^constant:26051', 'i^idpasta:213035', 'Constant:116060']);
  assert.deepEqual(feats('{"_multi":[{"i":{"constant":1,"id":"Cold brew"}}]}')[1], 'i^idCold_brew:39661');
  assert.deepEqual(feats('{"_multi":[{"j":[{"cuisine":"italian","spice":"medium"},{"Calories":400}]}]}'), [
    'j^cuisineitalian:1279',
    'j^spicemedium:3041',
    'j^Calories:133416:400',
    'Constant:116060',
  ]);
  assert.deepEqual(feats('{"_multi":[{"j":[{"nutrition":{"calories":800}}]}]}'), ['nutrition^calories:89730:800', 'Constant:116060']);
  assert.deepEqual(feats('{"_multi":[{"j":[{"grams":[400,0,800]}]}]}'), ['grams^[0]:47065:400', 'grams^[2]:47067:800', 'Constant:116060']);
  assert.deepEqual(feats('{"_multi":[{"j":[{"drink":true,"cold":false}]}]}'), ['j^drink:5533', 'Constant:116060']);
  const ex = createFeaturizer(LINEAR)('{"_multi":[{"_tag":"soup"},{"_tag":"a","_TAG":"b"},{}]}');
  assert.deepEqual(ex.tags, ['soup', 'ab', undefined]);
  assert.deepEqual(Array.from(ex.actions[0]!.index), [11650396]);
  // --noconstant
  assert.equal(createFeaturizer({ ...LINEAR, noConstant: true })('{"_multi":[{}]}').actions[0]!.count, 0);
  // Reserved keys never become features.
  const reserved = '{"_label_cost":1,"_labelIndex":0,"_label":{"Cost":1},"_inc":[1],"_a":[1],"_p":[0.5],"__aid":3,"_original_label_cost":1,"_multi":[{"_label_probability":0.5}]}';
  assert.deepEqual(feats(reserved), ['Constant:116060']);
});

test('§3 table: rejected shapes throw FeatureError naming the key', async () => {
  const { FeatureError } = await import('./featurizer.js');
  const f = createFeaturizer(LINEAR);
  assert.throws(() => f('{"FromUrl":[{"tags":["a","b"]}],"_multi":[{}]}'), (e: unknown) => e instanceof FeatureError && /'tags'/.test(e.message));
  assert.throws(() => f('{"FromUrl":[{"flags":[true,false]}],"_multi":[{}]}'), (e: unknown) => e instanceof FeatureError && /'flags'/.test(e.message));
  assert.throws(() => f('{"FromUrl":[{"nested":[[1,2],[3]]}],"_multi":[{}]}'), (e: unknown) => e instanceof FeatureError && /Nested arrays.*'nested'/.test(e.message));
  assert.throws(() => f('{"_labelX":1,"_multi":[{}]}'), FeatureError);
  assert.throws(() => f('{"a":1,'), FeatureError);
  assert.throws(() => f('{"a":"\\ud800"}'), FeatureError);
});

const WORKED =
  '{"FromUrl":[{"user":{"tier":"gold","visits":3}},{"timeOfDay":"morning"}],' +
  '"_multi":[{"_tag":"pasta","i":{"constant":1,"id":"pasta"},"j":[{"cuisine":"italian","spice":"medium"},{"nutrition":{"calories":800}}]},' +
  '{"_tag":"soup","i":{"constant":1,"id":"soup"},"j":[{"cuisine":"french","spice":"none"}]}]}';

test('§6 worked example: linear order (action, Constant, shared) and §3.1 interaction slots', () => {
  const all = feats(WORKED, DEFAULT);
  assert.deepEqual(all.slice(0, 9), [
    'i^constant:26051',
    'i^idpasta:213035',
    'j^cuisineitalian:1279',
    'j^spicemedium:3041',
    'nutrition^calories:89730:800',
    'Constant:116060',
    'user^tiergold:176077',
    'user^visits:71642:3',
    'FromUrl^timeOfDaymorning:30273',
  ]);
  assert.equal(all.length, 9 + 36);
  for (const f of [
    'FromUrl^timeOfDaymorning*i^idpasta:92280',
    'i^constant*i^idpasta:225746',
    'i^idpasta*i^idpasta:82842',
    'i^idpasta*user^tiergold:44156',
    'j^cuisineitalian*user^tiergold:94880',
    'nutrition^calories*user^visits:184700:2400',
    'FromUrl^timeOfDaymorning*i^constant:150928',
  ]) {
    assert.ok(all.includes(f), f);
  }
  // Letter order F < i < j < n < u; the first pair is F×F, then F×i.
  assert.equal(all[9], `FromUrl^timeOfDaymorning*FromUrl^timeOfDaymorning:${all[9]!.split(':')[1]}`);
  assert.equal(all[10], 'FromUrl^timeOfDaymorning*i^constant:150928');
  const soup = feats(WORKED, DEFAULT, 1);
  assert.deepEqual(soup.slice(0, 2), ['i^constant:26051', 'i^idsoup:65144']);
  assert.ok(soup.includes('j^cuisinefrench:54109') && soup.includes('j^spicenone:123764'));
});

test('§2.2 key order inside i and §3.2 letter collisions change the self-pairs', () => {
  const q = (c: string): string[] => feats(c, DEFAULT).filter((f) => f.includes('*'));
  assert.ok(q('{"_multi":[{"i":{"constant":1,"id":"A"}}]}').includes('i^constant*i^idA:62802'));
  assert.ok(q('{"_multi":[{"i":{"id":"A","constant":1}}]}').includes('i^idA*i^constant:130290'));
  const c = feats('{"item":{"x":"y"},"_multi":[{"i":{"constant":1,"id":"A"}}]}', DEFAULT);
  assert.deepEqual(c.slice(0, 4).map((f) => f.split(':')[0]), ['i^constant', 'i^idA', 'item^xy', 'Constant']);
  assert.ok(c.includes('i^constant*item^xy:90613'));
  assert.ok(c.includes('i^idA*item^xy:51517'));
});

test('-q keeps the letter order of distinct letters; --cubic, --ignore, --ignore_linear', () => {
  const ctx = '{"u":{"a":1},"_multi":[{"i":{"b":1}}]}';
  const ab = feats(ctx, { ...DEFAULT, quadratic: ['iu'] }).filter((f) => f.includes('*'));
  const ba = feats(ctx, { ...DEFAULT, quadratic: ['ui'] }).filter((f) => f.includes('*'));
  assert.equal(ab.length, 1);
  assert.equal(ab[0]!.split(':')[0], 'i^b*u^a');
  assert.equal(ba[0]!.split(':')[0], 'u^a*i^b');
  assert.notEqual(ab[0]!.split(':')[1], ba[0]!.split(':')[1]);
  // -q ui -q iu are one unordered pair: the first after sorting ('iu') is kept.
  assert.deepEqual(feats(ctx, { ...DEFAULT, quadratic: ['ui', 'iu'] }).filter((f) => f.includes('*')), ab);
  // Cubic over i,u,u: i^b*u^a*u^a.
  const cubic = feats(ctx, { ...DEFAULT, quadratic: [], cubic: ['iuu'] }).filter((f) => f.includes('*'));
  assert.deepEqual(cubic.map((f) => f.split(':')[0]), ['i^b*u^a*u^a']);
  // --ignore drops the letter everywhere; --ignore_linear only from the linear terms.
  assert.deepEqual(feats(ctx, { ...DEFAULT, ignore: ['u'] }).map((f) => f.split(':')[0]), ['i^b', 'Constant', 'i^b*i^b']);
  assert.deepEqual(feats(ctx, { ...DEFAULT, ignoreLinear: ['u'] }).map((f) => f.split(':')[0]), ['i^b', 'Constant', 'i^b*i^b', 'i^b*u^a', 'u^a*u^a']);
});

test('reuse and the (text, start, end) range give the same features as a fresh call', () => {
  const padded = `xx${WORKED}yy`;
  const a = createFeaturizer(DEFAULT)(WORKED);
  const b = createFeaturizer(DEFAULT, { reuse: true })(padded, 2, 2 + WORKED.length);
  for (let k = 0; k < 2; k++) {
    assert.equal(b.actions[k]!.count, a.actions[k]!.count);
    assert.deepEqual(Array.from(b.actions[k]!.index.subarray(0, b.actions[k]!.count)), Array.from(a.actions[k]!.index));
    assert.deepEqual(Array.from(b.actions[k]!.value.subarray(0, b.actions[k]!.count)), Array.from(a.actions[k]!.value));
  }
});
