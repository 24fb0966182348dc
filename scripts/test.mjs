#!/usr/bin/env node
// `npm test`'s runner: hands node's test runner the compiled test files by name. `node --test dist/` finds them on
// Node 20 only: from Node 21 a positional argument is a glob pattern, and a bare directory matches no test file.
// Naming the files works the same on Node 20, 22 and 24. Extra arguments go to `node --test` (e.g. a file filter
// is better done with `node --test dist/src/<path>.test.js` directly).
import { spawnSync } from 'node:child_process';
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
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
