// Azure's v1.0 OpenAPI (Swagger 2.0) document turned into JSON-Schema validators for responses, and the
// spec's own examples turned into requests. Used by openapi.test.ts.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { HttpResult } from './harness.js';

// ajv-formats is CommonJS with a default export; under NodeNext it arrives as the module namespace.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;

type Json = any;

export interface SpecOperation {
  operationId: string;
  method: string;
  /** Path template relative to basePath, e.g. `/events/{eventId}/reward`. */
  path: string;
  bodyParam?: string;
  pathParams: string[];
  /** status code ('200', '204', 'default') → JSON schema of the body, or null when the body is empty, 'file' for binary. */
  responses: Map<string, Json | null | 'file'>;
  /** status code → the response headers it declares (x-ms-error-code on 2022-09-01-preview's errors, Location…). */
  headers: Map<string, string[]>;
  produces: string[];
  examples: Record<string, string>;
}

export interface LoadedSpec {
  dir: string;
  doc: Json;
  operations: Map<string, SpecOperation>;
  validator(operationId: string, status: string): ValidateFunction | undefined;
  /** Check a real response against the operation's declared responses; returns problems (empty = conforms). */
  check(operationId: string, r: HttpResult): string[];
  example(operationId: string): Json | undefined;
}

/** Swagger 2.0 → JSON Schema (draft-07 as ajv reads it): drop vendor extensions, keep the rest. */
function translate(node: Json): Json {
  if (Array.isArray(node)) return node.map(translate);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k.startsWith('x-ms-') || k === 'x-nullable') continue;
    // `enum` on strings marked modelAsString is an open set (the SDKs treat codes as free strings; later API
    // versions add values), so it is not a constraint on the wire.
    if (k === 'enum' && (node as Json)['x-ms-enum']?.modelAsString) continue;
    out[k] = translate(v);
  }
  return out;
}

export function loadSpec(dir: string): LoadedSpec {
  return specFromDocument(JSON.parse(readFileSync(join(dir, 'Personalizer.json'), 'utf8')), dir);
}

/** The same checks for a document held in memory (openapi_2022.ts); `dir` is where its examples would be. */
export function specFromDocument(doc: Json, dir = ''): LoadedSpec {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'personalizer-v1.0', definitions: translate(doc.definitions) });

  const operations = new Map<string, SpecOperation>();
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      if (method === 'parameters') continue;
      const params: Json[] = [...(item.parameters ?? []), ...(op.parameters ?? [])];
      const responses = new Map<string, Json | null | 'file'>();
      const headers = new Map<string, string[]>();
      for (const [code, resp] of Object.entries<Json>(op.responses)) {
        headers.set(code, Object.keys(resp.headers ?? {}));
        const schema = resp.schema;
        if (!schema) responses.set(code, null);
        else if (schema.type === 'file') responses.set(code, 'file');
        else responses.set(code, schema);
      }
      const examples: Record<string, string> = {};
      for (const [name, ref] of Object.entries<Json>(op['x-ms-examples'] ?? {})) examples[name] = ref.$ref;
      operations.set(op.operationId, {
        operationId: op.operationId,
        method: method.toUpperCase(),
        path,
        bodyParam: params.find((p) => p.in === 'body')?.name,
        pathParams: params.filter((p) => p.in === 'path' && p.name !== 'Endpoint').map((p) => p.name),
        responses,
        headers,
        produces: op.produces ?? [],
        examples,
      });
    }
  }

  const cache = new Map<string, ValidateFunction | undefined>();
  const validator = (operationId: string, status: string): ValidateFunction | undefined => {
    const key = operationId + ' ' + status;
    if (cache.has(key)) return cache.get(key);
    const schema = operations.get(operationId)?.responses.get(status);
    let v: ValidateFunction | undefined;
    if (schema && schema !== 'file') {
      // Rewrite local refs to the registered document.
      const rewritten = JSON.parse(JSON.stringify(translate(schema)).replaceAll('"#/definitions/', '"personalizer-v1.0#/definitions/'));
      v = ajv.compile(rewritten);
    }
    cache.set(key, v);
    return v;
  };

  const check = (operationId: string, r: HttpResult): string[] => {
    const op = operations.get(operationId);
    if (!op) return [`unknown operation ${operationId}`];
    const problems: string[] = [];
    const code = String(r.status);
    const declared = op.responses.has(code) ? code : op.responses.has('default') && r.status >= 400 ? 'default' : undefined;
    if (!declared) {
      return [`${operationId}: status ${code} is not among the declared responses ${[...op.responses.keys()].join(', ')}; body ${r.text.slice(0, 300)}`];
    }
    const schema = op.responses.get(declared);
    for (const h of op.headers.get(declared) ?? []) {
      if (!r.headers.has(h)) problems.push(`${operationId} ${code}: the declared header ${h} is missing`);
    }
    const ct = r.headers.get('content-type') ?? '';
    if (schema === null) {
      if (r.bytes.length !== 0) problems.push(`${operationId} ${code}: expected an empty body, got ${r.bytes.length} bytes: ${r.text.slice(0, 200)}`);
    } else if (schema === 'file') {
      if (!op.produces.some((p) => ct.startsWith(p))) problems.push(`${operationId} ${code}: content-type ${ct}, spec produces ${op.produces.join(', ')}`);
    } else {
      if (!/^application\/json/.test(ct)) problems.push(`${operationId} ${code}: content-type ${ct} is not application/json`);
      if (r.json === undefined) problems.push(`${operationId} ${code}: body is not JSON: ${r.text.slice(0, 200)}`);
      else {
        const v = validator(operationId, declared)!;
        if (!v(r.json)) problems.push(`${operationId} ${code}: ${JSON.stringify(v.errors)} in ${r.text.slice(0, 300)}`);
      }
    }
    return problems;
  };

  const example = (operationId: string): Json | undefined => {
    const op = operations.get(operationId);
    const ref = op && Object.values(op.examples)[0];
    if (!ref) return undefined;
    return JSON.parse(readFileSync(join(dir, ref), 'utf8'));
  };

  return { dir, doc, operations, validator, check, example };
}

export function exampleFiles(dir: string): string[] {
  return readdirSync(join(dir, 'examples')).filter((f) => f.endsWith('.json'));
}
