// A minimal JSON tokenizer over a range of a JS string, for the VW JSON featurizer (json_features.ts).
// It keeps what VW's RapidJSON-based parser sees: key order, duplicate keys, numbers read as double then
// narrowed to float32 by the caller, strings decoded to UTF-8 bytes (json_parser/src/parse_example_json.cc).

/** A JSON input error, or a JSON shape VW's parser rejects. */
export class FeatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureError';
  }
}

/** A growable byte buffer: decoded strings are written here (UTF-8) and hashed in place. */
export class ByteBuf {
  bytes = new Uint8Array(256);
  len = 0;
  /** True when a decoded NUL byte was written since the last reset (VW then stops at it: strlen). */
  sawNul = false;

  reset(): void {
    this.len = 0;
    this.sawNul = false;
  }

  ensure(extra: number): void {
    if (this.len + extra > this.bytes.length) {
      const next = new Uint8Array(Math.max(this.bytes.length * 2, this.len + extra + 64));
      next.set(this.bytes.subarray(0, this.len));
      this.bytes = next;
    }
  }

  /** Length up to the first NUL byte (C strlen), as VW hashes `const char*` names. */
  cLength(): number {
    if (!this.sawNul) return this.len;
    const i = this.bytes.subarray(0, this.len).indexOf(0);
    return i < 0 ? this.len : i;
  }
}

const HEX: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    t[65 + i] = 10 + i;
    t[97 + i] = 10 + i;
  }
  return t;
})();

/** Byte maps of printable ASCII for readStringBytes' fast path: as is, or with ' ', '\t', '|', ':' → '_'. */
const IDENTITY: Uint8Array = Uint8Array.from({ length: 128 }, (_, i) => i);
const SANITIZE: Uint8Array = Uint8Array.from({ length: 128 }, (_, i) => (i === 0x20 || i === 0x09 || i === 0x7c || i === 0x3a ? 0x5f : i));

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

export class JsonScanner {
  text = '';
  pos = 0;
  end = 0;

  reset(text: string, start: number, end: number): void {
    this.text = text;
    this.pos = start;
    this.end = end;
  }

  fail(what: string): never {
    throw new FeatureError(`JSON parse error at offset ${this.pos}: ${what}`);
  }

  /** Skips whitespace and returns the next char code (-1 at the end). */
  peek(): number {
    const t = this.text;
    let p = this.pos;
    const e = this.end;
    while (p < e) {
      const c = t.charCodeAt(p);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      p++;
    }
    this.pos = p;
    return p < e ? t.charCodeAt(p) : -1;
  }

  expect(c: number): void {
    if (this.peek() !== c) this.fail(`expected '${String.fromCharCode(c)}'`);
    this.pos++;
  }

  /** After a value inside an object/array: consumes ',' and returns true, or sees the closer and returns false. */
  more(closer: number): boolean {
    const c = this.peek();
    if (c === 0x2c) {
      this.pos++;
      return true;
    }
    if (c === closer) return false;
    return this.fail(`expected ',' or '${String.fromCharCode(closer)}'`);
  }

