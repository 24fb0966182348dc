// Feature hashing exactly as VW 9.10 does it.
// - uniformHash: MurmurHash3 x86 32-bit over UTF-8 bytes (vowpalwabbit/common/include/vw/common/hash.h).
// - hashString: VW's default `--hash strings` function (vowpalwabbit/core/include/vw/core/hashstring.h):
//   trim bytes <= 0x20, all-digit strings hash to their decimal value plus the seed, empty → seed.
// - `--hash all` uses uniformHash for everything (parse_args.cc "Feature" options).

/** Hash of a byte range [start, end) with a 32-bit seed; what the JSON featurizer calls for every name. */
export type HashFn = (bytes: Uint8Array, start: number, end: number, seed: number) => number;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function fmix(h: number, len: number): number {
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixBlock(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function mixTail(h: number, k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, C2);
  return h ^ k;
}

/** MurmurHash3_x86_32 of bytes[start, end) (VW::uniform_hash). */
export function murmurBytes(b: Uint8Array, start: number, end: number, seed: number): number {
  const len = end - start;
  let h = seed | 0;
  const blockEnd = start + (len & ~3);
  let i = start;
  for (; i < blockEnd; i += 4) {
    h = mixBlock(h, b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
  }
  const rest = len & 3;
  if (rest !== 0) {
    let k = 0;
    if (rest === 3) k ^= b[i + 2]! << 16;
    if (rest >= 2) k ^= b[i + 1]! << 8;
    k ^= b[i]!;
    h = mixTail(h, k);
  }
  return fmix(h, len);
}

/** MurmurHash3_x86_32 straight from an all-ASCII JS string (char codes are the UTF-8 bytes). */
function murmurAscii(s: string, seed: number): number {
  const len = s.length;
  let h = seed | 0;
  const blockEnd = len & ~3;
  let i = 0;
  for (; i < blockEnd; i += 4) {
    h = mixBlock(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24));
  }
  const rest = len & 3;
  if (rest !== 0) {
    let k = 0;
    if (rest === 3) k ^= s.charCodeAt(i + 2) << 16;
    if (rest >= 2) k ^= s.charCodeAt(i + 1) << 8;
    k ^= s.charCodeAt(i);
    h = mixTail(h, k);
  }
  return fmix(h, len);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

let scratch = new Uint8Array(256);

/**
 * Writes the UTF-8 encoding of s into `out` at `at` (lone surrogates become U+FFFD, as TextEncoder does).
 * The caller guarantees room for 3 bytes per UTF-16 unit. Returns the end offset.
 */
export function encodeUtf8Into(s: string, out: Uint8Array, at: number): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[at++] = c;
    } else if (c < 0x800) {
      out[at++] = 0xc0 | (c >> 6);
      out[at++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          out[at++] = 0xf0 | (c >> 18);
          out[at++] = 0x80 | ((c >> 12) & 63);
          out[at++] = 0x80 | ((c >> 6) & 63);
          out[at++] = 0x80 | (c & 63);
          continue;
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      out[at++] = 0xe0 | (c >> 12);
      out[at++] = 0x80 | ((c >> 6) & 63);
      out[at++] = 0x80 | (c & 63);
    }
  }
  return at;
}

function toScratch(s: string): number {
  if (scratch.length < s.length * 3) scratch = new Uint8Array(s.length * 3 + 64);
  return encodeUtf8Into(s, scratch, 0);
}

/** VW::uniform_hash (MurmurHash3 x86 32-bit) of a string's UTF-8 bytes or of raw bytes. */
export function uniformHash(input: Uint8Array | string, seed: number): number {
  if (typeof input !== 'string') return murmurBytes(input, 0, input.length, seed);
  if (isAscii(input)) return murmurAscii(input, seed);
  const n = toScratch(input);
  return murmurBytes(scratch, 0, n, seed);
}

/** VW hashstring over bytes[start, end): trim, all-digit shortcut, else murmur (hashstring.h). */
export function hashStringBytes(b: Uint8Array, start: number, end: number, seed: number): number {
  // Only ASCII space/control bytes are trimmed: VW tests `c <= 0x20` on a signed char.
  while (start < end && b[start]! <= 0x20) start++;
  while (end > start && b[end - 1]! <= 0x20) end--;
  let ret = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x39) return murmurBytes(b, start, end, seed);
    // VW accumulates in size_t and truncates to 32 bits at the end; mod 2^32 throughout is the same.
    ret = (Math.imul(ret, 10) + (c - 0x30)) >>> 0;
  }
  return (ret + (seed >>> 0)) >>> 0;
}

/** VW hashstring of a JS string (UTF-8) or bytes, e.g. a namespace name: hashString('User', 0). */
export function hashString(input: Uint8Array | string, seed: number): number {
  if (typeof input !== 'string') return hashStringBytes(input, 0, input.length, seed);
  const n = toScratch(input);
  return hashStringBytes(scratch, 0, n, seed);
}

/** `--hash all`: murmur over the untrimmed bytes (VW hashall). */
export const hashAllBytes: HashFn = murmurBytes;

/** The hash function VW's parser uses for the given `--hash` mode. */
export function featureHasher(hashAll: boolean): HashFn {
  return hashAll ? murmurBytes : hashStringBytes;
}
