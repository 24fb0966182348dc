// The REST-level client (@azure-rest/ai-personalizer 1.0.0-beta.1) as the conformance tests use it: created against
// a test server (plain HTTP on loopback, so allowInsecureConnection), its answers turned into HttpResults for the
// OpenAPI checks (openapi.ts), binary answers read whole. It is CommonJS: its default export is a property.
import personalizerRest from '@azure-rest/ai-personalizer';
import { AzureKeyCredential } from '@azure/core-auth';
import type { HttpResult, RunningServer } from './harness.js';

const { default: createPersonalizerClient } = personalizerRest;
export type RestClient = ReturnType<typeof createPersonalizerClient>;

/** The client with its default base path (v1.1-preview.3), or `baseUrl` (e.g. `${endpoint}/personalizer/v1.0`). */
export function restClient(server: Pick<RunningServer, 'endpoint' | 'key'>, o: { baseUrl?: string; key?: string } = {}): RestClient {
  return createPersonalizerClient(server.endpoint, new AzureKeyCredential(o.key ?? server.key), {
    allowInsecureConnection: true,
    ...(o.baseUrl !== undefined ? { baseUrl: o.baseUrl } : {}),
  });
}

/** A JSON (or empty) answer of the client as an HttpResult. */
export function fromRest(r: { status: string; headers: Record<string, string>; body: unknown }): HttpResult {
  const text = r.body === undefined || r.body === '' || r.body === null ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  const json = text === '' ? undefined : typeof r.body === 'string' ? safeParse(r.body) : r.body;
  return { status: Number(r.status), headers: new Headers(r.headers), text, bytes: new TextEncoder().encode(text), json };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A streamed answer (`.asNodeStream()`), read whole. */
export async function fromStream(r: { status: string; headers: Record<string, string>; body?: NodeJS.ReadableStream }): Promise<HttpResult> {
  const chunks: Buffer[] = [];
  if (r.body) for await (const c of r.body) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c as Uint8Array));
  const bytes = new Uint8Array(Buffer.concat(chunks));
  const text = new TextDecoder().decode(bytes);
  const json = (r.headers['content-type'] ?? '').includes('json') ? safeParse(text) : undefined;
  return { status: Number(r.status), headers: new Headers(r.headers), text, bytes, json };
}