  /**
   * Decodes the string at pos (on its opening quote) as UTF-8 into out, appending.
   * With `sanitize`, ' ', '\t', '|' and ':' become '_' (DefaultState::String's "string escape").
   */
  readStringBytes(out: ByteBuf, sanitize: boolean): void {
    const t = this.text;
    const e = this.end;
    let p = this.pos + 1;
    // Fast path: printable ASCII up to the closing quote, one byte per char (most names and values); anything
    // else (escapes, non-ASCII, a full buffer, the end of the range) continues in the general loop below.
    {
      const fb = out.bytes;
      const cap = fb.length;
      const map = sanitize ? SANITIZE : IDENTITY;
      let fn = out.len;
      while (p < e && fn < cap) {
        const c = t.charCodeAt(p);
        if (c === 0x22) {
          out.len = fn;
          this.pos = p + 1;
          return;
        }
        if (c >= 0x80 || c < 0x20 || c === 0x5c) break;
        fb[fn++] = map[c]!;
        p++;
      }
      out.len = fn;
    }
    out.ensure(64);
    let b = out.bytes;
    let n = out.len;
    for (;;) {
      if (p >= e) {
        this.pos = p;
        this.fail('unterminated string');
      }
      if (n + 4 > b.length) {
        out.len = n;
        out.ensure(64);
        b = out.bytes;
      }
      let c = t.charCodeAt(p++);
      if (c === 0x22) break;
      if (c === 0x5c) {
        const x = t.charCodeAt(p++);
        switch (x) {
          case 0x22: c = 0x22; break;
          case 0x5c: c = 0x5c; break;
          case 0x2f: c = 0x2f; break;
          case 0x62: c = 8; break;
          case 0x66: c = 12; break;
          case 0x6e: c = 10; break;
          case 0x72: c = 13; break;
          case 0x74: c = 9; break;
          case 0x75: {
            c = this.hex4(p);
            p += 4;
            if (c >= 0xd800 && c <= 0xdbff) {
              // RapidJSON requires a following \uDC00..\uDFFF escape.
              if (t.charCodeAt(p) !== 0x5c || t.charCodeAt(p + 1) !== 0x75) {
                this.pos = p;
                this.fail('invalid surrogate pair in string');
              }
              const d = this.hex4(p + 2);
              if (d < 0xdc00 || d > 0xdfff) {
                this.pos = p;
                this.fail('invalid surrogate pair in string');
              }
              p += 6;
              c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            } else if (c >= 0xdc00 && c <= 0xdfff) {
              this.pos = p;
              this.fail('invalid surrogate in string');
            }
            if (c === 0) out.sawNul = true;
            break;
          }
          default:
            this.pos = p - 1;
            this.fail('invalid escape in string');
        }
      } else if (c < 0x20) {
        this.pos = p - 1;
        this.fail('control character in string');
      } else if (c >= 0xd800 && c <= 0xdbff && p < e) {
        const d = t.charCodeAt(p);
        if (d >= 0xdc00 && d <= 0xdfff) {
          p++;
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        } else c = 0xfffd;
      } else if (c >= 0xd800 && c <= 0xdfff) {
        c = 0xfffd;
      }
      if (c < 0x80) {
        if (sanitize && (c === 0x20 || c === 0x09 || c === 0x7c || c === 0x3a)) c = 0x5f;
        b[n++] = c;
      } else if (c < 0x800) {
        b[n++] = 0xc0 | (c >> 6);
        b[n++] = 0x80 | (c & 63);
      } else if (c < 0x10000) {
        b[n++] = 0xe0 | (c >> 12);
        b[n++] = 0x80 | ((c >> 6) & 63);
        b[n++] = 0x80 | (c & 63);
      } else {
        b[n++] = 0xf0 | (c >> 18);
        b[n++] = 0x80 | ((c >> 12) & 63);
        b[n++] = 0x80 | ((c >> 6) & 63);
        b[n++] = 0x80 | (c & 63);
      }
    }
    out.len = n;
    this.pos = p;
  }

  private hex4(p: number): number {
    const t = this.text;
    let v = 0;
    for (let i = 0; i < 4; i++) {
      const c = t.charCodeAt(p + i);
      const h = c < 128 ? HEX[c]! : -1;
      if (h < 0) {
        this.pos = p;
        this.fail('invalid \\u escape');
      }
      v = (v << 4) | h;
    }
    return v;
  }

