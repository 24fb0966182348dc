// GET /metrics: Prometheus's text exposition format (prom-client). Public unless Metrics:RequireKey=true
// (settings/metrics.ts). One registry per server, so that servers built in one process do not share series.
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry, type Histogram } from 'prom-client';
import type { Loop, LoopStats } from '../loop/types.js';
import { installHttpMetrics } from './metrics_http.js';
import { installLoopMetrics } from './metrics_loop.js';

export interface MetricsOptions {
  loop: Loop;
  requireKey: boolean;
}

/** The request-duration histogram, for the dashboard's rank latency (dashboard/rank_latency.ts). */
export type HttpDuration = Histogram<'route' | 'method' | 'status_code'>;

export function installMetrics(app: FastifyInstance, { loop, requireKey }: MetricsOptions): HttpDuration {
  const registry = new Registry();
  // The process's own metrics under their usual names (process_cpu_seconds_total, nodejs_heap_size_used_bytes …),
  // so that standard Node.js dashboards work unchanged.
  collectDefaultMetrics({ register: registry });
  const duration = installHttpMetrics(app, registry);
  // Read once per scrape, before the registry collects: every loop metric then comes from the same reading.
  let stats: LoopStats | null = null;
  installLoopMetrics(registry, () => stats);

  app.get('/metrics', { config: { public: !requireKey }, schema: { hide: true } }, async (_request, reply) => {
    // Kept after the scrape: a concurrent scrape then collects one reading or the other, never a mix with none.
    stats = await loop.stats();
    const text = await registry.metrics();
    reply.type(registry.contentType);
    return text;
  });
  return duration;
}
