// The dashboard's files (docs/dashboard.md): its own HTML, CSS and ES modules (static/, shipped with the server)
// and uPlot's build from node_modules, all served from this host, so that the pages make no request elsewhere
// (CONTENT_SECURITY_POLICY forbids it too). A fixed list: nothing else on disk is reachable.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  type: string;
  body: Buffer;
}

/** Only this origin: scripts, styles, images, fetches; no frames, no plugins, no form posts elsewhere. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** The package's root: walked up to from this file (its depth differs between src/ and dist/src/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'personalizer') return dir;
    } catch {
      // not here: keep walking up
    }
    dir = dirname(dir);
  }
  throw new Error('the dashboard cannot find the personalizer package root');
}

/** name served → file under the package root. */
const FILES: Record<string, string> = {
  'index.html': 'src/api/dashboard/static/index.html',
  'app.js': 'src/api/dashboard/static/app.js',
  'api.js': 'src/api/dashboard/static/api.js',
  'charts.js': 'src/api/dashboard/static/charts.js',
  'overview.js': 'src/api/dashboard/static/overview.js',
  'evaluations.js': 'src/api/dashboard/static/evaluations.js',
  'settings.js': 'src/api/dashboard/static/settings.js',
  'format.js': 'src/api/dashboard/static/format.js',
  'style.css': 'src/api/dashboard/static/style.css',
  'uPlot.iife.min.js': 'node_modules/uplot/dist/uPlot.iife.min.js',
  'uPlot.min.css': 'node_modules/uplot/dist/uPlot.min.css',
};

/** Read once at start-up: a missing file fails the start, not a page view. */
export function loadAssets(): Map<string, Asset> {
  const root = packageRoot();
  const out = new Map<string, Asset>();
  for (const [name, file] of Object.entries(FILES)) {
    const ext = name.slice(name.lastIndexOf('.'));
    out.set(name, { type: TYPES[ext]!, body: readFileSync(join(root, file)) });
  }
  return out;
}
