// The OpenAPI document, generated from the route schemas (the single source), and Swagger UI at /swagger
// served from @fastify/swagger-ui's own bundled assets (no CDN). The key header is the spec's apim_key
// security scheme (docs/azure-api.md §1), so "Authorize" + "Try it out" work from the page.
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { markRoutesPublic } from './auth.js';
import { productInfo } from './version.js';

export const SWAGGER_PREFIX = '/swagger';
/** The OpenAPI 3 document as JSON (also `/swagger/yaml`). */
export const OPENAPI_JSON_PATH = `${SWAGGER_PREFIX}/json`;

export async function installOpenApi(app: FastifyInstance): Promise<void> {
  const { version } = productInfo();
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Personalizer',
        version,
        description:
          'Self-hosted, Azure AI Personalizer–compatible API. Send the container key in Ocp-Apim-Subscription-Key. ' +
          'The v1.0 operations also answer under /personalizer/v1.1-preview.1, .2 and .3 (with the preview operations, listed once under .3) ' +
          'and under /personalizer with ?api-version=2022-09-01-preview (its own evaluations and feature importances are listed there).',
      },
      components: {
        securitySchemes: { apim_key: { type: 'apiKey', in: 'header', name: 'Ocp-Apim-Subscription-Key' } },
      },
      tags: [
        { name: 'Rank', description: 'Manages ranking operations.' },
        { name: 'Events', description: 'Manages event operations.' },
        { name: 'Configurations', description: 'Manages configuration operations.' },
        { name: 'Logs', description: 'Manages reinforcement learning logs.' },
        { name: 'Model', description: 'Manages reinforcement learning configuration operations.' },
        { name: 'Evaluations', description: 'Offline evaluations of learning settings over the logged events.' },
        { name: 'Evaluations20220901Preview', description: '2022-09-01-preview: evaluations with client ids, time series and paged lists.' },
        { name: 'FeatureImportances20220901Preview', description: '2022-09-01-preview: feature importance jobs.' },
        { name: 'Container', description: 'Container status and probes.' },
      ],
    },
    // Name shared schemas by their $id, as the spec names them (components/schemas/RankRequest…).
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  // Swagger UI and the document are public (auth.ts); the wrapping scope keeps that to the plugin's own routes.
  await app.register(async (scope) => {
    markRoutesPublic(scope);
    await scope.register(swaggerUi, { routePrefix: SWAGGER_PREFIX, uiConfig: { deepLinking: true } });
  });
}
