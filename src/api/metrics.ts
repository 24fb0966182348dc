// GET /metrics: Prometheus's text exposition format (prom-client). Public unless Metrics:RequireKey=true
// (settings/metrics.ts). One registry per server, so that servers built in one process do not share series.
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Registry, type Histogram } from 'prom-client';
import type { Loop, LoopStats } from '../loop/types.js';
import { installHttpMetrics } from './metrics_http.js';
import { installLoopMetrics } from './metrics_loop.js';
import type { QuotaStats } from './quotas.js';

export interface MetricsOptions {
  loop: Loop;
  requireKey: boolean;
  quotas?: QuotaStats;
}

/** The request-duration histogram, for the dashboard's rank latency (dashboard/rank_latency.ts). */
export type HttpDuration = Histogram<'route' | 'method' | 'status_code'>;

export function installMetrics(app: FastifyInstance, { loop, requireKey, quotas }: MetricsOptions): HttpDuration {
  const registry = new Registry();
  // The process's own metrics under their usual names (process_cpu_seconds_total, nodejs_heap_size_used_bytes …),
  // so that standard Node.js dashboards work unchanged.
  collectDefaultMetrics({ register: registry });
  const duration = installHttpMetrics(app, registry);
  // Read once per scrape, before the registry collects: every loop metric then comes from the same reading.
  let stats: LoopStats | null = null;
  installLoopMetrics(registry, () => stats);
  if (quotas) installQuotaMetrics(registry, quotas);

  // Outside the quotas: a scraper must see an overloaded server's figures.
  app.get('/metrics', { config: { public: !requireKey, quota: false }, schema: { hide: true } }, async (_request, reply) => {
    // Kept after the scrape: a concurrent scrape then collects one reading or the other, never a mix with none.
    stats = await loop.stats();
    const text = await registry.metrics();
    reply.type(registry.contentType);
    return text;
  });
  return duration;
}

function installQuotaMetrics(registry: Registry, quotas: QuotaStats): void {
  new Gauge({
    name: 'personalizer_requests_in_flight',
    help: 'Keyed requests this process is handling now (MaxRequestsInFlight bounds it).',
    registers: [registry],
    collect() {
      this.set(quotas.inFlight());
    },
  });
  new Counter({
    name: 'personalizer_requests_refused_total',
    help: 'Keyed requests refused before any work: reason "rate_limit" (429, RateLimit), "in_flight" (503, MaxRequestsInFlight).',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ reason: 'rate_limit' }, quotas.refused.rateLimited);
      this.inc({ reason: 'in_flight' }, quotas.refused.shed);
    },
  });
}
