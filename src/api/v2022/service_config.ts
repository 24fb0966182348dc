// 2022-09-01-preview's ServiceConfiguration adds modelRetrainDays, required both ways (Personalizer.json
// 2022-09-01-preview "ServiceConfiguration": "Number of days of historical logs used when a model retrain is
// triggered", default 0). This server retrains from the whole retained log when the learning settings change,
// which is what 0 stands for here: it is shown as 0 and a PUT may send 0 (or leave it out); any other value is a 400
// InvalidModelRetrainDays rather than a setting silently ignored (docs/api-versions.md).
import type { FastifyInstance } from 'fastify';
import { sendError } from '../errors.js';
import { API_ROOT } from '../versions.js';

const ROUTE = `${API_ROOT}/configurations/service`;

export async function modelRetrainDays(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', (request, reply, done) => {
    if (request.routeOptions.url !== ROUTE || request.method !== 'PUT') return done();
    const value = (request.body as Record<string, unknown> | undefined)?.['modelRetrainDays'];
    if (value === undefined || value === 0) return done();
    sendError(reply, 400, 'InvalidModelRetrainDays', `modelRetrainDays: only 0 is supported (a retrain, when the learning settings change, reads the whole retained log); got ${JSON.stringify(value).slice(0, 40)}`);
  });
  app.addHook('preSerialization', (request, _reply, payload, done) => {
    if (request.routeOptions.url === ROUTE && typeof payload === 'object' && payload !== null && !('error' in payload)) {
      done(null, { ...payload, modelRetrainDays: 0 });
      return;
    }
    done(null, payload);
  });
}
