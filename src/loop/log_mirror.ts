// The log mirror (docs/log-mirror.md): what Azure wrote to the blob container of logMirrorSasUri, written here as
// DSJSON files: every joined event, in join order, as the line dsjson_export.ts makes of it (the line `personalizer
// replay` and `vw --dsjson` read; `_skipLearn` events included, as Azure logged them). Only the trainer leader runs
// it, from its maintenance turns: never on the request path.
//
// Nothing missing, nothing twice, across crashes: lines are appended in joinSeq order and made durable (fsync)
// before anything depends on them, and where to go on is read back from the files themselves: the last whole line
// of the newest file names an event whose joinSeq the store knows (a partial last line, cut by a crash, is removed
// first). A small cursor file, written after each append, stands in should that event have been deleted since
// (log retention, DELETE /logs). Turning the mirror on stores the join head of that moment (the `logMirror`
// setting, written with the configuration): the mirror starts after it, so events joined while it was off are
// not written later.
//
// A failing disk (full, read-only) never stops learning: the error is logged (once a minute), counted, and the
// append retried at the next turn, after the files are repaired again.
import { mkdir, open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Store } from '../store/index.js';
import { eventToDsjson } from './dsjson_export.js';
import { listMirrorFiles, mirrorFile, repairTail, utcDay, type MirrorFile } from './log_mirror_files.js';

/** The stored setting PUT /configurations/service writes when it turns the mirror on. */
export const LOG_MIRROR_SETTING = 'logMirror';
export interface LogMirrorMarker {
  /** The join head when the mirror was turned on: it writes the events joined after it. */
  since: number;
  at: number;
}

export interface LogMirrorOptions {
  directory: string;
  maxFileBytes: number;
}

export interface LogMirrorStats {
  lines: number;
  bytes: number;
  errors: number;
}

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

const BATCH = 256;
/**
 * Events read and formatted between two turns of the event loop. A SQLite store answers on this thread, so a
 * batch would otherwise hold it (and the requests waiting) for tens of milliseconds; 32 is a few.
 */
const SLICE = 32;
/** Events written per turn at the most, so that a long backlog does not hold up the leader's other duties. */
const TURN = 4096;
const ERROR_REPORT_MS = 60_000;
const CURSOR_FILE = 'cursor.json';

