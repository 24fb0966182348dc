// `Metrics:RequireKey`: whether GET /metrics asks for Ocp-Apim-Subscription-Key. Off by default, as Prometheus
// scrapers usually reach a target's /metrics without credentials; an operator exposing the port more widely
// turns it on (the scraper then sends the key as a header, Prometheus's `http_headers` scrape option).
import { SettingsError } from './sources.js';

export const METRICS_NAMES = ['Metrics:RequireKey'] as const;

export interface MetricsSettings {
  /** `Metrics:RequireKey`: GET /metrics needs the key. */
  metricsRequireKey: boolean;
}

export function parseMetricsSettings(get: (name: (typeof METRICS_NAMES)[number]) => string | undefined): MetricsSettings {
  const text = get('Metrics:RequireKey')?.toLowerCase();
  if (text === undefined) return { metricsRequireKey: false };
  if (text !== 'true' && text !== 'false') throw new SettingsError('Metrics:RequireKey', 'Metrics:RequireKey must be true or false');
  return { metricsRequireKey: text === 'true' };
}
