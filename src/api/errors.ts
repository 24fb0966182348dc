// Every error leaves in Azure's shape {"error":{"code","message"}} (ErrorResponse, docs/azure-api.md §3-§4), and no
// bad input may cause a 5xx: fastify's own errors (body parsing, size, media type, schema validation) are
// mapped to 4xx codes here; only a genuine fault becomes 500, and then without internals.
// Every error also carries the code in an `x-ms-error-code` header: 2022-09-01-preview declares it on every error
// response (Personalizer.json 2022-09-01-preview, each operation's `default` response), and one rule for every
// version costs nothing on the success path.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LoopError, StoreFullError, StoreUnavailableError } from '../loop/types.js';
import { setResponseHeaders } from './headers.js';
import { lingerAfterTooLarge } from './linger.js';
import { codeForStatus } from './status_codes.js';
import { versionMismatch } from './versions.js';

export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { error: { code, message } };
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).header('x-ms-error-code', code).type('application/json; charset=utf-8').send(errorBody(code, message));
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The Azure error code a schema-validation failure on this route is reported with (docs/azure-api.md §4). */
    invalidRequestCode?: string;
  }
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    // A full disk is 507; a store that cannot be reached (a database server down or cut off) is 503
    // ServiceUnavailable: nothing was written and the client may retry (RFC 9110 §15.6.4).
    if (error instanceof LoopError || error instanceof StoreFullError || error instanceof StoreUnavailableError) {
      return sendError(reply, error.status, error.code, error.message);
    }
    if (error.validation) {
      const code = request.routeOptions.config.invalidRequestCode ?? 'BadRequest';
      // fastify names the field, e.g. "body/actions/0 must have required property 'features'".
      return sendError(reply, 400, code, error.message);
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        lingerAfterTooLarge(request, reply);
        return sendError(reply, 413, 'PayloadSizeExceeded', `The request body is larger than the limit of ${request.routeOptions.bodyLimit} bytes.`);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        // 415 says what is wrong; the code stays within the spec's v1.0 enum.
        return sendError(reply, 415, 'BadRequest', 'Unsupported Content-Type: send the body as application/json.');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return sendError(reply, 400, 'BadRequest', 'The request body is not valid JSON.');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return sendError(reply, 400, 'BadRequest', 'The request body is empty.');
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // fastify's and @fastify/static's own client errors (bad Content-Length, aborted body, a forbidden static
      // path…): their messages carry no internals; the code follows the status.
      return sendError(reply, status, codeForStatus(status), error.message);
    }
    request.log.error({ err: error }, 'unexpected error');
    return sendError(reply, 500, 'InternalServerError', 'An internal error occurred; see the container log for the request id.');
  });

  app.setNotFoundHandler((request, reply) => {
    // The path only: the query may carry a key (redact.ts).
    const path = request.url.split('?')[0]!;
    const mismatch = versionMismatch(path);
    if (mismatch) return sendError(reply, mismatch.status, mismatch.code, mismatch.message);
    return sendError(reply, 404, 'ResourceNotFound', `No resource at ${request.method} ${path}.`);
  });
}

/**
 * Errors the router raises before any route or hook runs (a path segment that is not valid percent-encoding,
 * or longer than the router's limit): same shape, 400, no echo of the path.
 */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  // Raised before the onRequest hook, which sets these for every other answer; no route was chosen, so the
  // answer is treated as the API's (never cached).
  setResponseHeaders(request, reply, true);
  const message =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path parameter is too long.' : 'The URL is not valid (bad percent-encoding?).';
  sendError(reply, 400, 'BadRequest', message);
}

/**
 * Requests Node's HTTP parser rejects before fastify sees them (malformed request line or headers, headers too
 * large, a request that times out): answered on the raw socket, still in Azure's shape.
 */
export function clientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'The request was not received in time.']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'The request headers are too large.']
        : [400, 'Bad Request', 'The request is not valid HTTP.'];
  const code = codeForStatus(status);
  const body = JSON.stringify(errorBody(code, message));
  // No request reached fastify, so there is no request id yet: a fresh one, so that this answer carries the
  // header as every other does (headers.ts).
  // An answer already under way (its headers sent) cannot be replaced without corrupting it.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && inFlight?.headersSent !== true) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-ms-error-code: ${code}\r\nApim-Request-Id: ${randomUUID()}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * An `Expect` header other than `100-continue` (RFC 9110 §10.1.1: answer 417): Node answers it itself with an
 * empty 417 unless a 'checkExpectation' listener is there, so this one answers in Azure's shape instead, and
 * closes the connection, whose body (if any) is never read.
 */
export function expectationFailed(_request: IncomingMessage, response: ServerResponse): void {
  const code = codeForStatus(417);
  const body = JSON.stringify(errorBody(code, 'Only the expectation 100-continue is supported.'));
  response.writeHead(417, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-ms-error-code': code,
    'apim-request-id': randomUUID(),
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  response.end(body);
}
