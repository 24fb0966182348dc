// LogMirror:Directory, LogMirror:MaxFileSize and Usage:FlushInterval (output_files.ts): defaults under
// Mounts:Output, environment spellings, and the values refused at start-up; and a mirror directory that cannot be
// written stops `serve` with one line naming the setting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cliEntry } from '../api/test_server.js';
import { parseSettings } from './index.js';
import { refusal } from './settings.fixtures.js';

const base = ['Eula=accept', 'ApiKey=k1'];

test('without Mounts:Output or LogMirror:Directory there is no mirror nor ledger; with Mounts:Output both lie under it', () => {
  const none = parseSettings(base, {});
  assert.equal(none.logMirrorDirectory, undefined);
  assert.equal(none.usageDirectory, undefined);
  assert.equal(none.logMirrorMaxFileBytes, 100 * 1024 * 1024);
  assert.equal(none.usageFlushMs, 60_000);
  const out = parseSettings([...base, 'Mounts:Output=/o'], {});
  assert.equal(out.logMirrorDirectory, path.join('/o', 'logmirror'));
  assert.equal(out.usageDirectory, path.join('/o', 'usage'));
  const own = parseSettings([...base, 'Mounts:Output=/o', 'LogMirror:Directory=/m', 'LogMirror:MaxFileSize=0.5'], { Usage__FlushInterval: '5' });
  assert.equal(own.logMirrorDirectory, '/m');
  assert.equal(own.logMirrorMaxFileBytes, 512 * 1024);
  assert.equal(own.usageFlushMs, 5000);
  assert.equal(parseSettings([...base], { LogMirror__Directory: '/e' }).logMirrorDirectory, '/e');
});

test('values outside their domain are refused, naming the setting', () => {
  for (const v of ['0', '-1', 'abc', 'Infinity', '200000', '1e-9']) {
    const e = refusal([...base, `LogMirror:MaxFileSize=${v}`]);
    assert.equal(e.setting, 'LogMirror:MaxFileSize', v);
    assert.match(e.message, /LogMirror:MaxFileSize must be a number of MB/);
  }
  for (const v of ['0', '3601', '1.5', '-5', 'x']) {
    const e = refusal([...base, `Usage:FlushInterval=${v}`]);
    assert.equal(e.setting, 'Usage:FlushInterval', v);
    assert.match(e.message, /between 1 and 3600/);
  }
});

test('a log mirror directory that cannot be created stops the start', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-mirror-dir-'));
  try {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, '');
    const target = path.join(file, 'mirror');
    const r = spawnSync(
      process.execPath,
      [cliEntry(), 'serve', 'Eula=accept', 'ApiKey=k', 'Host=127.0.0.1', 'Port=0', `Store=sqlite:${path.join(dir, 'p.db')}`, `LogMirror:Directory=${target}`],
      { encoding: 'utf8', timeout: 15_000, killSignal: 'SIGKILL' },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, `personalizer: refusing to start: LogMirror:Directory: cannot write ${target} (ENOTDIR)\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
