// Every version of the API, one implementation behind all (versions.ts; docs/api-versions.md):
//   /personalizer/v1.0/…                     the v1.0 operations (and applyFromEvaluation, as before)
//   /personalizer/v1.1-preview.1|2|3/…       the same, plus the preview operations (v1_1/)
//   /personalizer/…?api-version=2022-09-01-preview
//                                            the same, with 2022-09-01-preview's evaluations and feature
//                                            importances (v2022/) in place of v1.0's evaluations
// The OpenAPI document lists v1.0 once, the preview operations under v1.1-preview.3, and 2022-09-01-preview's own.
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { sendError } from './errors.js';
import type { Loop } from '../loop/types.js';
import type { Settings } from '../settings/index.js';
import { previewRoutes } from './v1_1/index.js';
import { hideRoutes, v1Routes } from './v1_0/index.js';
import { modelRetrainDays, v2022Routes } from './v2022/index.js';
import { API_ROOT, apiVersionError, basePath, PATH_VERSIONS, QUERY_VERSION, type PathVersion } from './versions.js';

export interface ApiOptions {
  loop: Loop;
  settings: Settings;
}

/** onRequest hook of the query-style routes: the api-version parameter must name 2022-09-01-preview. */
function requireApiVersion(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
  const query = request.query as Record<string, unknown>;
  const error = apiVersionError(query['api-version']);
  if (error) {
    sendError(reply, error.status, error.code, error.message);
    return;
  }
  // Repeated with the same value: one, as the routes' query schemas declare it.
  query['api-version'] = QUERY_VERSION;
  done();
}

/** The copy of the preview operations shown in the OpenAPI document. */
const DOCUMENTED_PREVIEW: PathVersion = 'v1.1-preview.3';

export async function apiRoutes(app: FastifyInstance, { loop, settings }: ApiOptions): Promise<void> {
  const modelBodyLimit = settings.modelSizeLimit;
  await app.register(v1Routes, { prefix: basePath('v1.0'), loop, modelBodyLimit });
  for (const version of PATH_VERSIONS.filter((v) => v !== 'v1.0')) {
    await app.register(
      async (scope) => {
        await scope.register(v1Routes, { loop, hidden: true, modelBodyLimit });
        await scope.register(async (preview) => {
          if (version !== DOCUMENTED_PREVIEW) hideRoutes(preview);
          await previewRoutes(preview, { loop, settings, version });
        });
      },
      { prefix: basePath(version) },
    );
  }
  await app.register(
    async (scope) => {
      // After the key check (server.ts's onRequest hook, registered first), before any body is read.
      scope.addHook('onRequest', requireApiVersion);
      await modelRetrainDays(scope);
      await scope.register(v1Routes, { loop, hidden: true, evaluations: false, modelBodyLimit });
      await scope.register(async (preview) => {
        hideRoutes(preview);
        await previewRoutes(preview, { loop, settings, version: QUERY_VERSION });
      });
      await scope.register(v2022Routes, { loop });
    },
    { prefix: API_ROOT },
  );
}
