// VW's JSON / DSJSON feature parser (json_parser/src/parse_example_json.cc DefaultState, ArrayState, TextState,
// TagState, MultiState; json_parser/src/json_utils.h namespace_builder, push_ns, pop_ns), over the text of a
// context object: {"User":{...}, ..., "_multi":[{...}, ...]}. Shared features at top level, one action per
// `_multi` element. The rules (docs/learner.md §3.3, §7.2):
// - an object value under key k opens namespace k (letter k[0], hash hashstring(k, hash_seed)), not chained
//   with its parent; top-level scalars (of the context and of each action) are in the default namespace ' ';
// - string: index hash(key ⧺ value, nsHash) & mask, value 1, with ' ', '\t', '|', ':' in the value → '_'
//   (with --chain_hash: hash(value, hash(key, nsHash)));
// - number: hash(key, nsHash) & mask, value as float32, 0 dropped; true: value 1; false/null: nothing;
// - array under k: namespace k; numbers at nsHash(k) + i (not masked; null does not advance i, 0 does);
//   objects are parsed in a namespace named k; strings, bools and nested arrays are errors;
// - keys starting with '_' are skipped with their value, except VW's reserved ones.
// A namespace letter enters the example's `indices` when that namespace closes with features (pop_ns).

import { ExampleBuffer } from './example_buffer.js';
import { type HashFn } from './hash.js';
import { ByteBuf, FeatureError, JsonScanner } from './json_scanner.js';

const MAX_DEPTH = 512;
const decoder = new TextDecoder();

export interface ParseSettings {
  hash: HashFn;
  hashSeed: number;
  /** 2^bits − 1 (parse_mask). */
  mask: number;
  chainHash: boolean;
  /** Letters dropped entirely (--ignore; setup_example in core/src/vw.cc). */
  ignore: Uint8Array;
  names: boolean;
  /**
   * Remember up to about this many parsed `_multi` elements by their exact text (0: off). Applications send
   * the same actions on every event; a remembered element is skipped instead of parsed (same features).
   */
  actionCache?: number;
  /**
   * Read `_slots` (conditional contextual bandits): one slot example per element, with its `_inc` list
   * (json_parser/src/parse_example_json.cc SlotsState). Without it `_slots` is an error.
   */
  slots?: boolean;
}

/** A parsed, grouped `_multi` element and its effect on the parser's shared array_hash. */
interface CachedAction {
  /** The element's text. */
  key: string;
  buf: ExampleBuffer;
  /** Whether the element contains an array (then it leaves arrayHash at `arrayHash`, else untouched). */
  setsArrayHash: boolean;
  arrayHash: number;
}

/** Elements whose text is longer than this are not remembered (they would pin too much memory). */
const MAX_CACHED_ELEMENT = 16384;

/**
 * Parsed `_multi` elements by their exact text, bounded: two generations of Maps (an approximate LRU: a hit in
 * the old generation moves the entry to the young one; when the young one is full it becomes the old one).
 * When most lookups miss (actions that never repeat) it stops looking for a while.
 */
class ActionCache {
  private young = new Map<string, CachedAction>();
  private old = new Map<string, CachedAction>();
  private lookups = 0;
  private hits = 0;
  /** Elements left to parse without the cache after a poor hit rate. */
  private pause = 0;

  constructor(private readonly half: number) {}

  /** False while paused (the caller then parses into scratch buffers and does not insert). */
  active(): boolean {
    if (this.pause === 0) return true;
    this.pause--;
    return false;
  }

  get(key: string): CachedAction | undefined {
    return this.count(this.find(key));
  }

  /** Counts a lookup and whether it hit. */
  count(e: CachedAction | undefined): CachedAction | undefined {
    if (e !== undefined) this.hits++;
    if (++this.lookups === 512) {
      // Mostly misses: every miss costs a scan, a copy of the text and a fresh buffer; pause for a while.
      if (this.hits < 64) this.pause = 8192;
      this.lookups = 0;
      this.hits = 0;
    }
    return e;
  }

