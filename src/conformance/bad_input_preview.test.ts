// Bad input on the routes the preview versions add (client logs, 2022-09-01-preview's evaluations and feature
// importances, the api-version rules): always a 4xx in Azure's error shape with x-ms-error-code, never a 5xx, and
// nothing stored by a refused request.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { rawRequest } from '../api/raw_http.js';
import { Api, serverAvailable, serverEntry, show, startServer, tempDir, type HttpResult, type RunningServer } from './harness.js';
import { needs } from '../testing/fixtures.js';

const skip = needs(serverAvailable(), `server not built (${serverEntry()} missing): run tsc first`);
const V = 'api-version=2022-09-01-preview';

function refused(what: string, r: HttpResult, status: number | number[], codes?: string[]): void {
  const statuses = Array.isArray(status) ? status : [status];
  assert.ok(statuses.includes(r.status), `${what}: ${show(r)}`);
  assert.deepEqual(Object.keys(r.json ?? {}), ['error'], `${what}: ${show(r)}`);
  assert.equal(typeof r.json.error.message, 'string');
  if (codes) assert.ok(codes.includes(r.json.error.code), `${what}: code ${r.json.error.code}`);
  assert.equal(r.headers.get('x-ms-error-code'), r.json.error.code, `${what}: x-ms-error-code`);
}

