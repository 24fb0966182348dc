// The request generator of the fuzz suite: from one valid request per API operation, seeded mutations of its
// body (types, sizes, nesting, huge and NaN-like numbers, unicode, invalid UTF-8, duplicate keys, truncation),
// headers (key, content type and encoding, content length, odd headers), path (version, encoded and overlong
// ids, dot segments, query) and method. The same seed gives the same requests, so a failure is reproduced by
// its seed alone (FUZZ_SEED).
import { gzipSync } from 'node:zlib';

/** A small, fast, seeded PRNG (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** One API operation as the OpenAPI document lists it, with a valid request to start from. */
export interface Operation {
  method: string;
  /** The documented path, `{param}` placeholders included. */
  path: string;
  /** A valid body (JSON value), or raw bytes for the octet-stream operations; undefined: no body. */
  body?: () => unknown;
  /** Content type of the valid request (default application/json when there is a body). */
  contentType?: string;
}

/** A request ready to send: `raw` requests go over their own socket, byte for byte. */
export interface FuzzRequest {
  op: string;
  kind: string;
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sent over a raw socket (malformed framing node's client would refuse to send). */
  raw?: Buffer;
}

const PATH_VERSIONS = ['v1.0', 'v1.1-preview.1', 'v1.1-preview.2', 'v1.1-preview.3'];
const QUERY = 'api-version=2022-09-01-preview';
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'get'];

const ODD_VALUES: (() => unknown)[] = [
  () => null,
  () => true,
  () => 0,
  () => -1,
  () => 1.7976931348623157e308,
  () => -1e-320,
  () => 2 ** 53 + 1,
  () => 'NaN',
  () => 'Infinity',
  () => '-Infinity',
  () => '1e999',
  () => '',
  () => ' ',
  () => '\u0000',
  () => '\ud800',
  () => '😀'.repeat(50),
  () => 'é\u0301\u200b\ufeff',
  () => 'x'.repeat(5000),
  () => [],
  () => {},
  () => [[[[[]]]]],
  () => ({ __proto__: { polluted: 1 }, constructor: { prototype: { x: 1 } } }),
  () => '2024-02-30T25:61:61Z',
  () => 'P9999999999999999999Y',
  () => '../../etc/passwd',
  () => '<script>alert(1)</script>',
  () => Array.from({ length: 100 }, (_, i) => ({ id: `a${i}`, features: [{ f: i }] })),
];

