// A listen failure names the setting at fault, through the real CLI: a Host that does not resolve or is not an
// address of this machine → Host; a Port already taken → Port. Exit 1, one stderr line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { cliEntry } from '../api/test_server.js';

function serve(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliEntry(), 'serve', 'Eula=accept', 'ApiKey=listen-key', 'Store=sqlite::memory:', ...args], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

function oneLine(stderr: string): string {
  const lines = stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, stderr);
  return lines[0]!;
}

for (const host of ['no-such-host.invalid', '192.0.2.1']) {
  // .invalid never resolves (RFC 6761); 192.0.2.1 is TEST-NET-1 (RFC 5737), never an address of this machine.
  test(`Host=${host} that cannot be listened on is refused as a Host error, not a Port one`, async () => {
    const { code, stderr } = await serve([`Host=${host}`, 'Port=0']);
    assert.equal(code, 1);
    const line = oneLine(stderr);
    assert.match(line, new RegExp(`^personalizer: refusing to start: Host: cannot listen on '${host.replace(/\./g, '\\.')}'`));
    assert.doesNotMatch(line, /Port/);
  });
}

test('a Port already taken is refused as a Port error', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const { code, stderr } = await serve(['Host=127.0.0.1', `Port=${port}`]);
    assert.equal(code, 1);
    assert.match(oneLine(stderr), new RegExp(`^personalizer: refusing to start: Port: cannot listen on 127\\.0\\.0\\.1:${port} \\(.*EADDRINUSE`));
  } finally {
    blocker.close();
  }
});
