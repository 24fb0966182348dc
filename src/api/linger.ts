// Lingering close for a body over BodyLimit. fastify answers 413 as soon as the limit is passed and asks for the
// connection to be closed; closing a socket whose peer is still sending makes the kernel send a reset, which
// also discards the 413 not yet read by the client (RFC 9112 §9.6, "tear-down": a server should read and drop
// the rest of the request before closing). So the connection stays open, the rest of the body is read and
// dropped, and only a body that goes on past a bound of time or size gets the connection destroyed; by then
// the client has long had its answer to read. A body that ends in time leaves a usable keep-alive connection.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Bytes of an oversized body read and dropped after the 413 before the connection is cut. */
export const LINGER_BYTES = 16 * 1024 * 1024;
/** Time the rest of an oversized body is given after the 413 before the connection is cut. */
export const LINGER_MS = 5_000;

export function lingerAfterTooLarge(request: FastifyRequest, reply: FastifyReply): void {
  reply.removeHeader('connection');
  const req = request.raw;
  if (req.complete) return;
  const socket = req.socket;
  // This listener is the body's reader from now on (Node's own dump of an unread body pushes nothing to count).
  let dropped = 0;
  const cut = (): void => {
    stop();
    socket.destroy();
  };
  const count = (chunk: Buffer): void => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) cut();
  };
  const stop = (): void => {
    clearTimeout(timer);
    req.off('data', count);
  };
  const timer = setTimeout(cut, LINGER_MS);
  req.on('data', count);
  // When the answer is the connection's last (the client sent `Connection: close`), Node ends and destroys the
  // socket as soon as the answer is written (lib/_http_server.js, resOnFinish → socket.destroySoon), which resets
  // a client still sending. For this socket only, half-close instead: the 413 and a FIN go out, the body goes on
  // being read, and the socket is destroyed once the body has ended or the bound is hit.
  let last = false;
  const destroyWhenWritten = (): void => {
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
  };
  (socket as typeof socket & { destroySoon: () => void }).destroySoon = () => {
    last = true;
    socket.end();
    if (req.complete) destroyWhenWritten();
  };
  req.once('end', () => {
    stop();
    if (last) destroyWhenWritten();
  });
  req.once('close', stop);
}
