// Slow clients and connection floods (settings/limits.ts), against a real server with short time-outs: a body
// or headers sent a byte at a time are cut with a 408 in Azure's shape, idle keep-alive connections are closed,
// and connections beyond MaxConnections are closed at once while those already open keep working.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { parseAnswer, received } from './raw_http.js';
import { startServerProcess, type ServerProcess } from './test_server.js';
import { waitFor } from '../testing/wait.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ args: ['HeadersTimeout=1', 'RequestTimeout=2', 'KeepAliveTimeout=1'] });
});
after(async () => {
  await server.stop();
});

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes `text` one byte every `ms` until the socket closes; resolves with what came back and the time taken. */
async function trickle(text: string, ms: number): Promise<{ answer: ReturnType<typeof parseAnswer>; seconds: number }> {
  const started = Date.now();
  const socket = await open(server.port);
  const done = received(socket);
  let i = 0;
  const timer = setInterval(() => {
    if (i < text.length && !socket.destroyed) socket.write(text[i++]!);
  }, ms);
  const raw = await done;
  clearInterval(timer);
  return { answer: parseAnswer(raw), seconds: (Date.now() - started) / 1000 };
}

function assertTimedOut(answer: ReturnType<typeof parseAnswer>): void {
  assert.equal(answer.status, 408, answer.raw);
  assert.deepEqual(answer.json, { error: { code: 'RequestTimeout', message: 'The request was not received in time.' } });
  assert.equal(answer.headers['connection'], 'close');
}

test('a body sent a byte at a time is cut at RequestTimeout with a 408', { timeout: 600_000 }, async () => {
  const head = `POST /personalizer/v1.0/rank HTTP/1.1\r\nHost: x\r\nOcp-Apim-Subscription-Key: ${server.key}\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n`;
  const socket = await open(server.port);
  const started = Date.now();
  const done = received(socket);
  socket.write(head);
  const timer = setInterval(() => socket.destroyed || socket.write('x'), 100);
  const raw = await done;
  clearInterval(timer);
  const seconds = (Date.now() - started) / 1000;
  assertTimedOut(parseAnswer(raw));
  assert.ok(seconds >= 1.9 && seconds < 4, `cut after ${seconds} s`);
});

test('headers sent a byte at a time are cut at HeadersTimeout with a 408', { timeout: 600_000 }, async () => {
  const { answer, seconds } = await trickle(`GET /ready HTTP/1.1\r\nHost: x\r\nX-Slow: ${'y'.repeat(100)}\r\n\r\n`, 50);
  assertTimedOut(answer);
  assert.ok(seconds >= 0.9 && seconds < 2.5, `cut after ${seconds} s`);
});

test('an idle keep-alive connection is closed after KeepAliveTimeout', { timeout: 600_000 }, async () => {
  const socket = await open(server.port);
  const started = Date.now();
  const done = received(socket);
  socket.write('GET /ready HTTP/1.1\r\nHost: x\r\n\r\n');
  const raw = await done;
  const seconds = (Date.now() - started) / 1000;
  assert.equal(parseAnswer(raw).status, 200);
  assert.ok(seconds >= 0.9 && seconds < 2.5, `closed after ${seconds} s`);
});

/** One request on an open keep-alive socket; resolves with the status. */
function ask(socket: Socket): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (c: Buffer): void => {
      text += c.toString();
      const answer = parseAnswer(text);
      if (answer.status > 0 && answer.body.length >= Number(answer.headers['content-length'] ?? 0) && text.includes('\r\n\r\n')) {
        socket.off('data', onData);
        resolve(answer.status);
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error('closed')));
    socket.write('GET /ContainerLiveness HTTP/1.1\r\nHost: x\r\n\r\n');
  });
}

test('connections beyond MaxConnections are closed at once; the open ones keep working', { timeout: 600_000 }, async () => {
  const capped = await startServerProcess({ args: ['MaxConnections=3', 'KeepAliveTimeout=30'] });
  try {
    // The helper's readiness probe may still hold a keep-alive connection: open until the cap refuses one.
    const held: Socket[] = [];
    let refused: string | undefined;
    for (let i = 0; i < 5 && refused === undefined; i++) {
      const socket = await open(capped.port);
      const closed = received(socket);
      const outcome = await Promise.race([ask(socket).catch(() => 0), closed.then(() => -1)]);
      if (outcome === 200) held.push(socket);
      else refused = await closed;
    }
    assert.ok(refused !== undefined, 'a connection beyond the cap was closed');
    assert.ok(held.length >= 1 && held.length <= 3, String(held.length));
    assert.equal(refused, '', 'no answer on a refused connection');
    // Those already open still work.
    for (const socket of held) assert.equal(await ask(socket), 200);
    // Once one closes, a new connection is served again.
    const closing = received(held[0]!);
    held.shift()!.destroy();
    await closing;
    // The server counts the closed connection out when it sees the close: until then a new one is still refused.
    const fresh = await waitFor('a new connection served', async () => {
      const socket = await open(capped.port);
      if ((await ask(socket).catch(() => 0)) === 200) return socket;
      socket.destroy();
      return undefined;
    });
    for (const socket of [...held, fresh]) socket.destroy();
    assert.match(capped.stdout(), /connections refused: MaxConnections reached/);
  } finally {
    await capped.stop();
  }
});
