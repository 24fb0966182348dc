// The operations v1.1-preview.1/.2/.3 add to v1.0 (Personalizer.json v1.1-preview.3), mounted under the preview base paths only
// (the v1.0 routes are mounted there too: v1_0/index.ts). `hidden` leaves a copy out of the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import type { V1Options } from '../v1_0/common.js';
import { multislotRoutes } from './multislot.js';

export async function previewRoutes(app: FastifyInstance, { loop, hidden }: V1Options & { hidden?: boolean }): Promise<void> {
  if (hidden) {
    app.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
  }
  await app.register(multislotRoutes, { loop });
}
