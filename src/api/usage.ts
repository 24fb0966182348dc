// Counts every API request answered 2xx in the usage ledger (usage_ledger.ts, docs/usage.md), by the key it
// carried (key1/key2) and its operation. Only the API's routes count (under /personalizer), not the container's
// probes, /status, /metrics or Swagger.
import type { FastifyInstance } from 'fastify';
import type { Settings } from '../settings/index.js';
import { keyNamer } from './auth.js';
import { UsageLedger } from './usage_ledger.js';

const API_ROUTE = /^\/personalizer(?:\/v\d[^/]*)?(\/.*)$/;
const TRANSACTIONS = /CognitiveServices\.Personalizer\.Transaction=(\d+)/;

/** `POST /personalizer/v1.0/events/:eventId/reward` → `POST /events/{eventId}/reward`; null for other routes. */
export function operationName(method: string, route: string): string | null {
  const m = API_ROUTE.exec(route);
  if (m === null) return null;
  return `${method} ${m[1]!.replace(/:([A-Za-z]+)/g, '{$1}')}`;
}

export function installUsageLedger(app: FastifyInstance, settings: Settings, log: (level: 'warn' | 'error', message: string) => void): void {
  if (settings.usageDirectory === undefined) return;
  const ledger = new UsageLedger(settings.usageDirectory, settings.usageFlushMs, log);
  const keyName = keyNamer(settings.apiKey, settings.apiKey2);
  // Operation names by route pattern and method, so that the hot path does one Map lookup.
  const names = new Map<string, string | null>();
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const route = request.routeOptions.url;
    if (status >= 200 && status < 300 && route !== undefined) {
      const id = `${request.method} ${route}`;
      let operation = names.get(id);
      if (operation === undefined) {
        operation = operationName(request.method, route);
        names.set(id, operation);
      }
      const key = operation === null ? undefined : keyName(request);
      if (operation !== null && key !== undefined) {
        const billed = TRANSACTIONS.exec(String(reply.getHeader('csp-billing-usage') ?? ''));
        ledger.count(key, operation, billed ? Number(billed[1]) : 0);
      }
    }
    done();
  });
  ledger.start();
  app.addHook('onClose', async () => ledger.close());
}
