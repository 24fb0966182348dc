// Under REQUIRE_SERVICES=1 (set by .ci/run) a missing prerequisite is a failure, not a quiet skip: every test
// that reads ../shared, or needs PostgreSQL or root, fails then (fixtures.ts `needs`/`absent`, postgres.ts
// `freshPostgres`), and these two say at once which prerequisite is missing. Without it (a user's fresh clone)
// those tests skip, and `npm test` (scripts/test.mjs) says once at the start what is missing.
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