  /** The JS string of the string token at pos (for names and tags); advances past it. */
  readString(): string {
    const t = this.text;
    const start = this.pos;
    let p = start + 1;
    const e = this.end;
    while (p < e) {
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return t.slice(start + 1, p);
      }
      if (c === 0x5c || c < 0x20) break;
      p++;
    }
    // Escapes: validate with the byte decoder, then let JSON.parse produce the JS string.
    const scratch = new ByteBuf();
    this.readStringBytes(scratch, false);
    return JSON.parse(t.slice(start, this.pos)) as string;
  }

  /** Skips the string token at pos. */
  skipString(): void {
    const t = this.text;
    let p = this.pos + 1;
    const e = this.end;
    while (p < e) {
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        this.pos = p + 1;
        return;
      }
      if (c === 0x5c) p++;
      p++;
    }
    this.pos = p;
    this.fail('unterminated string');
  }

  /**
   * Reads a JSON number as RapidJSON does (double; integers exactly). The caller narrows to float32,
   * like the handler's static_cast<float> (parse_example_json.cc VWReaderHandler).
   */
  readNumber(): number {
    const t = this.text;
    const start = this.pos;
    const e = this.end;
    let p = start;
    let neg = false;
    let c = t.charCodeAt(p);
    if (c === 0x2d) {
      neg = true;
      c = t.charCodeAt(++p);
    }
    let mant = 0;
    let digits = 0;
    let frac = 0;
    if (c === 0x30) {
      p++;
    } else if (c >= 0x31 && c <= 0x39) {
      while (p < e) {
        c = t.charCodeAt(p);
        if (c < 0x30 || c > 0x39) break;
        mant = mant * 10 + (c - 0x30);
        digits++;
        p++;
      }
    } else {
      this.pos = p;
      this.fail('invalid number');
    }
    let simple = true;
    if (p < e && t.charCodeAt(p) === 0x2e) {
      p++;
      const fs = p;
      while (p < e) {
        c = t.charCodeAt(p);
        if (c < 0x30 || c > 0x39) break;
        mant = mant * 10 + (c - 0x30);
        digits++;
        p++;
      }
      frac = p - fs;
      if (frac === 0) {
        this.pos = p;
        this.fail('invalid number');
      }
    }
    if (p < e) {
      c = t.charCodeAt(p);
      if (c === 0x65 || c === 0x45) {
        simple = false;
        p++;
        c = t.charCodeAt(p);
        if (c === 0x2b || c === 0x2d) p++;
        const es = p;
        while (p < e) {
          c = t.charCodeAt(p);
          if (c < 0x30 || c > 0x39) break;
          p++;
        }
        if (p === es) {
          this.pos = p;
          this.fail('invalid number');
        }
      }
    }
    this.pos = p;
    // Fast path (exact: an integer below 2^53 divided by an exact power of ten rounds once).
    if (simple && digits <= 15 && frac <= 22) {
      const v = frac === 0 ? mant : mant / POW10[frac]!;
      return neg ? -v : v;
    }
    return Number(t.slice(start, p));
  }

  /** Expects the literal at pos (true/false/null). */
  literal(word: string): void {
    if (!this.text.startsWith(word, this.pos) || this.pos + word.length > this.end) this.fail('invalid literal');
    this.pos += word.length;
  }

  /**
   * Skips the value of an ignored `_` key the way VW's DefaultState::Ignore does: scan to the ',' '}' or ']'
   * that ends it, tracking {} and [] depth and skipping strings; the skipped text is not validated.
   */
  skipIgnored(): void {
    const t = this.text;
    const e = this.end;
    let p = this.pos;
    let depth = 0;
    let sq = 0;
    while (p < e) {
      const c = t.charCodeAt(p);
      if (c === 0x22) {
        p++;
        while (p < e) {
          const d = t.charCodeAt(p);
          if (d === 0x5c) p++;
          else if (d === 0x22) break;
          p++;
        }
        if (p >= e) break;
      } else if (c === 0x7b) depth++;
      else if (c === 0x5b) sq++;
      else if (c === 0x7d) {
        if (depth === 0 && sq === 0) {
          this.pos = p;
          return;
        }
        depth--;
      } else if (c === 0x5d) {
        if (depth === 0 && sq === 0) {
          this.pos = p;
          return;
        }
        sq--;
      } else if (c === 0x2c) {
        if (depth === 0 && sq === 0) {
          this.pos = p;
          return;
        }
      }
      p++;
    }
    this.pos = p;
    this.fail('unexpected end while skipping an ignored value');
  }

  /** Skips one well-formed JSON value (used for reserved keys whose value is not a feature). */
  skipValue(): void {
    const c = this.peek();
    if (c === 0x22) return this.skipString();
    if (c === 0x7b || c === 0x5b) {
      const closer = c === 0x7b ? 0x7d : 0x5d;
      this.pos++;
      if (this.peek() === closer) {
        this.pos++;
        return;
      }
      do {
        if (c === 0x7b) {
          if (this.peek() !== 0x22) this.fail('expected a key');
          this.skipString();
          this.expect(0x3a);
        }
        this.skipValue();
      } while (this.more(closer));
      this.pos++;
      return;
    }
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    this.readNumber();
  }
}
