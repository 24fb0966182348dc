// `personalizer simulate` without --url: the same server `serve` runs, started in this process on a loopback
// port with a temporary SQLite store and a generated key, and removed at the end. Its log is off (the
// simulation's own output is the point); everything else is the product's server, reached over real HTTP.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../api/server.js';
import { openLoop, type Loop } from '../loop/index.js';
import { parseSettings } from '../settings/index.js';

export interface EmbeddedServer {
  url: string;
  key: string;
  close(): Promise<void>;
}

/** port 0: the OS picks a free one. */
export async function startEmbeddedServer(port: number): Promise<EmbeddedServer> {
  const dir = mkdtempSync(join(tmpdir(), 'personalizer-simulate-'));
  const key = randomBytes(16).toString('hex');
  // No environment: a Store or ApiKey the user's shell exports for `serve` must not reach the throwaway server.
  const settings = parseSettings(
    ['Eula=accept', `ApiKey=${key}`, 'Host=127.0.0.1', `Port=${port}`, `Store=sqlite:${join(dir, 'simulate.db')}`, 'Logging:Console:LogLevel:Default=None'],
    {},
  );
  let loop: Loop | undefined;
  let app: FastifyInstance | undefined;
  const close = async (): Promise<void> => {
    await app?.close().catch(() => undefined);
    await loop?.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    loop = await openLoop({ store: settings.store, appId: settings.appId });
    app = await buildServer(settings, loop);
    const address = await app.listen({ host: settings.host, port: settings.port });
    return { url: address, key, close };
  } catch (e) {
    await close();
    throw e;
  }
}
