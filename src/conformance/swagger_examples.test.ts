// Swagger UI's "Try it out" pre-fills each request from the generated OpenAPI document: a media type's `example`
// or `examples`, else a sample built from the schema (its `example`, else `default`, else a placeholder per type:
// "string", 0, true, one array item). Every pre-filled request must succeed as it is, so each operation of
// GET /swagger/json is sent here the way the page would send it, with the key, to a real server process.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAvailable, serverEntry, startServer, type RunningServer } from './harness.js';
import { needs } from '../testing/fixtures.js';

const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing): run tsc first`);

type Json = any;

/** What Swagger UI puts in the body editor for a schema (swagger-ui core/plugins/samples, sampleFromSchema). */
function sampleFromSchema(schema: Json, doc: Json, depth = 0): unknown {
  if (depth > 10) return undefined;
  if (schema.$ref) return sampleFromSchema(resolve(schema.$ref, doc), doc, depth + 1);
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
        if (v.readOnly) continue;
        out[k] = sampleFromSchema(v, doc, depth + 1);
      }
      return out;
    }
    case 'array':
      return [sampleFromSchema(schema.items ?? {}, doc, depth + 1)];
    case 'string':
      return schema.format === 'date-time' ? new Date().toISOString() : 'string';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return true;
    default:
      return undefined;
  }
}

function resolve(ref: string, doc: Json): Json {
  assert.match(ref, /^#\/components\/schemas\//, `unexpected $ref ${ref}`);
  const s = doc.components.schemas[ref.slice('#/components/schemas/'.length)];
  assert.ok(s, `unresolved $ref ${ref}`);
  return s;
}

/** The values Swagger UI pre-fills for a parameter: its example(s), else its schema's, else its default. */
function parameterValues(p: Json): unknown[] {
  if (p.example !== undefined) return [p.example];
  if (p.examples) return Object.values(p.examples as Record<string, { value: unknown }>).map((e) => e.value);
  const s = p.schema ?? {};
  if (s.example !== undefined) return [s.example];
  if (Array.isArray(s.examples) && s.examples.length > 0) return [s.examples[0]];
  if (s.default !== undefined) return [s.default];
  return [];
}

/** Every body the page can pre-fill for an operation: each named example, the media type's example, or the schema's sample. */
function bodies(op: Json, doc: Json): unknown[] {
  const media = op.requestBody?.content?.['application/json'];
  if (!media) return [undefined];
  if (media.examples) return Object.values(media.examples as Record<string, { value: unknown }>).map((e) => e.value);
  if (media.example !== undefined) return [media.example];
  return [sampleFromSchema(media.schema, doc)];
}

interface Sent {
  what: string;
  status: number;
  text: string;
}

/**
 * Operations whose pre-filled request needs data a new server does not have (an evaluation to read, delete or
 * apply from; joined events to evaluate): each must be refused for that reason alone, with this code.
 */
const NEEDS_DATA: Record<string, string> = {
  'POST /personalizer/v1.0/evaluations': 'NoLogsExistInDateRange',
  'GET /personalizer/v1.0/evaluations/{evaluationId}': 'EvaluationNotFound',
  'DELETE /personalizer/v1.0/evaluations/{evaluationId}': 'EvaluationNotFound',
  'POST /personalizer/v1.0/configurations/applyFromEvaluation': 'EvaluationNotFound',
  // A new loop was never in Apprentice mode.
  'GET /personalizer/v1.0/apprentice': 'ApprenticeModeNeverTurnedOn',
  // 2022-09-01-preview's own operations.
  'PUT /personalizer/evaluations/{evaluationId}': 'NoLogsExistInDateRange',
  'GET /personalizer/evaluations/{evaluationId}': 'EvaluationNotFound',
  'DELETE /personalizer/evaluations/{evaluationId}': 'EvaluationNotFound',
  'PUT /personalizer/featureImportances/{featureImportanceId}': 'NoLogsExistInDateRange',
  'GET /personalizer/featureImportances/{featureImportanceId}': 'FeatureImportanceNotFound',
  'DELETE /personalizer/featureImportances/{featureImportanceId}': 'FeatureImportanceNotFound',
  // Multi-slot operations on a loop that is not multi-slot.
  'POST /personalizer/v1.1-preview.3/multislot/rank': 'InvalidMultiSlotApiAccess',
  'POST /personalizer/v1.1-preview.3/multislot/events/{eventId}/reward': 'InvalidMultiSlotApiAccess',
  'POST /personalizer/v1.1-preview.3/multislot/events/{eventId}/activate': 'InvalidMultiSlotApiAccess',
  // The local-inference SDK's binary batches: the page has no JSON body to pre-fill.
  'POST /personalizer/v1.1-preview.3/logs/interactions': 'InvalidRequest',
  'POST /personalizer/v1.1-preview.3/logs/observations': 'InvalidRequest',
};

describe('every example of the generated OpenAPI document succeeds when sent as is', { skip }, () => {
  let server: RunningServer & { cleanup(): void };
  let doc: Json;

  before(async () => {
    server = await startServer();
    doc = await (await fetch(`${server.url}/swagger/json`)).json();
  });
  after(async () => {
    await server?.stop();
    server?.cleanup();
  });

  test('the pre-filled Rank body ranks (twice: it has no fixed eventId), and chooses a non-excluded action', async () => {
    const op = doc.paths['/personalizer/v1.0/rank'].post;
    const [body] = bodies(op, doc) as [Json];
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${server.url}/personalizer/v1.0/rank`, {
        method: 'POST',
        headers: { 'Ocp-Apim-Subscription-Key': server.key, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await r.json()) as Json;
      assert.equal(r.status, 201, JSON.stringify(json));
      assert.equal(json.ranking.length, body.actions.length);
      assert.ok(!(body.excludedActions ?? []).includes(json.rewardActionId));
    }
  });

  test('each operation, in the document\'s order, answers 2xx to its pre-filled request', async () => {
    const sent: Sent[] = [];
    for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, Json>>)) {
      for (const [method, op] of Object.entries(methods)) {
        let url = path;
        for (const p of (op.parameters ?? []) as Json[]) {
          if (p.in !== 'path') continue;
          const values = parameterValues(p);
          assert.ok(values.length > 0, `${method.toUpperCase()} ${path}: path parameter ${p.name} has no example to pre-fill`);
          url = url.replace(`{${p.name}}`, encodeURIComponent(String(values[0])));
        }
        // Query parameters the page pre-fills (2022-09-01-preview's api-version, an evaluation's time range).
        const query = new URLSearchParams();
        for (const p of (op.parameters ?? []) as Json[]) {
          if (p.in !== 'query') continue;
          const values = parameterValues(p);
          if (values.length > 0) query.set(p.name, String(values[0]));
          else assert.ok(!p.required, `${method.toUpperCase()} ${path}: required query parameter ${p.name} has no example to pre-fill`);
        }
        if ([...query.keys()].length > 0) url += `?${query}`;
        for (const body of bodies(op, doc)) {
          const headers: Record<string, string> = { 'Ocp-Apim-Subscription-Key': server.key };
          if (body !== undefined) headers['Content-Type'] = 'application/json';
          const r = await fetch(server.url + url, { method: method.toUpperCase(), headers, body: body === undefined ? undefined : JSON.stringify(body) });
          const text = (await r.text()).slice(0, 300);
          const needs = NEEDS_DATA[`${method.toUpperCase()} ${path}`];
          // Refused as expected: counted as answered.
          const status = needs !== undefined && r.status >= 400 && r.status < 500 && text.includes(`"code":"${needs}"`) ? 200 : r.status;
          sent.push({ what: `${method.toUpperCase()} ${url} ${body === undefined ? '' : JSON.stringify(body)}`, status, text });
        }
      }
    }
    // Every operation with a body was sent (Rank, Reward, both PUTs), and nothing failed.
    assert.ok(sent.filter((s) => s.what.includes('{')).length >= 4, sent.map((s) => s.what).join('\n'));
    const failed = sent.filter((s) => s.status < 200 || s.status > 299);
    assert.deepEqual(failed, []);
  });
});
