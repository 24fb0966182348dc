// Sends the fuzz suite's requests to a real server: the well-framed ones over a keep-alive agent, the malformed
// ones (raw) each over its own socket, byte for byte; and judges each answer: never a 5xx other than a documented
// 503/507, every 4xx with a body in Azure's error shape.
import http from 'node:http';
import { connect } from 'node:net';
import type { FuzzRequest } from './fuzz_requests.js';

export interface Answer {
  /** 0: the connection ended without an answer. */
  status: number;
  body: Buffer;
  contentType: string;
  error?: string;
}

const TIMEOUT_MS = 30_000;

export function sendOverAgent(agent: http.Agent, port: number, r: FuzzRequest): Promise<Answer> {
  return new Promise((resolve) => {
    let req: http.ClientRequest;
    try {
      req = http.request({ agent, host: '127.0.0.1', port, method: r.method, path: r.target, headers: { ...r.headers, ...(r.body ? { 'content-length': String(r.body.length) } : {}) } });
    } catch (e) {
      // Node's client refuses to write it (an invalid character): not sent, not counted.
      resolve({ status: -1, body: Buffer.alloc(0), contentType: '', error: (e as Error).message });
      return;
    }
    const timer = setTimeout(() => req.destroy(new Error('no answer within 30 s')), TIMEOUT_MS);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: String(res.headers['content-type'] ?? '') });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: '', error: e.message });
      });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      resolve({ status: 0, body: Buffer.alloc(0), contentType: '', error: (e as NodeJS.ErrnoException).code ?? e.message });
    });
    req.end(r.body);
  });
}

/** A raw request on its own connection; the first answer on it is the one judged. */
export function sendRaw(port: number, r: FuzzRequest): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const timer = setTimeout(() => {
      error = 'no answer within 30 s';
      socket.destroy();
    }, TIMEOUT_MS);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks);
      const end = text.indexOf('\r\n\r\n');
      const head = (end < 0 ? text : text.subarray(0, end)).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      const contentType = /\r\ncontent-type: *([^\r]*)/i.exec(head)?.[1] ?? '';
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? NaN);
      let body = end < 0 ? Buffer.alloc(0) : text.subarray(end + 4);
      if (Number.isInteger(length)) body = body.subarray(0, length);
      resolve({ status, body, contentType, ...(error === undefined ? {} : { error }) });
    });
    socket.write(r.raw!, () => {
      // A declared length longer than what was sent: say so by closing our side.
      if (r.kind === 'raw:length-long' || r.kind === 'raw:chunked-bad') socket.end();
    });
  });
}

/** What is wrong with an answer, or undefined when it is acceptable. */
export function judge(r: FuzzRequest, a: Answer): string | undefined {
  if (a.status === -1) return undefined;
  if (a.status === 0) {
    // Only a raw request the server may drop without an answer: the client closed its side mid-body.
    if (r.raw && (r.kind === 'raw:length-long' || r.kind === 'raw:chunked-bad')) return undefined;
    return `no answer (${a.error ?? 'connection closed'})`;
  }
  if (a.status >= 500 && a.status !== 503 && a.status !== 507) return `status ${a.status}: ${a.body.toString().slice(0, 300)}`;
  if (a.status >= 400 && r.method !== 'HEAD') {
    let json: any;
    try {
      json = JSON.parse(a.body.toString());
    } catch {
      return `status ${a.status} without a JSON body: ${JSON.stringify(a.body.toString().slice(0, 200))}`;
    }
    if (typeof json?.error?.code !== 'string' || typeof json?.error?.message !== 'string' || json.error.code === '')
      return `status ${a.status} not in Azure's error shape: ${a.body.toString().slice(0, 300)}`;
  }
  return undefined;
}

/** Resident set size of a process in bytes (Linux /proc). */
export async function rssBytes(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}
