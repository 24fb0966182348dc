// Keeps the batches the local-inference SDK posts to /logs/interactions and /logs/observations (docs/api-versions.md
// "Client logs"): one file per request under <Mounts:Output>/client-logs/<kind>/<UTC date>/, written to a temporary
// name, flushed to disk and renamed, then the folder flushed, so that a 204 means the bytes are on disk whole and a
// crash leaves at most a temporary file (named .partial, never a batch).
import { randomUUID } from 'node:crypto';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';

export type ClientLogKind = 'interactions' | 'observations';

export class ClientLogSink {
  constructor(private readonly root: string) {}

  /** Writes one batch durably; returns the path it was kept under. */
  async keep(kind: ClientLogKind, bytes: Uint8Array, now = new Date()): Promise<string> {
    const stamp = now.toISOString();
    const dir = join(this.root, 'client-logs', kind, stamp.slice(0, 10));
    await mkdir(dir, { recursive: true });
    const name = `${stamp.replace(/[:.]/g, '-')}-${randomUUID()}.bin`;
    const partial = join(dir, `${name}.partial`);
    const file = await open(partial, 'wx');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    const path = join(dir, name);
    await rename(partial, path);
    const folder = await open(dir, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
    return path;
  }
}
