// The files `personalizer replay` reads and writes, checked before the run and described in one line when they
// fail (never a stack trace): a missing, unreadable or directory input, a truncated or corrupt gzip, an output
// path that cannot be written.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** A failure the user can fix: its message is the whole line printed after `personalizer replay: `. */
export class ReplayIoError extends Error {}

/** `what`: how the user named the file, e.g. `--dsjson log.json` or `-i model.vw`. */
export function ioError(what: string, err: unknown): ReplayIoError {
  return new ReplayIoError(`${what}: ${describe(err)}`);
}

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'the file system is read-only';
    // zlib (node:zlib errors): the stream ended inside a member, or the bytes are not deflate data.
    case 'Z_BUF_ERROR':
      return 'truncated gzip file (it ends before its last block)';
    case 'Z_DATA_ERROR':
      return `corrupt gzip data (${e.message})`;
    default:
      return err instanceof Error ? err.message : String(err);
  }
}

/** An input must be an existing, readable regular file. */
export async function checkInput(path: string, what: string): Promise<void> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    await access(path, constants.R_OK);
  } catch (e) {
    throw ioError(what, e);
  }
}

/** An output must be a writable file, or a new file in a writable directory (checked before hours of replay). */
export async function checkOutput(path: string, what: string): Promise<void> {
  try {
    const s = await stat(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (s?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (s) await access(path, constants.W_OK);
    else {
      const dir = dirname(resolve(path));
      const d = await stat(dir).catch((e: NodeJS.ErrnoException) => {
        throw e.code === 'ENOENT' ? new ReplayIoError(`${what}: the directory ${dir} does not exist`) : e;
      });
      if (!d.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
      await access(dir, constants.W_OK);
    }
  } catch (e) {
    if (e instanceof ReplayIoError) throw e;
    throw ioError(what, e);
  }
}

/** Re-throws whatever the reader of `what` throws as a ReplayIoError (errors of the loop body never get here). */
export async function* guardRead<T>(source: AsyncGenerator<T>, what: string): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (e) {
    throw ioError(what, e);
  }
}
