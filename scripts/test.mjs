#!/usr/bin/env node
// `npm test`'s runner: hands node's test runner the compiled test files by name. `node --test dist/` finds them on
// Node 20 only: from Node 21 a positional argument is a glob pattern, and a bare directory matches no test file.
// Naming the files works the same on Node 20, 22 and 24. Extra arguments go to `node --test` (e.g. a file filter
// is better done with `node --test dist/src/<path>.test.js` directly). The reliability suites
// (src/reliability/*.reliability.ts) are not `.test.js` files, so they stay out: `npm run test:reliability` runs them.
// The end-to-end conformance suite also runs a second time with TEST_STORE=postgres, every server it starts on a
// fresh PostgreSQL database (conformance/harness.ts), so that the suite shows the PostgreSQL store passing it as
// the SQLite one does. That pass runs alongside the first (each is one test file at a time, and most of their time
// is spent waiting on servers and databases, so two share two cores well); its report is printed after the first's.
// Where no PostgreSQL server answers, it is skipped with one line saying why, except under REQUIRE_SERVICES=1, where
// it fails.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(path));
    else if (entry.name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const files = testFiles('dist').sort();

// What is missing is said here once; the tests that need it each skip with the same short reason (or, under
// REQUIRE_SERVICES=1, fail: src/testing/fixtures.ts `needs` and `absent`, src/testing/postgres.ts).
const { NO_SHARED, sharedDir } = await import('../dist/src/testing/fixtures.js');
const { postgresAvailable, NO_POSTGRES } = await import('../dist/src/testing/postgres.js');
const required = process.env.REQUIRE_SERVICES === '1';
const missing = [];
if (sharedDir() === undefined) missing.push(`${NO_SHARED}: the tests against VW's vectors and Azure's OpenAPI documents`);
const postgres = await postgresAvailable();
if (!postgres) missing.push(`${NO_POSTGRES}: the PostgreSQL store's tests and the conformance suite's second run`);
for (const m of missing) process.stdout.write(`# ${required ? 'REQUIRE_SERVICES=1, these fail' : 'these skip'}: ${m}\n`);

const args = ['--test', '--test-concurrency=1', ...process.argv.slice(2)];

/** Runs `node --test` on the files; resolves with its exit status and, when `capture`, its output. */
function run(files, env, capture) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...args, ...files], { stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit', env });
    const out = [];
    if (capture) {
      child.stdout.on('data', (b) => out.push(b));
      child.stderr.on('data', (b) => out.push(b));
    }
    child.on('close', (code, signal) => resolve({ status: code ?? (signal ? 1 : 0), output: Buffer.concat(out) }));
  });
}

const conformance = files.filter((f) => f.startsWith(join('dist', 'src', 'conformance') + '/'));
const onPostgres = postgres && conformance.length > 0 ? run(conformance, { ...process.env, TEST_STORE: 'postgres' }, true) : null;
const first = await run(files, process.env, false);

let second = 0;
if (conformance.length === 0) {
  // A tree without the conformance suite (a filtered copy): nothing to run again.
} else if (onPostgres) {
  const r = await onPostgres;
  process.stdout.write('\n# the conformance suite again, on PostgreSQL (TEST_STORE=postgres)\n');
  process.stdout.write(r.output);
  second = r.status;
} else if (required) {
  process.stderr.write(`the conformance suite on PostgreSQL cannot run: ${NO_POSTGRES}\n`);
  second = 1;
} else {
  process.stdout.write(`# skipped: the conformance suite on PostgreSQL (${NO_POSTGRES})\n`);
}
process.exit(first.status || second);
