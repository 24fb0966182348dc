#!/usr/bin/env node
// `npm run test:browser`: the dashboard in a real browser (src/browser/*.browser.ts, not part of `npm test`).
// Debian's `chromium` drives the pages through playwright-core; when /usr/bin/chromium is missing it is installed
// with apt (which needs root). Without it and without root the tests are skipped with one line saying why, except
// under REQUIRE_SERVICES=1 (CI), where that fails. Screenshots land in artifacts/screenshots/ (gitignored).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const required = process.env.REQUIRE_SERVICES === '1';

function skip(reason) {
  if (required) {
    process.stderr.write(`the browser tests cannot run: ${reason}\n`);
    process.exit(1);
  }
  process.stdout.write(`# skipped: the browser tests (${reason}; REQUIRE_SERVICES=1 makes this a failure)\n`);
  process.exit(0);
}

if (!existsSync(CHROMIUM)) {
  if (process.getuid?.() !== 0) skip(`${CHROMIUM} is missing and installing it with apt-get needs root`);
  process.stdout.write('# installing chromium with apt-get\n');
  const update = spawnSync('apt-get', ['update'], { stdio: 'inherit' });
  const install = update.status === 0 ? spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }) : update;
  if (install.status !== 0 || !existsSync(CHROMIUM)) skip('apt-get could not install chromium');
}

const dir = join('dist', 'src', 'browser');
const files = readdirSync(dir).filter((f) => f.endsWith('.browser.js')).sort().map((f) => join(dir, f));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...process.argv.slice(2), ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
