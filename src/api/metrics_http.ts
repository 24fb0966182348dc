// HTTP request metrics: a count and a latency histogram by route pattern, method and status code. The route label
// is the pattern the router matched (`/personalizer/v1.0/events/:eventId/reward`), never the URL as sent, so its
// values are bounded by the routes registered; requests that match none share `unmatched`.
import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

const LABELS = ['route', 'method', 'status_code'] as const;
type Label = (typeof LABELS)[number];

// Seconds; from a cached rank (~1 ms) to a slow model download or evaluation listing.
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function installHttpMetrics(app: FastifyInstance, registry: Registry): Histogram<Label> {
  const requests = new Counter<Label>({
    name: 'personalizer_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status code.',
    labelNames: LABELS,
    registers: [registry],
  });
  const duration = new Histogram<Label>({
    name: 'personalizer_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by route pattern, method and status code.',
    labelNames: LABELS,
    buckets: BUCKETS,
    registers: [registry],
  });
  // One pair of labelled children per (route, method, status): the hot path does a Map lookup, not prom-client's
  // label hashing.
  const children = new Map<string, { count: { inc(): void }; time: { observe(v: number): void } }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (child === undefined) {
      const labels = { route, method: request.method, status_code: String(reply.statusCode) };
      child = { count: requests.labels(labels), time: duration.labels(labels) };
      children.set(key, child);
    }
    child.count.inc();
    child.time.observe(reply.elapsedTime / 1000);
    done();
  });
  return duration;
}
