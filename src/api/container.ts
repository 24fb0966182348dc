// The Cognitive Services container surface (docs/azure-api.md §7): a home page, /status (key check on demand),
// /ready (readiness probe: the loop is ready), /ContainerLiveness (liveness probe: the process answers). These
// routes are public (auth.ts): they answer without the key.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Loop } from '../loop/types.js';
import { PUBLIC, sendUnauthorized, type KeyCheck } from './auth.js';
import { sendError } from './errors.js';
import { ContainerStatus, ErrorResponse, ref } from './schemas.js';
import { productInfo } from './version.js';

export interface ContainerOptions {
  loop: Loop;
  checkKey: (request: FastifyRequest) => KeyCheck;
}

export async function containerRoutes(app: FastifyInstance, { loop, checkKey }: ContainerOptions): Promise<void> {
  const tags = ['Container'];

  app.get('/', { config: PUBLIC, schema: { hide: true } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return homePage();
  });

  // ContainerStatus (Personalizer.json v1.0 definitions). The key is checked only when one is sent, so that
  // an operator can both probe the container and verify a key with the same call.
  app.get('/status', {
    config: PUBLIC,
    schema: {
      tags, summary: 'Container status; verifies Ocp-Apim-Subscription-Key when it is sent.',
      security: [{}, { apim_key: [] }],
      response: { 200: { ...ref(ContainerStatus), description: 'Success' }, 401: { ...ref(ErrorResponse), description: 'Wrong key' } },
    },
  }, async (request, reply) => {
    const key = checkKey(request);
    if (key === 'invalid') return sendUnauthorized(reply, key);
    return {
      service: 'personalizer',
      apiStatus: 'Valid',
      apiStatusMessage: key === 'valid' ? 'Api Key is valid, no action needed.' : 'The container is running; send Ocp-Apim-Subscription-Key to verify a key.',
    };
  });

  app.get('/ready', {
    config: PUBLIC,
    schema: {
      tags, summary: 'Readiness probe: 200 when the learning loop is ready to rank, 503 otherwise.',
      response: { 200: { type: 'object', properties: { status: { type: 'string' } }, description: 'Ready' }, 503: { ...ref(ErrorResponse), description: 'Not ready' } },
    },
  }, async (_request, reply) => {
    const status = loop.status();
    if (status.storeWritable === false) {
      return sendError(reply, 503, 'ServiceUnavailable', "The store's disk is full: writes are refused until space is freed.");
    }
    if (!status.ready) return sendError(reply, 503, 'ServiceUnavailable', 'The learning loop is not ready yet.');
    return { status: 'ready' };
  });

  app.get('/ContainerLiveness', {
    config: PUBLIC,
    schema: {
      tags, summary: 'Liveness probe: 200 while the process serves HTTP.',
      response: { 200: { type: 'object', properties: { status: { type: 'string' } }, description: 'Alive' } },
    },
  }, async () => ({ status: 'alive' }));
}

function homePage(): string {
  const { name, version } = productInfo();
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${name} ${version}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5}code{background:#f3f3f3;padding:0 .2em}</style>
</head>
<body>
<h1>${name} <small>${version}</small></h1>
<p>A self-hosted container speaking the Azure AI Personalizer REST API <code>v1.0</code> at <code>/personalizer/v1.0</code>.
Requests carry the container's key in <code>Ocp-Apim-Subscription-Key</code>.</p>
<ul>
<li><a href="/dashboard">Dashboard</a>: the loop learning, its evaluations and settings (sign in with the key)</li>
<li><a href="/swagger">API documentation (Swagger UI)</a> · <a href="/swagger/json">OpenAPI document</a></li>
<li><a href="/status">/status</a> · <a href="/ready">/ready</a> · <a href="/ContainerLiveness">/ContainerLiveness</a></li>
</ul>
</body>
</html>
`;
}
