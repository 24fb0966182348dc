// versions.ts: which version errors a request gets (docs/api-versions.md "Version errors").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiVersionError, versionMismatch } from './versions.js';

test('api-version: 2022-09-01-preview passes; missing, empty, another or repeated is refused', () => {
  assert.equal(apiVersionError('2022-09-01-preview'), undefined);
  // Repeated with the same value (a nextLink followed by a client that adds its own).
  assert.equal(apiVersionError(['2022-09-01-preview', '2022-09-01-preview']), undefined);
  assert.equal(apiVersionError(undefined)?.code, 'MissingApiVersionParameter');
  assert.equal(apiVersionError('')?.code, 'MissingApiVersionParameter');
  for (const v of ['2022-09-01', '2022-09-01-PREVIEW', 'v1.0', ['2022-09-01-preview', '2023-01-01'], []]) {
    const e = apiVersionError(v);
    assert.deepEqual([e?.status, e?.code], [400, 'UnsupportedApiVersionValue'], JSON.stringify(v));
    assert.match(e!.message, /'2022-09-01-preview'/);
  }
  // A long value is not echoed whole.
  assert.ok(apiVersionError('x'.repeat(10_000))!.message.length < 400);
});

test('paths: unknown version segments, preview-only operations under v1.0, and everything else', () => {
  for (const path of ['/personalizer/v9/rank', '/personalizer/v1.1/rank', '/personalizer/v1.1-preview.4/multislot/rank', '/personalizer/V1.0/rank', '/personalizer/v2']) {
    assert.deepEqual([versionMismatch(path)?.status, versionMismatch(path)?.code], [404, 'UnsupportedApiVersionValue'], path);
  }
  for (const path of ['/personalizer/v1.0/multislot/rank', '/personalizer/v1.0/multislot/events/x/reward', '/personalizer/v1.0/logs/interactions', '/personalizer/v1.0/featureImportances/x']) {
    const e = versionMismatch(path);
    assert.deepEqual([e?.status, e?.code], [404, 'ResourceNotFound'], path);
    assert.match(e!.message, /v1\.1-preview\.3/);
  }
  for (const path of ['/personalizer/v1.0/nothing', '/personalizer/v1.1-preview.3/nothing', '/personalizer/nothing', '/personalizer/', '/nothing', '/personalizer/videos']) {
    assert.equal(versionMismatch(path), undefined, path);
  }
});
