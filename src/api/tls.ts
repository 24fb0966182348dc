// `Tls:Certificate` / `Tls:Key` (docs/tls.md): with both, the server speaks HTTPS on its port, so that the
// official SDKs keep their default of refusing plain-HTTP endpoints. The settings checked the files at start
// (settings/files.ts); they are read here once, when the server is built.
import { readFileSync } from 'node:fs';
import type { Settings } from '../settings/index.js';

export interface HttpsOptions {
  cert: Buffer;
  key: Buffer;
}

export function httpsOptions(settings: Pick<Settings, 'tlsCertificate' | 'tlsKey'>): HttpsOptions | null {
  if (settings.tlsCertificate === undefined || settings.tlsKey === undefined) return null;
  return { cert: readFileSync(settings.tlsCertificate), key: readFileSync(settings.tlsKey) };
}