/** Raw JSON spellings JSON.stringify cannot produce. */
const ODD_LITERALS = ['NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '1e-400', '00012', '0x10', '.5', '+1', '1.', 'undefined', '"\\ud800"', '"\\u0000"', '123456789012345678901234567890'];

function randomValue(rng: Rng): unknown {
  return rng.pick(ODD_VALUES)();
}

/** Paths to every node of a JSON value. */
function nodes(value: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (out.length > 400) return out;
  if (Array.isArray(value)) value.forEach((v, i) => nodes(v, [...at, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) nodes(v, [...at, k], out);
  return out;
}

function setAt(root: unknown, at: (string | number)[], value: unknown): unknown {
  if (at.length === 0) return value;
  let cur = root as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[at[at.length - 1]!] = value;
  return root;
}

function deleteAt(root: unknown, at: (string | number)[]): unknown {
  if (at.length === 0) return undefined;
  let cur = root as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  const last = at[at.length - 1]!;
  if (Array.isArray(cur)) cur.splice(Number(last), 1);
  else delete cur[last];
  return root;
}

function deep(depth: number, open: string, close: string, inner = '1'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

/** Body mutations: returns the bytes to send. */
function mutateBody(rng: Rng, valid: unknown): { kind: string; bytes: Buffer } {
  const clone = (): unknown => (valid === undefined ? {} : structuredClone(valid));
  const k = rng.int(14);
  switch (k) {
    case 0: {
      const v = clone();
      const at = rng.pick(nodes(v));
      return { kind: 'body:type', bytes: Buffer.from(JSON.stringify(setAt(v, at, randomValue(rng))) ?? 'null') };
    }
    case 1: {
      const v = clone();
      const at = rng.pick(nodes(v));
      return { kind: 'body:delete', bytes: Buffer.from(JSON.stringify(deleteAt(v, at) ?? null)) };
    }
    case 2: {
      const v = clone();
      const objects = nodes(v).filter((at) => {
        let cur: unknown = v;
        for (const key of at) cur = (cur as Record<string | number, unknown>)[key];
        return cur !== null && typeof cur === 'object' && !Array.isArray(cur);
      });
      const at = objects.length ? rng.pick(objects) : [];
      let cur = v as Record<string, unknown>;
      for (const key of at) cur = cur[key] as Record<string, unknown>;
      if (cur && typeof cur === 'object') cur[rng.pick(['extra', 'value', 'eventId', '__proto__', 'constructor', '', 'x'.repeat(300)])] = randomValue(rng);
      return { kind: 'body:add', bytes: Buffer.from(JSON.stringify(v)) };
    }
    case 3: {
      // A raw literal JSON.stringify never writes, in place of a value.
      const text = JSON.stringify(clone());
      const spots = [...text.matchAll(/:(-?\d[\d.e+-]*|"[^"]*"|true|false|null)/g)];
      if (spots.length === 0) return { kind: 'body:literal', bytes: Buffer.from(rng.pick(ODD_LITERALS)) };
      const m = rng.pick(spots);
      const at = m.index! + 1;
      return { kind: 'body:literal', bytes: Buffer.from(text.slice(0, at) + rng.pick(ODD_LITERALS) + text.slice(at + m[1]!.length)) };
    }
    case 4: {
      // Duplicate keys: the first key of an object written twice, the second value odd.
      const text = JSON.stringify(clone());
      const m = /\{"([^"]+)":/.exec(text);
      if (!m) return { kind: 'body:duplicate', bytes: Buffer.from('{"a":1,"a":2}') };
      const dup = `{"${m[1]}":${JSON.stringify(randomValue(rng)) ?? 'null'},`;
      return { kind: 'body:duplicate', bytes: Buffer.from(rng.chance(0.5) ? text.replace('{', dup) : text.slice(0, -1) + `,"${m[1]}":${JSON.stringify(randomValue(rng)) ?? 'null'}}`) };
    }
    case 5:
      return { kind: 'body:nesting', bytes: Buffer.from(rng.chance(0.5) ? deep(500 + rng.int(3000), '[', ']') : deep(500 + rng.int(2000), '{"a":', '}')) };
    case 6: {
      const text = Buffer.from(JSON.stringify(clone()));
      return { kind: 'body:truncated', bytes: text.subarray(0, rng.int(text.length)) };
    }
    case 7: {
      // Invalid UTF-8 inside a string, or a lone continuation / overlong encoding.
      const text = Buffer.from(JSON.stringify(clone()));
      const quote = text.indexOf(0x22, rng.int(text.length));
      const bad = rng.pick([[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]]);
      const at = quote < 0 ? text.length : quote + 1;
      return { kind: 'body:utf8', bytes: Buffer.concat([text.subarray(0, at), Buffer.from(bad), text.subarray(at)]) };
    }
    case 8: {
      // Size: the valid body padded with a long string or many keys, up to a few hundred KB.
      const v = clone();
      const pad = rng.chance(0.5) ? 'p'.repeat(1000 * (1 + rng.int(40))) : Object.fromEntries(Array.from({ length: 1 + rng.int(1000) }, (_, i) => [`k${i}`, i]));
      if (v && typeof v === 'object' && !Array.isArray(v)) (v as Record<string, unknown>)['pad'] = pad;
      return { kind: 'body:size', bytes: Buffer.from(JSON.stringify(v ?? pad)) };
    }
    case 9:
      return { kind: 'body:empty', bytes: Buffer.alloc(0) };
    case 10:
      return { kind: 'body:scalar', bytes: Buffer.from(rng.pick(['null', '0', '"x"', '[]', 'true', '{}', '[{}]', '"', '{', ']', ' \n\t '])) };
    case 11:
      return { kind: 'body:binary', bytes: Buffer.from(Array.from({ length: 1 + rng.int(2000) }, () => rng.int(256))) };
    case 12: {
      // A BOM, or UTF-16: what an editor on another platform might send.
      const text = JSON.stringify(clone());
      return { kind: 'body:encoding', bytes: rng.chance(0.5) ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]) : Buffer.from(text, 'utf16le') };
    }
    default: {
      const v = clone();
      const at = rng.pick(nodes(v));
      const big = rng.pick([() => 'ü'.repeat(5000), () => Array.from({ length: 500 }, (_, i) => i * 1e300), () => Array.from({ length: 300 }, () => ({ x: '\u{10FFFF}' }))])();
      return { kind: 'body:bigvalue', bytes: Buffer.from(JSON.stringify(setAt(v, at, big)) ?? 'null') };
    }
  }
}

/** The path prefixes one documented operation answers under (and a few it must not). */
function prefixes(docPath: string): { prefix: string; rest: string; query: boolean }[] {
  const m = /^\/personalizer\/(v1\.[^/]+)(\/.*)$/.exec(docPath);
  if (m) {
    const rest = m[2]!;
    const preview = m[1] !== 'v1.0';
    const paths = (preview ? PATH_VERSIONS.slice(1) : PATH_VERSIONS).map((v) => ({ prefix: `/personalizer/${v}`, rest, query: false }));
    return [...paths, { prefix: '/personalizer', rest, query: true }];
  }
  if (docPath.startsWith('/personalizer/')) return [{ prefix: '/personalizer', rest: docPath.slice('/personalizer'.length), query: true }];
  return [{ prefix: '', rest: docPath, query: false }];
}

const IDS = ['ev-1', 'x', 'a b', 'é', '😀', '%00', '..', '.', '%2F', '%2e%2e', '%ZZ', '%', 'a'.repeat(257), 'b'.repeat(5000), '-', '*', "'", '"', '\\', ';drop', '%C0%AF', '%ED%A0%80', '%FF'];

function fillPath(rng: Rng, rest: string, odd: boolean): string {
  return rest.replace(/\{[^}]+\}/g, () => (odd ? rng.pick(IDS) : `ev-${rng.int(1000)}`).replace(/[ é😀"\\]/gu, (c) => encodeURIComponent(c)));
}

function pathMutation(rng: Rng, target: string): { kind: string; target: string } {
  switch (rng.int(9)) {
    case 0:
      return { kind: 'path:slashes', target: target.replace('/personalizer', '//personalizer/') };
    case 1:
      return { kind: 'path:dots', target: target.replace(/\/([^/?]+)(\?|$)/, '/./$1/../$1$2') };
    case 2:
      return { kind: 'path:case', target: target.toUpperCase() };
    case 3:
      return { kind: 'path:encoded', target: target.replace(/[a-z]/, (c) => `%${c.charCodeAt(0).toString(16)}`) };
    case 4:
      return { kind: 'path:overlong', target: target + '/' + 'z'.repeat(1000 + rng.int(7000)) };
    case 5:
      return { kind: 'path:trailing', target: target.includes('?') ? target.replace('?', '/?') : target + '/' };
    case 6: {
      const q = rng.pick(['api-version=', 'api-version=2022-09-01-preview&api-version=2023-01-01', 'api-version=v1.0', `api-version=${'9'.repeat(300)}`, 'top=-1&skip=1e9&maxpagesize=NaN', 'signed=maybe', 'signed=true', 'startTime=x&endTime=y', 'filter=%27%27', 'subscription-key=abc', 'a[b][c]=1', '%ZZ=1']);
      return { kind: 'path:query', target: target + (target.includes('?') ? '&' : '?') + q };
    }
    case 7:
      return { kind: 'path:version', target: target.replace(/\/personalizer\/v1\.[^/]+/, rng.pick(['/personalizer/v9', '/personalizer/v1.1-preview.4', '/personalizer/V1.0', '/personalizer/v1.0.', '/personalizer'])) };
    default:
      return { kind: 'path:unknown', target: target + rng.pick(['/x', '.json', '%00', ';a=b', '#frag']) };
  }
}

export interface GeneratorOptions {
  key: string;
  port: number;
}

/** The n-th request for an operation (deterministic in the rng's state). */
export function generate(rng: Rng, op: Operation, o: GeneratorOptions): FuzzRequest {
  const choice = rng.pick(prefixes(op.path));
  const name = `${op.method.toUpperCase()} ${op.path}`;
  let method = op.method.toUpperCase();
  let kind = 'valid';
  let target = choice.prefix + fillPath(rng, choice.rest, false) + (choice.query ? `?${QUERY}` : '');
  const valid = op.body?.();
  let contentType: string | undefined = op.body ? (op.contentType ?? 'application/json') : undefined;
  let body: Buffer | undefined =
    valid === undefined ? undefined : Buffer.isBuffer(valid) ? valid : Buffer.from(JSON.stringify(valid));
  const headers: Record<string, string> = { 'ocp-apim-subscription-key': o.key };
  const r = rng.next();
  if (r < 0.1) {
    // unchanged
  } else if (r < 0.45) {
    const m = mutateBody(rng, Buffer.isBuffer(valid) ? undefined : valid);
    kind = m.kind;
    body = m.bytes;
    contentType ??= 'application/json';
  } else if (r < 0.6) {
    const h = rng.int(10);
    kind = `header:${['type', 'charset', 'gzip', 'encoding', 'key-missing', 'key-wrong', 'key-odd', 'accept', 'many', 'expect'][h]}`;
    if (h === 0) contentType = rng.pick(['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/vnd.api+json', 'text/json', '*/*', 'application/json, text/plain', ';;;']);
    else if (h === 1) contentType = rng.pick(['application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=', 'application/json;charset="utf-8"', 'application/json; charset=ebcdic', 'APPLICATION/JSON; CHARSET=UTF-8']);
    else if (h === 2) {
      // A gzip claim: a real gzip of the body, or plain bytes claiming to be gzip.
      headers['content-encoding'] = 'gzip';
      body = rng.chance(0.5) ? gzipSync(body ?? Buffer.from('{}')) : (body ?? Buffer.from('{}'));
      contentType ??= 'application/json';
    } else if (h === 3) headers['content-encoding'] = rng.pick(['deflate', 'br', 'identity', 'x-unknown', 'gzip, gzip', 'zstd']);
    else if (h === 4) delete headers['ocp-apim-subscription-key'];
    else if (h === 5) headers['ocp-apim-subscription-key'] = rng.pick(['', 'wrong', o.key.toUpperCase(), o.key + ' ', 'x'.repeat(4000), `${o.key},${o.key}`]);
    else if (h === 6) headers['ocp-apim-subscription-key'] = rng.pick(['\u00e9t\u00e9', '\t', o.key.slice(0, -1)]).replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');
    else if (h === 7) headers['accept'] = rng.pick(['text/html', 'application/xml', 'image/png', '*/*;q=0', 'application/json;q=0']);
    else if (h === 8) for (let i = 0; i < 50; i++) headers[`x-fuzz-${i}`] = 'v'.repeat(rng.int(200));
    else headers['expect'] = rng.pick(['100-continue', '200-ok']);
  } else if (r < 0.75) {
    const m = pathMutation(rng, choice.prefix + fillPath(rng, choice.rest, true) + (choice.query ? `?${QUERY}` : ''));
    kind = m.kind;
    target = m.target;
  } else if (r < 0.85) {
    kind = 'method';
    method = rng.pick(METHODS.filter((m) => m !== method));
    if (method === 'get') kind = 'method:lowercase';
  } else if (r < 0.93) {
    kind = 'key';
    if (rng.chance(0.5)) delete headers['ocp-apim-subscription-key'];
    else headers['ocp-apim-subscription-key'] = 'not-the-key';
  } else {
    return rawRequest(rng, name, method, target, headers, body, o);
  }
  if (contentType !== undefined && body !== undefined) headers['content-type'] = contentType;
  return { op: name, kind, method, target, headers, ...(body === undefined ? {} : { body }) };
}

/** Framing node's http client refuses to write: wrong Content-Length, both framings, bad header bytes, bad request lines. */
function rawRequest(rng: Rng, op: string, method: string, target: string, headers: Record<string, string>, body: Buffer | undefined, o: GeneratorOptions): FuzzRequest {
  const payload = body ?? Buffer.from('{}');
  const k = rng.int(9);
  const lines: string[] = [`host: 127.0.0.1:${o.port}`, 'connection: close', 'content-type: application/json'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  let head = `${method} ${target} HTTP/1.1`;
  let sent = payload;
  let kind = 'raw:';
  if (k === 0) {
    kind += 'length-short';
    lines.push(`content-length: ${Math.max(0, payload.length - 1 - rng.int(payload.length))}`);
  } else if (k === 1) {
    // Longer than sent: the client then closes its side, so the server sees the body end early.
    kind += 'length-long';
    lines.push(`content-length: ${payload.length + 1 + rng.int(1000)}`);
  } else if (k === 2) {
    kind += 'length-odd';
    lines.push(`content-length: ${rng.pick(['-1', 'abc', '1e3', '99999999999999999999', ' 10', '0x10', `${payload.length}, ${payload.length}`, `${payload.length}, 1`])}`);
  } else if (k === 3) {
    kind += 'length-and-chunked';
    lines.push(`content-length: ${payload.length}`, 'transfer-encoding: chunked');
    sent = Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]);
  } else if (k === 4) {
    kind += 'chunked-bad';
    lines.push('transfer-encoding: chunked');
    sent = Buffer.concat([Buffer.from(rng.pick(['zz\r\n', `${(payload.length + 50).toString(16)}\r\n`, 'ffffffffffffffff\r\n', '-1\r\n'])), payload]);
  } else if (k === 5) {
    kind += 'header-bytes';
    lines.push(`content-length: ${payload.length}`, rng.pick(['x-bad: a\x00b', 'x-utf8: \xff\xfe', 'no-colon-here', ' leading-space: x', 'x-obs: a\r\n  folded', `x-long: ${'h'.repeat(20_000)}`]));
  } else if (k === 6) {
    kind += 'request-line';
    head = rng.pick([`${method} ${target} HTTP/1.0`, `${method} ${target} HTTP/2.0`, `${method}  ${target} HTTP/1.1`, `${method} ${target}`, `${method} http://evil.example${target} HTTP/1.1`, `${method} * HTTP/1.1`, `${method} ${target}\x00 HTTP/1.1`, `${method} ${target.replace(/\//g, '\\')} HTTP/1.1`, `${method} /personalizer/v1.0/events/a b/reward HTTP/1.1`]);
    lines.push(`content-length: ${payload.length}`);
  } else if (k === 7) {
    kind += 'duplicate-headers';
    lines.push(`content-length: ${payload.length}`, `ocp-apim-subscription-key: ${o.key}`, 'content-type: text/plain', 'host: other');
  } else {
    kind += 'pipelined';
    lines.push(`content-length: ${payload.length}`);
    sent = Buffer.concat([payload, Buffer.from(`GET /personalizer/v1.0/configurations/service HTTP/1.1\r\nhost: x\r\nocp-apim-subscription-key: ${o.key}\r\n\r\n`)]);
  }
  const raw = Buffer.concat([Buffer.from(`${head}\r\n${lines.join('\r\n')}\r\n\r\n`, 'latin1'), sent]);
  return { op, kind, method, target, headers, raw };
}
