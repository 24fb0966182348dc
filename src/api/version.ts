// The product name and version shown on the home page and in the OpenAPI document, read from package.json.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ProductInfo {
  name: string;
  version: string;
}

let cached: ProductInfo | undefined;

export function productInfo(): ProductInfo {
  if (cached) return cached;
  // Walk up from this file: the depth differs between src/ and dist/src/.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'personalizer') return (cached = { name: pkg.name, version: pkg.version ?? '0.0.0' });
    } catch {
      // not here: keep walking up
    }
    dir = dirname(dir);
  }
  return (cached = { name: 'personalizer', version: '0.0.0' });
}