/** The EventId of a mirrored line; undefined for a line that is not one (edited by hand: the cursor file decides). */
function lineEventId(line: string): string | undefined {
  try {
    const id = (JSON.parse(line) as { EventId?: unknown }).EventId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function yieldTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface OpenFile extends MirrorFile {
  handle: FileHandle;
  size: number;
}

export class LogMirror {
  /** The last joinSeq written; null until recovered (at start, after an error, after being turned off). */
  private cursor: number | null = null;
  private since = -1;
  private file: OpenFile | null = null;
  /** The newest file as found by recovery, appended to while it is today's and has room. */
  private newest: (MirrorFile & { size: number }) | null = null;
  private errorReportedAt = 0;
  readonly stats: LogMirrorStats = { lines: 0, bytes: 0, errors: 0 };

  constructor(
    private readonly options: LogMirrorOptions,
    private readonly store: Store,
    private readonly now: () => number,
    private readonly log: Log,
  ) {}

  /** Turns and suspensions run one at a time, in call order (the maintenance timer, flush and close all call). */
  private queue: Promise<void> = Promise.resolve();
  private serial(fn: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(fn, fn);
    return this.queue;
  }

  /** One turn: writes what was joined since the last one while `enabled`; never throws. */
  tick(enabled: boolean): Promise<void> {
    return this.serial(() => (enabled ? this.turn() : this.stop()));
  }

  /** Stops writing until the next enabled turn, which recovers from the files again. */
  suspend(): Promise<void> {
    return this.serial(() => this.stop());
  }

  private async turn(): Promise<void> {
    try {
      const marker = await this.store.getSetting<LogMirrorMarker>(LOG_MIRROR_SETTING);
      const since = marker?.since ?? 0;
      if (this.cursor === null || since !== this.since) await this.recover(since);
      await this.copy();
    } catch (e) {
      this.stats.errors++;
      await this.stop();
      const t = Date.now();
      if (t - this.errorReportedAt >= ERROR_REPORT_MS) {
        this.errorReportedAt = t;
        this.log('error', `log mirror: ${(e as Error).message}; learning goes on, the mirror retries at its next turn (${this.stats.errors} error(s) so far)`);
      }
    }
  }

  private async stop(): Promise<void> {
    this.cursor = null;
    const f = this.file;
    this.file = null;
    await f?.handle.close().catch(() => undefined);
  }

  private async recover(since: number): Promise<void> {
    await this.stop();
    await mkdir(this.options.directory, { recursive: true });
    const files = await listMirrorFiles(this.options.directory);
    this.newest = null;
    let last: string | null = null;
    for (let i = files.length - 1; i >= 0 && last === null; i--) {
      const { line, size } = await repairTail(files[i]!.path);
      if (i === files.length - 1) this.newest = { ...files[i]!, size };
      last = line;
    }
    let cursor = since;
    if (last !== null) {
      const eventId = lineEventId(last);
      const event = eventId === undefined ? null : await this.store.getEvent(eventId);
      const written = event?.join?.joinSeq ?? (await this.savedCursor());
      cursor = Math.max(cursor, written);
    }
    this.since = since;
    this.cursor = cursor;
  }

  private async savedCursor(): Promise<number> {
    try {
      const saved = JSON.parse(await readFile(join(this.options.directory, CURSOR_FILE), 'utf8')) as { joinSeq?: unknown };
      return typeof saved.joinSeq === 'number' ? saved.joinSeq : 0;
    } catch {
      return 0;
    }
  }

  /** Appends the events joined after the cursor, in joinSeq order (as the trainer reads them). */
  private async copy(): Promise<void> {
    let written = 0;
    while (written < TURN) {
      // Every join ≤ head is committed (trainer_worker.ts learnSome): once the rows run out the cursor may move
      // to the head, past joins deleted meanwhile.
      const head = await this.store.headJoinSeq();
      const rows = await this.store.readJoined(this.cursor!, BATCH);
      const lines: string[] = [];
      for (const [k, r] of rows.entries()) {
        if (k > 0 && k % SLICE === 0) await yieldTurn();
        const event = await this.store.getEvent(r.eventId);
        // Deleted since it was read (retention, DELETE /logs): nothing to write.
        if (event === null || event.join?.joinSeq !== r.joinSeq) continue;
        lines.push(eventToDsjson(event, await this.store.getRewards(r.eventId)));
      }
      if (lines.length > 0) await this.append(lines);
      written += rows.length;
      const cursor = rows.length < BATCH ? Math.max(this.cursor!, head, rows.at(-1)?.joinSeq ?? 0) : rows.at(-1)!.joinSeq;
      if (cursor !== this.cursor) {
        this.cursor = cursor;
        await this.saveCursor(cursor);
      }
      if (rows.length < BATCH) break;
      await yieldTurn();
    }
  }

  private async saveCursor(joinSeq: number): Promise<void> {
    const path = join(this.options.directory, CURSOR_FILE);
    await writeFile(`${path}.tmp`, JSON.stringify({ joinSeq }));
    await rename(`${path}.tmp`, path);
  }

  /** Writes whole lines, a new file at each UTC day and whenever the next line would pass the size limit. */
  private async append(lines: string[]): Promise<void> {
    const day = utcDay(this.now());
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for (const line of lines) {
      const bytes = Buffer.from(line + '\n', 'utf8');
      const f = await this.target(day);
      if (f.day !== day || (f.size + pendingBytes > 0 && f.size + pendingBytes + bytes.length > this.options.maxFileBytes)) {
        await this.write(pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
        await this.next(day);
      }
      pending.push(bytes);
      pendingBytes += bytes.length;
    }
    await this.write(pending, pendingBytes);
  }

  private async write(chunks: Buffer[], bytes: number): Promise<void> {
    if (bytes === 0) return;
    const f = this.file!;
    const data = Buffer.concat(chunks, bytes);
    let off = 0;
    while (off < data.length) off += (await f.handle.write(data, off, data.length - off)).bytesWritten;
    await f.handle.sync();
    f.size += bytes;
    this.stats.lines += chunks.length;
    this.stats.bytes += bytes;
  }

  /** The file being written: the newest one found at recovery while it is today's, else a new one. */
  private async target(day: string): Promise<OpenFile> {
    if (this.file) return this.file;
    const n = this.newest;
    if (n && n.day === day) return this.openFile(n, n.size);
    return this.next(day);
  }

  private async next(day: string): Promise<OpenFile> {
    const previous = this.file ?? this.newest;
    const index = previous && previous.day === day ? previous.index + 1 : 0;
    return this.openFile(mirrorFile(this.options.directory, day, index), 0);
  }

  private async openFile(f: MirrorFile, size: number): Promise<OpenFile> {
    const old = this.file;
    this.file = null;
    await old?.handle.close();
    await mkdir(dirname(f.path), { recursive: true });
    const handle = await open(f.path, 'a');
    this.file = { ...f, handle, size };
    this.newest = { path: f.path, day: f.day, index: f.index, size };
    return this.file;
  }
}
