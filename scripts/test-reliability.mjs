#!/usr/bin/env node
// `npm run test:reliability`'s runner: the reliability suites (src/reliability/*.reliability.ts, compiled to
// dist/src/reliability/*.reliability.js), which `npm test` does not run (its runner takes only *.test.js): the
// fuzzing of every route, the kill -9 crash loop, the disk-full and damaged/foreign store files, two servers on
// one store, slow clients. Each starts real server processes and takes up to minutes; the whole run prints its
// time. Extra arguments go to `node --test`; a file filter: `npm run test:reliability -- fuzz`.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = join('dist', 'src', 'reliability');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const options = process.argv.slice(2).filter((a) => a.startsWith('-'));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.reliability.js'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()
  .map((f) => join(dir, f));
if (files.length === 0) {
  process.stderr.write(`no reliability suite in ${dir} matches ${JSON.stringify(filters)}\n`);
  process.exit(1);
}
const started = Date.now();
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...options, ...files], { stdio: 'inherit' });
process.stdout.write(`# reliability suites: ${files.length} files in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
process.exit(r.status ?? 1);
