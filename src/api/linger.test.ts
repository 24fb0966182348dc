// A body over BodyLimit is answered 413 and the rest of it is read and dropped for a bounded time and size
// (linger.ts), so that a client still sending reads its 413 instead of a connection reset.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { parseAnswer } from './raw_http.js';
import { startServerProcess, type ServerProcess } from './test_server.js';

let server: ServerProcess;
before(async () => {
  server = await startServerProcess({ args: ['BodyLimit=65536'] });
});
after(async () => {
  await server.stop();
});

interface Outcome {
  /** What was read before the connection ended. */
  text: string;
  /** The socket error, if the connection was reset. */
  error?: string;
}

/** Sends `total` bytes of body in 64 KB chunks as fast as the socket takes them, reading all the while. */
function send(total: number, chunked: boolean, close = false): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(server.port, '127.0.0.1');
    let text = '';
    let error: string | undefined;
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('close', () => resolve({ text, ...(error === undefined ? {} : { error }) }));
    const length = chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`;
    socket.write(
      `POST /personalizer/v1.0/rank HTTP/1.1\r\nHost: x\r\nOcp-Apim-Subscription-Key: ${server.key}\r\nContent-Type: application/json\r\n${close ? 'Connection: close\r\n' : ''}${length}\r\n\r\n`,
    );
    const chunk = Buffer.alloc(65_536, 'x');
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !socket.destroyed) {
        sent += chunk.length;
        const frame = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
        if (!socket.write(sent >= total && chunked ? Buffer.concat([frame, Buffer.from('0\r\n\r\n')]) : frame)) {
          socket.once('drain', pump);
          return;
        }
      }
      // All sent: the client is done; the server answers and may keep or close the connection.
      if (sent >= total) setTimeout(() => socket.end(), 200);
    };
    pump();
  });
}

function assertPayloadTooLarge(outcome: Outcome): void {
  const answer = parseAnswer(outcome.text);
  assert.equal(answer.status, 413, `read ${JSON.stringify(outcome.text.slice(0, 200))}, error ${outcome.error}`);
  assert.equal(answer.json?.error?.code, 'PayloadSizeExceeded', answer.body);
}

test('a body of several MB with Content-Length over BodyLimit: every client reads its whole 413', { timeout: 60_000 }, async () => {
  for (let round = 0; round < 3; round++) {
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => send(6 * 1024 * 1024, false)));
    for (const outcome of outcomes) assertPayloadTooLarge(outcome);
  }
});

test('the same from clients that ask to close the connection (Node clients without a keep-alive agent)', { timeout: 60_000 }, async () => {
  for (let round = 0; round < 3; round++) {
    const outcomes = await Promise.all(Array.from({ length: 8 }, (_, i) => send(6 * 1024 * 1024, i % 2 === 0, true)));
    for (const outcome of outcomes) assertPayloadTooLarge(outcome);
  }
});

test('the same with chunked transfer-encoding', { timeout: 60_000 }, async () => {
  for (let round = 0; round < 3; round++) {
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => send(6 * 1024 * 1024, true)));
    for (const outcome of outcomes) assertPayloadTooLarge(outcome);
  }
});

test('a body far beyond the drain bound is still answered 413, and the connection is then closed', { timeout: 60_000 }, async () => {
  const started = Date.now();
  const outcome = await send(512 * 1024 * 1024, false);
  assertPayloadTooLarge(outcome);
  // Cut by the server (the client was still sending), not read to the end.
  assert.ok(outcome.error !== undefined, 'the server cut the connection');
  assert.ok(Date.now() - started < 15_000, `closed after ${Date.now() - started} ms`);
});

test('after a drained oversized body the connection serves the next request', { timeout: 30_000 }, async () => {
  const socket = connect(server.port, '127.0.0.1');
  let text = '';
  socket.on('data', (c: Buffer) => (text += c.toString()));
  const body = Buffer.alloc(2 * 1024 * 1024, 'x');
  socket.write(
    `POST /personalizer/v1.0/rank HTTP/1.1\r\nHost: x\r\nOcp-Apim-Subscription-Key: ${server.key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body);
  socket.write('GET /ContainerLiveness HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  await new Promise((resolve) => socket.on('close', resolve));
  const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  assert.deepEqual(statuses, [413, 200], text);
});