describe('bad input on the preview routes: 4xx in Azure shape, never a 5xx', { skip }, () => {
  let server: RunningServer & { cleanup(): Promise<void> };
  let api: Api;
  let out: { dir: string; cleanup(): void };

  before(async () => {
    out = tempDir('personalizer-bad-preview-');
    server = await startServer({ args: [`Mounts:Output=${out.dir}`, 'BodyLimit=4096'] });
    api = new Api(`${server.url}/personalizer`, server.key);
  });
  after(async () => {
    await server?.stop();
    await server?.cleanup();
    out?.cleanup();
  });

  test('2022-09-01-preview evaluations and feature importances', async () => {
    const range = { startTime: '2000-01-01T00:00:00Z', endTime: '2100-01-01T00:00:00Z' };
    const cases: Array<[string, Promise<HttpResult>, number | number[], string[]?]> = [
      ['PUT evaluation, body not JSON', api.call('PUT', `/evaluations/a?${V}`, { raw: '{"name":', contentType: 'application/json' }), 400, ['BadRequest']],
      ['PUT evaluation, body an array', api.put(`/evaluations/a?${V}`, []), 400, ['InvalidEvaluationContract']],
      ['PUT evaluation, no name', api.put(`/evaluations/a?${V}`, { ...range, policies: [] }), 400, ['InvalidEvaluationContract']],
      ['PUT evaluation, name too long', api.put(`/evaluations/a?${V}`, { ...range, name: 'n'.repeat(257), policies: [] }), 400, ['InvalidEvaluationContract']],
      ['PUT evaluation, bad date', api.put(`/evaluations/a?${V}`, { name: 'x', startTime: 'yesterday', endTime: range.endTime, policies: [] }), 400, ['InvalidEvaluationContract']],
      ['PUT evaluation, bad policy', api.put(`/evaluations/a?${V}`, { name: 'x', ...range, policies: [{ name: 'p', arguments: '--bogus' }] }), 400, ['InvalidEvaluationContract']],
      ['PUT evaluation, id too long', api.put(`/evaluations/${'i'.repeat(257)}?${V}`, { name: 'x', ...range, policies: [] }), 400],
      ['PUT evaluation, reserved id', api.put(`/evaluations/${encodeURIComponent('~featureImportance:x')}?${V}`, { name: 'x', ...range, policies: [] }), 400, ['BadRequest']],
      ['PUT evaluation, v1.0 name of a field', api.put(`/evaluations/a?${V}`, { name: 'x', ...range, policies: [], enableOfflineExperimentation: true }), 400, ['InvalidEvaluationContract']],
      ['POST v1.0 evaluation, 2022 name of a field', new Api(`${server.url}/personalizer/v1.0`, server.key).post('/evaluations', { name: 'x', ...range, policies: [], enablePolicyOptimization: true }), 400, ['InvalidEvaluationContract']],
      ['PUT evaluation, text/plain', api.call('PUT', `/evaluations/a?${V}`, { raw: 'x', contentType: 'text/plain' }), 415],
      ['PUT evaluation, body over the limit', api.put(`/evaluations/a?${V}`, { name: 'x'.repeat(5000), ...range, policies: [] }), 413, ['PayloadSizeExceeded']],
      ['GET evaluation, no range', api.get(`/evaluations/a?${V}`), 400],
      ['GET evaluation, bad interval', api.get(`/evaluations/a?${V}&startTime=${range.startTime}&endTime=${range.endTime}&intervalInMinutes=-5`), 400, ['BadRequest']],
      ['GET evaluation, bad window', api.get(`/evaluations/a?${V}&startTime=${range.startTime}&endTime=${range.endTime}&window=Sideways`), 400, ['BadRequest']],
      ['GET evaluation, reversed range', api.get(`/evaluations/a?${V}&startTime=${range.endTime}&endTime=${range.startTime}`), [400, 404]],
      ['GET evaluations, top twice', api.get(`/evaluations?${V}&top=1&top=2`), 400, ['BadRequest']],
      ['GET evaluations, skip huge', api.get(`/evaluations?${V}&skip=99999999999`), 400, ['BadRequest']],
      ['GET evaluations, skip negative', api.get(`/evaluations?${V}&skip=-1`), 400, ['BadRequest']],
      ['GET evaluations, filter on an unknown field', api.get(`/evaluations?${V}&filter=${encodeURIComponent("owner eq 'me'")}`), 400, ['BadRequest']],
      ['GET evaluations, filter twice', api.get(`/evaluations?${V}&filter=a&filter=b`), 400, ['BadRequest']],
      ['DELETE evaluation unknown', api.delete(`/evaluations/none?${V}`), 404, ['EvaluationNotFound']],
      ['PUT feature importance, empty body', api.call('PUT', `/featureImportances/f?${V}`, { contentType: 'application/json' }), 400],
      ['PUT feature importance, wrong types', api.put(`/featureImportances/f?${V}`, { name: 1, startTime: 2, endTime: 3 }), 400, ['InvalidContract']],
      ['PUT feature importance, no logs', api.put(`/featureImportances/f?${V}`, { name: 'x', ...range }), 400, ['NoLogsExistInDateRange']],
      ['GET feature importance, id too long', api.get(`/featureImportances/${'f'.repeat(300)}?${V}`), 400],
      ['GET feature importances, maxpagesize 0', api.get(`/featureImportances?${V}&maxpagesize=0`), 400, ['BadRequest']],
      ['GET feature importances, top not a number', api.get(`/featureImportances?${V}&top=ten`), 400, ['BadRequest']],
      ['api-version twice, two values', api.get(`/featureImportances?${V}&api-version=2023-01-01`), 400, ['UnsupportedApiVersionValue']],
      ['api-version in another case', api.get('/featureImportances?api-version=2022-09-01-PREVIEW'), 400, ['UnsupportedApiVersionValue']],
    ];
    for (const [what, call, status, codes] of cases) refused(what, await call, status, codes);
    // Nothing was created.
    assert.deepEqual((await api.get(`/evaluations?${V}`)).json, { value: [] });
    assert.deepEqual((await api.get(`/featureImportances?${V}`)).json, { value: [] });
  });

  test('client logs: empty, JSON, over the limit, wrong type; nothing kept', async () => {
    const base = new Api(`${server.url}/personalizer/v1.1-preview.2`, server.key);
    refused('empty', await base.call('POST', '/logs/interactions', { raw: new Uint8Array(0), contentType: 'application/octet-stream' }), 400, ['InvalidRequest']);
    refused('JSON', await base.post('/logs/observations', { a: 1 }), 400, ['InvalidRequest']);
    refused('no content type', await base.call('POST', '/logs/observations', { raw: new Uint8Array([1]), contentType: null }), [400, 415]);
    refused('text', await base.call('POST', '/logs/interactions', { raw: 'abc', contentType: 'text/plain' }), 415);
    refused('over the limit', await base.call('POST', '/logs/interactions', { raw: new Uint8Array(5000), contentType: 'application/octet-stream' }), 413, ['PayloadSizeExceeded']);
    assert.deepEqual(readdirSync(out.dir).filter((f) => f === 'client-logs'), []);
  });

  test('without Mounts:Output the client logs are refused with 403 InvalidApiAccess, not accepted and lost', async () => {
    const bare = await startServer();
    try {
      const r = await new Api(`${bare.url}/personalizer/v1.1-preview.3`, bare.key).call('POST', '/logs/interactions', { raw: new Uint8Array([1, 2]), contentType: 'application/octet-stream' });
      refused('no output mount', r, 403, ['InvalidApiAccess']);
      assert.match(r.json.error.message, /Mounts:Output/);
    } finally {
      await bare.stop();
      await bare.cleanup();
    }
  });

  test('raw request targets: version segments and api-version spellings never reach a 5xx', async () => {
    for (const target of [
      '/personalizer/v1.1-preview.4/rank',
      '/personalizer/V1.0/rank',
      '/personalizer/v1.0/featureImportances',
      '/personalizer/rank?api-version',
      '/personalizer/rank?api-version=%FF',
      '/personalizer/rank?api-version[]=x',
      '/personalizer/evaluations/%2e%2e?api-version=2022-09-01-preview',
      '/personalizer//rank?api-version=2022-09-01-preview',
    ]) {
      const r = await rawRequest(server.port, 'POST', target, { headers: { 'ocp-apim-subscription-key': server.key }, body: { actions: [{ id: 'a', features: [] }] } });
      assert.ok(r.status >= 200 && r.status < 500, `${target}: ${r.status} ${r.body.slice(0, 200)}`);
      if (r.status >= 400) assert.equal(r.headers['x-ms-error-code'], r.json?.error?.code, target);
    }
    assert.equal((await api.get(`/configurations/service?${V}`)).status, 200);
  });
});
