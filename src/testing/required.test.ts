// Under REQUIRE_SERVICES=1 (set by .ci/run) a missing prerequisite is a failure, not a quiet skip: the tests
// that read ../shared, or need PostgreSQL, skip one by one where it is absent (a user's fresh clone), so CI
// checks both here once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NO_SHARED, sharedDir, vectorsDir } from './fixtures.js';
import { NO_POSTGRES, postgresAvailable } from './postgres.js';

const required = process.env['REQUIRE_SERVICES'] === '1';

// Registered only under REQUIRE_SERVICES=1: elsewhere the tests that need ../shared say so themselves.
if (required) test('REQUIRE_SERVICES=1: the reference data ../shared is present', () => {
  const shared = sharedDir();
  assert.ok(shared !== undefined, NO_SHARED);
  assert.ok(vectorsDir() !== undefined, 'the VW vectors (../shared/vw-vectors) are absent');
  assert.ok(existsSync(join(shared, 'reference', 'azure-personalizer-openapi')), "Azure's OpenAPI documents are absent");
});

// The PostgreSQL store's tests and the conformance suite's second run need a server (testing/postgres.ts).
if (required) test('REQUIRE_SERVICES=1: a PostgreSQL server answers', async () => {
  assert.equal(await postgresAvailable(), true, NO_POSTGRES);
});
