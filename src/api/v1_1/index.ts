// The operations the previews add to v1.0 (docs/azure-api.md §2.2), served under /personalizer/v1.1-preview.1, .2, .3
// and with ?api-version=2022-09-01-preview (routes.ts). Each is a fastify plugin taking PreviewOptions; a new
// preview operation is one more entry in PREVIEW_PLUGINS. (v1.1-preview.1 already had all of them but the
// client logs of .2; serving every one under every preview path keeps one rule, and no SDK calls a path its
// version lacks.)
import type { FastifyInstance } from 'fastify';
import type { Settings } from '../../settings/index.js';
import type { V1Options } from '../v1_0/common.js';
import type { ApiVersion } from '../versions.js';
import { clientLogRoutes } from './client_logs.js';
import { multislotRoutes } from './multislot.js';

export interface PreviewOptions extends V1Options {
  settings: Settings;
  /** The version this copy of the routes answers for. */
  version: ApiVersion;
}

export type PreviewPlugin = (app: FastifyInstance, options: PreviewOptions) => Promise<void>;

export const PREVIEW_PLUGINS: PreviewPlugin[] = [clientLogRoutes, multislotRoutes];

export async function previewRoutes(app: FastifyInstance, options: PreviewOptions): Promise<void> {
  const { loop, settings, version } = options;
  for (const plugin of PREVIEW_PLUGINS) await app.register(plugin, { loop, settings, version });
}
