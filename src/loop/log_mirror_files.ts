// The log mirror's files (docs/log-mirror.md): `<dir>/<yyyy>/<mm>/<dd>/<nnnnnn>.json`, one folder per UTC day and
// numbered files within it, so that the names sort in the order the lines were written. Each file holds whole
// DSJSON lines, each ending with '\n'; a crash in the middle of an append can leave a partial last line, which
// repairTail cuts off before anything else is written.
import { open, readdir, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';

export interface MirrorFile {
  path: string;
  /** `yyyy-mm-dd`, UTC. */
  day: string;
  index: number;
}

const INDEX_DIGITS = 6;
const FILE = /^(\d{6})\.json$/;

/** `yyyy-mm-dd` of a time, UTC. */
export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function mirrorFile(dir: string, day: string, index: number): MirrorFile {
  const [y, m, d] = day.split('-') as [string, string, string];
  return { path: join(dir, y, m, d, `${String(index).padStart(INDEX_DIGITS, '0')}.json`), day, index };
}

async function names(dir: string, pattern: RegExp): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => pattern.test(n)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/** Every mirror file under `dir`, oldest first. */
export async function listMirrorFiles(dir: string): Promise<MirrorFile[]> {
  const out: MirrorFile[] = [];
  for (const y of await names(dir, /^\d{4}$/)) {
    for (const m of await names(join(dir, y), /^\d{2}$/)) {
      for (const d of await names(join(dir, y, m), /^\d{2}$/)) {
        for (const f of await names(join(dir, y, m, d), FILE)) {
          out.push({ path: join(dir, y, m, d, f), day: `${y}-${m}-${d}`, index: Number(FILE.exec(f)![1]) });
        }
      }
    }
  }
  return out;
}

/** Bytes read from the end at a time while looking for the last line. */
const TAIL_CHUNK = 64 * 1024;

/**
 * Cuts a partial last line off the file (a crash during an append) and returns the last whole line and the size
 * left; null line when the file holds none.
 */
export async function repairTail(path: string): Promise<{ line: string | null; size: number }> {
  const size = (await stat(path)).size;
  const fd = await open(path, 'r');
  let end = -1;
  let lineStart = 0;
  let found = false;
  try {
    // Walk back in chunks: the last '\n' ends the whole lines; the one before it starts the last of them.
    let pos = size;
    let tail = Buffer.alloc(0);
    while (pos > 0 && !found) {
      const from = Math.max(0, pos - TAIL_CHUNK);
      const chunk = Buffer.alloc(pos - from);
      await fd.read(chunk, 0, chunk.length, from);
      tail = Buffer.concat([chunk, tail]);
      pos = from;
      if (end < 0) {
        const i = tail.lastIndexOf(0x0a);
        if (i >= 0) end = pos + i;
      }
      if (end >= 0) {
        // (a negative offset would count from the buffer's end)
        const i = end - pos - 1 < 0 ? -1 : tail.lastIndexOf(0x0a, end - pos - 1);
        if (i >= 0 || pos === 0) {
          lineStart = i >= 0 ? pos + i + 1 : 0;
          found = true;
        }
      }
    }
    if (end < 0) {
      if (size > 0) await truncate(path, 0);
      return { line: null, size: 0 };
    }
    const line = Buffer.alloc(end - lineStart);
    await fd.read(line, 0, line.length, lineStart);
    if (end + 1 < size) await truncate(path, end + 1);
    return { line: line.toString('utf8'), size: end + 1 };
  } finally {
    await fd.close();
  }
}