  private find(key: string): CachedAction | undefined {
    let e = this.young.get(key);
    if (e === undefined) {
      e = this.old.get(key);
      if (e !== undefined) {
        this.old.delete(key);
        this.insert(key, e);
      }
    }
    return e;
  }

  insert(key: string, e: CachedAction): void {
    if (this.young.size >= this.half) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, e);
  }
}

/** End (after the matching '}') of the JSON object starting at text[start] = '{', or -1 before `end`. */
function objectEnd(text: string, start: number, end: number): number {
  let depth = 0;
  for (let p = start; p < end; p++) {
    const c = text.charCodeAt(p);
    if (c === 0x22) {
      for (p++; p < end; p++) {
        const d = text.charCodeAt(p);
        if (d === 0x22) break;
        if (d === 0x5c) p++;
      }
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) return p + 1;
    }
  }
  return -1;
}

/** A copy of s that does not keep a larger string alive (s is usually a slice of a request or a log line). */
function detach(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

function asciiEquals(b: ByteBuf, s: string, caseInsensitive: boolean): boolean {
  if (b.len !== s.length) return false;
  for (let i = 0; i < s.length; i++) {
    let c = b.bytes[i]!;
    let d = s.charCodeAt(i);
    if (caseInsensitive) {
      if (c >= 0x41 && c <= 0x5a) c += 32;
      if (d >= 0x41 && d <= 0x5a) d += 32;
    }
    if (c !== d) return false;
  }
  return true;
}

function startsWithLabel(b: ByteBuf): boolean {
  const x = b.bytes;
  return b.len >= 6 && x[0] === 0x5f && x[1] === 0x6c && x[2] === 0x61 && x[3] === 0x62 && x[4] === 0x65 && x[5] === 0x6c;
}

/** Parses one context object into a shared example and action examples (reused between calls). */
export class JsonExampleParser {
  readonly sc = new JsonScanner();
  readonly shared = new ExampleBuffer();
  /** This event's actions (scratch buffers, or remembered ones that must not be modified). */
  readonly actions: ExampleBuffer[] = [];
  nActions = 0;
  /** This event's `_slots` examples (with ParseSettings.slots); `slotsSeen` tells whether the key was there. */
  readonly slots: ExampleBuffer[] = [];
  nSlots = 0;
  slotsSeen = false;
  /** Each slot's `_inc` (0-based action positions), null when absent. */
  readonly slotInc: (number[] | null)[] = [];
  private inSlot = false;
  private readonly scratch: ExampleBuffer[] = [];
  private readonly cache: ActionCache | null;
  /** The remembered action seen at each `_multi` position last time (most events repeat the same list). */
  private readonly guess: (CachedAction | undefined)[] = [];
  /** Arrays started so far (tells whether an element touched arrayHash). */
  private arrays = 0;

  private cur: ExampleBuffer = this.shared;
  private inAction = false;
  private readonly key = new ByteBuf();
  private keyString = '';
  /** Text offset of the current key (for error messages). */
  private keyPos = 0;
  private readonly buf = new ByteBuf();
  private readonly buf2 = new ByteBuf();
  // The namespace stack (Context::namespace_path).
  private depth = 0;
  private readonly nsLetter = new Uint8Array(MAX_DEPTH);
  private readonly nsHash = new Uint32Array(MAX_DEPTH);
  private readonly nsCount = new Int32Array(MAX_DEPTH);
  private readonly nsName: string[] = [];
  /** ArrayState::array_hash — one per parser in VW too, so an array nested in an array's object clobbers it. */
  private arrayHash = 0;
  private readonly defaultNsHash: number;

  constructor(private readonly s: ParseSettings) {
    const space = new Uint8Array([0x20]);
    this.defaultNsHash = s.hash(space, 0, 1, s.hashSeed);
    const n = s.names ? 0 : (s.actionCache ?? 0);
    this.cache = n > 0 ? new ActionCache(Math.max(1, n >> 1)) : null;
  }

  parse(text: string, start: number, end: number): void {
    const sc = this.sc;
    sc.reset(text, start, end);
    this.shared.reset();
    this.nActions = 0;
    this.nSlots = 0;
    this.slotsSeen = false;
    this.inSlot = false;
    this.depth = 0;
    this.cur = this.shared;
    this.inAction = false;
    sc.expect(0x7b);
    this.pushDefault();
    this.objectBody();
    this.pop();
    if (sc.peek() !== -1) sc.fail('unexpected text after the context object');
  }

  // ---- namespaces ----

  private pushDefault(): void {
    this.pushRaw(0x20, this.defaultNsHash, ' ');
  }

  private pushRaw(letter: number, hash: number, name: string): void {
    const d = this.depth;
    if (d >= MAX_DEPTH) this.sc.fail('nesting too deep');
    this.nsLetter[d] = letter;
    this.nsHash[d] = hash;
    this.nsCount[d] = 0;
    if (this.s.names) this.nsName[d] = name;
    this.depth = d + 1;
  }

  /** push_ns with the current key as the name. */
  private pushKey(): void {
    const k = this.key;
    const len = k.cLength();
    this.pushRaw(len > 0 ? k.bytes[0]! : 0, this.s.hash(k.bytes, 0, len, this.s.hashSeed), this.keyString);
  }

  /** pop_ns: the letter joins the example's indices if this namespace got features. */
  private pop(): void {
    const d = --this.depth;
    if (this.nsCount[d]! > 0) {
      const l = this.nsLetter[d]!;
      if (this.s.ignore[l] === 0) this.cur.addIndex(l);
    }
  }

  private add(index: number, value: number, name: string | null): void {
    const d = this.depth - 1;
    this.nsCount[d]!++;
    const l = this.nsLetter[d]!;
    if (this.s.ignore[l] !== 0) return;
    const cur = this.cur;
    if (name !== null) {
      const ns = this.nsName[d]!;
      cur.names[cur.n] = ns === '' || ns === ' ' ? name : `${ns}^${name}`;
    }
    cur.push(l, index, value);
  }

  // ---- grammar ----

  /** Members of an object whose '{' was consumed and whose namespace is pushed; consumes the '}'. */
  private objectBody(): void {
    const sc = this.sc;
    let c = sc.peek();
    if (c === 0x7d) {
      sc.pos++;
      return;
    }
    for (;;) {
      if (c !== 0x22) sc.fail('expected a key');
      const key = this.key;
      key.reset();
      this.keyPos = sc.pos;
      sc.readStringBytes(key, false);
      if (this.s.names) this.keyString = decoder.decode(key.bytes.subarray(0, key.cLength()));
      sc.expect(0x3a);
      if (key.len > 0 && key.bytes[0] === 0x5f) this.reserved();
      else this.value();
      if (!sc.more(0x7d)) break;
      c = sc.peek();
    }
    sc.pos++;
  }

  private keyName(): string {
    return this.keyString;
  }

  /** A value under a non-reserved key in DefaultState. */
  private value(): void {
    const sc = this.sc;
    const c = sc.peek();
    const s = this.s;
    switch (c) {
      case 0x22: {
        // String feature (DefaultState::String).
        const b = this.buf;
        b.reset();
        const key = this.key;
        b.ensure(key.len);
        const kb = key.bytes;
        const bb = b.bytes;
        for (let i = 0; i < key.len; i++) bb[i] = kb[i]!;
        b.len = key.len;
        b.sawNul = key.sawNul;
        sc.readStringBytes(b, true);
        const nsHash = this.nsHash[this.depth - 1]!;
        let h: number;
        let name: string | null = null;
        if (s.chainHash) {
          // chain_hash_static: hash(value, hash(key, nsHash)); each part is a C string.
          const b2 = this.buf2;
          b2.reset();
          b2.ensure(b.len);
          for (let i = key.len; i < b.len; i++) b2.bytes[i - key.len] = b.bytes[i]!;
          b2.len = b.len - key.len;
          b2.sawNul = b.sawNul;
          const kh = s.hash(key.bytes, 0, key.cLength(), nsHash);
          h = s.hash(b2.bytes, 0, b2.cLength(), kh);
          if (s.names) name = `${this.keyName()}^${decoder.decode(b2.bytes.subarray(0, b2.cLength()))}`;
        } else {
          const len = b.cLength();
          h = s.hash(b.bytes, 0, len, nsHash);
          if (s.names) name = decoder.decode(b.bytes.subarray(0, len));
        }
        this.add((h & s.mask) >>> 0, 1, name);
        return;
      }
      case 0x7b:
        sc.pos++;
        this.pushKey();
        this.objectBody();
        this.pop();
        return;
      case 0x5b:
        this.array();
        return;
      case 0x74:
        sc.literal('true');
        this.add((s.hash(this.key.bytes, 0, this.key.cLength(), this.nsHash[this.depth - 1]!) & s.mask) >>> 0, 1, s.names ? this.keyName() : null);
        return;
      case 0x66:
        sc.literal('false');
        return;
      case 0x6e:
        sc.literal('null');
        return;
      default: {
        if (c !== 0x2d && (c < 0x30 || c > 0x39)) sc.fail(`unexpected value for key '${this.keyText()}'`);
        const v = Math.fround(sc.readNumber());
        if (v === 0) return;
        this.add((s.hash(this.key.bytes, 0, this.key.cLength(), this.nsHash[this.depth - 1]!) & s.mask) >>> 0, v, s.names ? this.keyName() : null);
      }
    }
  }

  private keyText(): string {
    return decoder.decode(this.key.bytes.subarray(0, this.key.len));
  }

  /** The key that starts at text offset pos, decoded again (error path only). */
  private keyAt(pos: number): string {
    const sc = new JsonScanner();
    sc.reset(this.sc.text, pos, this.sc.end);
    return sc.readString();
  }

  /** ArrayState: numbers and objects only. */
  private array(): void {
    const sc = this.sc;
    const s = this.s;
    const keyPos = this.keyPos;
    sc.pos++;
    this.pushKey();
    const d = this.depth - 1;
    const nsHash = this.nsHash[d]!;
    this.arrayHash = nsHash;
    this.arrays++;
    let c = sc.peek();
    if (c === 0x5d) {
      sc.pos++;
      this.pop();
      return;
    }
    for (;;) {
      if (c === 0x7b) {
        sc.pos++;
        // ArrayState::StartObject: a namespace named like the array's.
        this.pushRaw(this.nsLetter[d]!, nsHash, s.names ? this.nsName[d]! : '');
        this.objectBody();
        this.pop();
      } else if (c === 0x6e) {
        sc.literal('null');
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        const v = Math.fround(sc.readNumber());
        const at = this.arrayHash;
        if (v !== 0) this.add(at >>> 0, v, s.names ? `[${at - this.nsHash[this.depth - 1]!}]` : null);
        this.arrayHash = at + 1;
      } else if (c === 0x5b) {
        throw new FeatureError(`Nested arrays are not supported (under key '${this.keyAt(keyPos)}')`);
      } else if (c === 0x22) {
        throw new FeatureError(`Unexpected string in the array under key '${this.keyAt(keyPos)}': only numbers and objects are supported`);
      } else if (c === 0x74 || c === 0x66) {
        throw new FeatureError(`Unexpected bool in the array under key '${this.keyAt(keyPos)}': only numbers and objects are supported`);
      } else {
        sc.fail(`unexpected value in the array under key '${this.keyAt(keyPos)}'`);
      }
      if (!sc.more(0x5d)) break;
      c = sc.peek();
    }
    sc.pos++;
    this.pop();
  }

  /** DefaultState::Key for keys starting with '_'. */
  private reserved(): void {
    const sc = this.sc;
    const key = this.key;
    if (startsWithLabel(key)) {
      // _label_* / _label / _labelIndex carry labels, never features; any other _label… is rejected by VW.
      if ((key.len >= 7 && key.bytes[6] === 0x5f) || key.len === 6 || asciiEquals(key, '_labelIndex', true)) {
        sc.skipValue();
        return;
      }
      throw new FeatureError(`Unsupported key '${this.keyText()}'`);
    }
    if (asciiEquals(key, '_text', false)) return this.text();
    if (asciiEquals(key, '_multi', false)) return this.multi();
    if (asciiEquals(key, '_slots', false)) {
      if (this.s.slots !== true) throw new FeatureError("'_slots' (multi-slot) is not supported here");
      return this.slotList();
    }
    if (this.inSlot && asciiEquals(key, '_inc', true)) return this.inc();
    if (asciiEquals(key, '_tag', true)) return this.tag();
    if (asciiEquals(key, '_slot_id', false)) throw new FeatureError("'_slot_id' is only valid for slates");
    if (
      asciiEquals(key, '_inc', true) ||
      (key.len === 2 && (key.bytes[1] === 0x61 || key.bytes[1] === 0x70)) ||
      asciiEquals(key, '_original_label_cost', false) ||
      asciiEquals(key, '__aid', true)
    ) {
      sc.skipValue();
      return;
    }
    sc.peek();
    sc.skipIgnored();
  }

  /** TextState: words split on ' ' and '\t', ':' and '|' → '_', each a value-1 feature. */
  private text(): void {
    const sc = this.sc;
    const c = sc.peek();
    if (c === 0x6e) return sc.literal('null');
    if (c !== 0x22) sc.fail("'_text' must be a string");
    const b = this.buf;
    b.reset();
    sc.readStringBytes(b, false);
    const x = b.bytes;
    const n = b.len;
    const s = this.s;
    const nsHash = this.nsHash[this.depth - 1]!;
    let start = 0;
    for (let p = 0; p <= n; p++) {
      const ch = p < n ? x[p]! : 0x20;
      if (ch === 0x3a || ch === 0x7c) x[p] = 0x5f;
      else if (ch === 0x20 || ch === 0x09) {
        if (p > start) {
          let e = p;
          if (b.sawNul) {
            const z = x.subarray(start, p).indexOf(0);
            if (z >= 0) e = start + z;
          }
          const h = s.hash(x, start, e, nsHash);
          this.add((h & s.mask) >>> 0, 1, s.names ? decoder.decode(x.subarray(start, e)) : null);
        }
        start = p + 1;
      }
    }
  }

  /** TagState: appends to the example's tag. */
  private tag(): void {
    const sc = this.sc;
    const c = sc.peek();
    if (c === 0x6e) return sc.literal('null');
    if (c !== 0x22) sc.fail("'_tag' must be a string");
    const t = sc.readString();
    this.cur.tag = this.cur.tag === undefined ? t : this.cur.tag + t;
  }

  /** One `_multi` element (at its '{'): remembered, or parsed into a buffer of its own. */
  private element(): void {
    const sc = this.sc;
    const cache = this.cache;
    const start = sc.pos;
    let key: string | null = null;
    if (cache !== null && cache.active()) {
      const text = sc.text;
      const g = this.guess[this.nActions];
      let hit: CachedAction | undefined;
      let end = -1;
      if (g !== undefined && start + g.key.length <= sc.end && text.slice(start, start + g.key.length) === g.key) {
        hit = cache.count(g);
        end = start + g.key.length;
      } else {
        end = objectEnd(text, start, sc.end);
        if (end > 0 && end - start <= MAX_CACHED_ELEMENT) {
          key = text.slice(start, end);
          hit = cache.get(key);
        }
      }
      if (hit !== undefined) {
        // The text starts with one parsed before: parsing it again would give the same buffer and end there.
        this.guess[this.nActions] = hit;
        this.actions[this.nActions++] = hit.buf;
        if (hit.setsArrayHash) this.arrayHash = hit.arrayHash;
        sc.pos = end;
        return;
      }
    }
    const at = this.nActions;
    let a: ExampleBuffer;
    if (key !== null) {
      a = new ExampleBuffer();
    } else {
      a = this.scratch[this.nActions] ?? new ExampleBuffer();
      this.scratch[this.nActions] = a;
    }
    this.actions[this.nActions++] = a;
    a.reset();
    const arrays = this.arrays;
    sc.pos++;
    this.cur = a;
    this.inAction = true;
    this.pushDefault();
    this.objectBody();
    this.pop();
    this.inAction = false;
    this.cur = this.shared;
    if (key !== null && cache !== null) {
      // Remember exactly the text this parse consumed.
      a.group(false);
      a.memo = null;
      a.cached = true;
      const consumed = detach(sc.pos - start === key.length ? key : sc.text.slice(start, sc.pos));
      const e: CachedAction = { key: consumed, buf: a, setsArrayHash: this.arrays !== arrays, arrayHash: this.arrayHash };
      cache.insert(consumed, e);
      this.guess[at] = e;
    }
  }

  /** SlotsState: each element object is one slot example with its own default namespace. */
  private slotList(): void {
    const sc = this.sc;
    if (this.inAction) throw new FeatureError("'_slots' inside an action or slot is not supported");
    if (this.slotsSeen) throw new FeatureError("'_slots' given twice");
    this.slotsSeen = true;
    if (sc.peek() !== 0x5b) sc.fail("'_slots' must be an array of objects");
    sc.pos++;
    let c = sc.peek();
    if (c === 0x5d) {
      sc.pos++;
      return;
    }
    for (;;) {
      if (c !== 0x7b) sc.fail("'_slots' elements must be objects");
      const at = this.nSlots++;
      const slot = this.slots[at] ?? new ExampleBuffer();
      this.slots[at] = slot;
      slot.reset();
      this.slotInc[at] = null;
      sc.pos++;
      this.cur = slot;
      this.inAction = true;
      this.inSlot = true;
      this.pushDefault();
      this.objectBody();
      this.pop();
      this.inAction = false;
      this.inSlot = false;
      this.cur = this.shared;
      if (!sc.more(0x5d)) break;
      c = sc.peek();
    }
    sc.pos++;
  }

  /** A slot's `_inc`: the 0-based action positions it may use (an array of non-negative integers). */
  private inc(): void {
    const sc = this.sc;
    if (sc.peek() === 0x6e) return sc.literal('null');
    if (sc.peek() !== 0x5b) throw new FeatureError("'_inc' must be an array of action positions");
    sc.pos++;
    const list: number[] = [];
    let c = sc.peek();
    if (c !== 0x5d) {
      for (;;) {
        if (c !== 0x2d && (c < 0x30 || c > 0x39)) throw new FeatureError("'_inc' must be an array of action positions");
        const v = sc.readNumber();
        if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
          throw new FeatureError(`'_inc' holds ${v}: action positions are integers from 0`);
        }
        list.push(v);
        if (!sc.more(0x5d)) break;
        c = sc.peek();
      }
    }
    sc.pos++;
    const at = this.nSlots - 1;
    this.slotInc[at] = [...(this.slotInc[at] ?? []), ...list];
  }

  /** MultiState: each element object is one action example with its own default namespace. */
  private multi(): void {
    const sc = this.sc;
    if (this.inAction) throw new FeatureError("'_multi' inside an action is not supported");
    if (sc.peek() !== 0x5b) sc.fail("'_multi' must be an array of objects");
    sc.pos++;
    let c = sc.peek();
    if (c === 0x5d) {
      sc.pos++;
      return;
    }
    for (;;) {
      if (c === 0x7b) {
        this.element();
      } else if (c === 0x6e) {
        sc.literal('null');
      } else {
        sc.fail("'_multi' elements must be objects");
      }
      if (!sc.more(0x5d)) break;
      c = sc.peek();
    }
    sc.pos++;
  }
}
