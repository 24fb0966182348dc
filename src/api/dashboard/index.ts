// The dashboard (docs/dashboard.md): pages at /dashboard (public: they hold no data, and ask for the key) and the
// JSON routes they read under /dashboard/api/ (keyed like every API route: auth.ts denies by default). Settings,
// models, logs and evaluations are the API's own routes, which the pages call with the key like any client.
import type { FastifyInstance } from 'fastify';
import type { Loop } from '../../loop/types.js';
import { PUBLIC } from '../auth.js';
import { sendError } from '../errors.js';
import type { HttpDuration } from '../metrics.js';
import { CONTENT_SECURITY_POLICY, loadAssets } from './assets.js';
import { series, totals } from './overview.js';
import { parseOverviewQuery, QueryError } from './overview_query.js';
import { RankLatencyTracker } from './rank_latency.js';

export interface DashboardOptions {
  loop: Loop;
  httpDuration: HttpDuration;
  now?: () => number;
}

export async function dashboardRoutes(app: FastifyInstance, { loop, httpDuration, now = Date.now }: DashboardOptions): Promise<void> {
  const assets = loadAssets();
  const latency = new RankLatencyTracker(httpDuration, now);
  const hide = { hide: true };

  const page = assets.get('index.html')!;
  app.get('/dashboard', { config: PUBLIC, schema: hide }, async (_request, reply) => {
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('cache-control', 'no-cache').type(page.type);
    return page.body;
  });

  app.get<{ Params: { name: string } }>('/dashboard/assets/:name', { config: PUBLIC, schema: hide }, async (request, reply) => {
    const asset = request.params.name === 'index.html' ? undefined : assets.get(request.params.name);
    if (asset === undefined) return sendError(reply, 404, 'ResourceNotFound', 'No such dashboard file.');
    reply.header('content-security-policy', CONTENT_SECURITY_POLICY).header('cache-control', 'no-cache').type(asset.type);
    return asset.body;
  });

  app.get('/dashboard/api/overview', { schema: hide }, async (request, reply) => {
    let q;
    try {
      q = parseOverviewQuery(request.query as Record<string, unknown>, now());
    } catch (e) {
      if (e instanceof QueryError) return sendError(reply, 400, 'BadRequest', e.message);
      throw e;
    }
    const [rows, stats, rank] = await Promise.all([loop.activity(q.fromMinute, q.toMinute, q.interval), loop.stats(), latency.measure()]);
    const t = now();
    return {
      from: new Date(q.fromMinute * 60_000).toISOString(),
      to: new Date(q.toMinute * 60_000).toISOString(),
      interval: q.interval,
      totals: totals(rows),
      series: series(rows, q),
      loop: {
        eventsRanked: stats.eventsRanked,
        rewardsReceived: stats.rewardsReceived,
        eventsJoined: stats.eventsJoined,
        eventsSkipped: stats.eventsSkipped,
        eventsLearned: stats.eventsLearned,
        trainerLagEvents: stats.trainerLagEvents,
        trainerLagSeconds: stats.trainerLagSeconds,
        modelVersion: stats.modelVersion,
        modelAgeSeconds: stats.modelAgeSeconds,
        lastExport: new Date(t - stats.modelAgeSeconds * 1000).toISOString(),
        evaluationsPending: stats.evaluationsPending,
        evaluationsRunning: stats.evaluationsRunning,
        trainerLeader: stats.trainerLeader,
      },
      rank,
    };
  });
}
