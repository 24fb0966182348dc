// buildServer: the fastify application, knowing the loop only through its Loop interface (docs/architecture.md).
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Loop } from '../loop/types.js';
import type { Settings } from '../settings/index.js';
import { isPublicRoute, keyChecker, sendUnauthorized } from './auth.js';
import { installBodyParsers } from './body_parsers.js';
import { containerRoutes } from './container.js';
import { clientError, expectationFailed, frameworkError, installErrorHandlers, sendError } from './errors.js';
import { setResponseHeaders } from './headers.js';
import { httpsOptions } from './tls.js';
import { installMetrics } from './metrics.js';
import { installOpenApi } from './openapi.js';
import { installUsageLedger } from './usage.js';
import { EVALUATION_SCHEMAS } from './evaluation_schemas.js';
import { SHARED_SCHEMAS } from './schemas.js';
import { V2022_SCHEMAS } from './v2022/schemas.js';
import { apiRoutes } from './routes.js';
import { quotas } from './quotas.js';
import { dashboardRoutes } from './dashboard/index.js';

export interface RegisteredRoute {
  method: string;
  url: string;
  public: boolean;
}

const ROUTES = new WeakMap<FastifyInstance, Array<{ method: string | string[]; url: string; config?: { public?: boolean } }>>();

/** Every route the application registered, as the router holds it (so a test can cover each one). */
export function registeredRoutes(app: FastifyInstance): RegisteredRoute[] {
  return (ROUTES.get(app) ?? []).flatMap((r) =>
    (Array.isArray(r.method) ? r.method : [r.method]).map((method) => ({ method, url: r.url, public: r.config?.public === true })),
  );
}

/** pino levels at which an `info` line is not written. */
const ABOVE_INFO = new Set(['warn', 'error', 'fatal', 'silent']);

export async function buildServer(settings: Settings, loop: Loop, logger?: FastifyBaseLogger): Promise<FastifyInstance> {
  const https = httpsOptions(settings);
  const app = Fastify({
    // With Tls:* set, the same application on an HTTPS server. Typed as the HTTP one: fastify's types tie the
    // server kind to the options, and nothing here uses what differs (an https.Server is an http.Server's subclass).
    ...((https ? { https } : {}) as object),
    ...(logger ? { loggerInstance: logger } : { logger: false }),
    bodyLimit: settings.bodyLimit,
    // Slow clients (settings/limits.ts): the whole request (headers and body) and the headers alone must arrive
    // in time, or the client gets a 408 (errors.ts's clientError) and the connection is closed; Node checks these
    // every connectionsCheckingInterval, so that is a fraction of the shorter one. A connection silent both ways
    // for twice the request time-out is closed too (a client that stops reading its answer).
    requestTimeout: settings.requestTimeoutMs,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    connectionTimeout: 2 * settings.requestTimeoutMs,
    http: {
      headersTimeout: settings.headersTimeoutMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(settings.headersTimeoutMs / 4))),
    },
    // The id is always ours (a UUID, as API Management's apim-request-id), never taken from a request header.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    // One log line per request, written in onResponse below, rather than fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // ASP.NET Core, behind the real service, ignores a trailing slash.
    // maxParamLength: eventIds of 256 characters (docs/azure-api.md §2.1) percent-encoded, up to 3 bytes each, so
    // that longer ones reach schema validation and get the operation's own error code.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
    // fastify's own 503 while closing is not in Azure's shape; the preClose/onRequest pair below answers instead.
    return503OnClosing: false,
    ajv: {
      customOptions: {
        // JSON bodies are taken as typed: no "0.5" → 0.5, and above all no null → 0 for a reward.
        coerceTypes: false,
        // Spec formats that only document a width.
        formats: { float: true, int32: true },
      },
    },
  });

  // A client may half-close its side once the request is sent; Node's default then aborts a request whose answer
  // is still being prepared (a rank waits for its group commit), so half-open sockets are kept until answered.
  (app.server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  // Connections beyond the cap are closed by Node as soon as they are accepted ('drop' event); those already open
  // are served. Logged at most once a minute, so that a flood does not flood the log too.
  app.server.maxConnections = settings.maxConnections;
  app.server.on('checkExpectation', expectationFailed);
  let lastDropLog = 0;
  let dropped = 0;
  app.server.on('drop', () => {
    dropped++;
    const now = Date.now();
    if (now - lastDropLog < 60_000) return;
    lastDropLog = now;
    app.log.warn({ maxConnections: settings.maxConnections, dropped }, 'connections refused: MaxConnections reached');
    dropped = 0;
  });

  // Kept by reference: a plugin's own onRoute hook (auth.ts's markRoutesPublic) runs after this one.
  const routes: NonNullable<ReturnType<typeof ROUTES.get>> = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });
  for (const schema of [...SHARED_SCHEMAS, ...EVALUATION_SCHEMAS, ...V2022_SCHEMAS]) app.addSchema(schema);
  installErrorHandlers(app);
  installBodyParsers(app);
  // During a graceful stop, requests arriving on still-open keep-alive connections are shed with 503 (the
  // request already in flight finish normally); a load balancer retries them elsewhere.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  const checkKey = keyChecker(settings.apiKey, settings.apiKey2);
  // After the key (a request without it is a 401 and counts against no key), before the body (quotas.ts).
  const limits = quotas({
    ...(settings.rateLimit === undefined ? {} : { rateLimit: settings.rateLimit, rateLimitBurst: settings.rateLimitBurst! }),
    maxRequestsInFlight: settings.maxRequestsInFlight,
    workers: settings.workers,
  });
  // One hook for everything a request needs on arrival (response headers, shedding while stopping, the key),
  // callback-style: each hook is a run per request on the hot routes, a promise one more.
  // fastify runs it after routing: the key is decided on the route that will answer (auth.ts), not on the URL.
  app.addHook('onRequest', (request, reply, done) => {
    const api = !isPublicRoute(request);
    setResponseHeaders(request, reply, api);
    if (closing) {
      reply.header('connection', 'close');
      sendError(reply, 503, 'ServiceUnavailable', 'The container is stopping.');
      return;
    }
    if (api) {
      const result = checkKey(request);
      if (result !== 'valid') {
        sendUnauthorized(reply, result);
        return;
      }
      if (!limits.admit(request, reply)) return;
    }
    done();
  });

  // One log line per request at Information and below; above, not even the hook (the level is fixed at start).
  if (logger && !ABOVE_INFO.has(logger.level)) {
    app.addHook('onResponse', (request, reply, done) => {
      request.log.info(
        { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 },
        'request completed',
      );
      done();
    });
  }

  const httpDuration = installMetrics(app, { loop, requireKey: settings.metricsRequireKey, quotas: limits });
  installUsageLedger(app, settings, (level, message) => app.log[level]({ component: 'usage' }, message));
  await installOpenApi(app);
  await app.register(containerRoutes, { loop, checkKey });
  await apiRoutes(app, { loop, settings });
  await app.register(dashboardRoutes, { loop, httpDuration });
  return app;
}
