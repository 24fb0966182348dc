// The usage ledger (docs/usage.md): what Microsoft's containers reported to the Billing endpoint, kept here as a
// local file instead, for charging teams back. Billing is never contacted. Per UTC hour, key (key1/key2) and
// operation: the requests answered 2xx and the billable transactions among them, which are those the answer
// declares in `csp-billing-usage` (CognitiveServices.Personalizer.Transaction=1 on every Rank and multi-slot
// Rank, as Azure's answers carried it).
//
// Counts are kept in memory and appended every flush interval, when an hour ends and when the server stops, as
// JSON lines to `<dir>/<yyyy-mm-dd>.jsonl` (the UTC day of the hour counted). Each line holds the counts since
// the previous line of the same process for that hour, key and operation: an hour's total is the sum of its
// lines, whichever process wrote them (Workers and replicas sharing a volume append to the same file; each append
// is one write to a file opened for appending, so lines never interleave on a local file system). A crash (kill
// -9) loses at most the counts of the last interval. A failed append keeps the counts for the next one.
import { mkdir, open } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

const HOUR = 3_600_000;

export interface UsageLine {
  /** The hour's start, ISO 8601 UTC. */
  hour: string;
  key: string;
  /** `POST /rank`: the method and the route without its base path (the same for every API version). */
  operation: string;
  requests: number;
  transactions: number;
  /** `<host>/<pid>`: which process counted them. */
  instance: string;
}

type Log = (level: 'warn' | 'error', message: string) => void;

export class UsageLedger {
  private counts = new Map<string, UsageLine>();
  private hour = -1;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly instance = `${hostname()}/${process.pid}`;
  private failedAt = 0;

  constructor(
    private readonly directory: string,
    private readonly flushMs: number,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  count(key: string, operation: string, transactions: number): void {
    const t = this.now();
    const hour = Math.floor(t / HOUR);
    // The hour has ended: its counts are written now rather than at the next interval.
    if (hour !== this.hour) {
      if (this.hour !== -1) void this.flush();
      this.hour = hour;
    }
    const id = `${hour} ${key} ${operation}`;
    let line = this.counts.get(id);
    if (line === undefined) {
      line = { hour: new Date(hour * HOUR).toISOString(), key, operation, requests: 0, transactions: 0, instance: this.instance };
      this.counts.set(id, line);
    }
    line.requests++;
    line.transactions += transactions;
  }

  /** Appends the counts so far (one append per day file, made durable); resolves once written or kept for later. */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.write());
    return this.writing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.counts.size === 0) return;
    const taken = this.counts;
    this.counts = new Map();
    const byDay = new Map<string, UsageLine[]>();
    for (const line of taken.values()) {
      const day = line.hour.slice(0, 10);
      byDay.set(day, [...(byDay.get(day) ?? []), line]);
    }
    for (const [day, lines] of byDay) {
      try {
        await mkdir(this.directory, { recursive: true });
        const handle = await open(join(this.directory, `${day}.jsonl`), 'a');
        try {
          const data = Buffer.from(lines.map((l) => JSON.stringify(l) + '\n').join(''), 'utf8');
          await handle.write(data, 0, data.length);
          await handle.sync();
        } finally {
          await handle.close();
        }
      } catch (e) {
        // Kept for the next append: merged with whatever was counted meanwhile.
        for (const l of lines) this.keep(l);
        const t = Date.now();
        if (t - this.failedAt >= 60_000) {
          this.failedAt = t;
          this.log('error', `usage ledger: cannot append to ${this.directory} (${(e as Error).message}); the counts are kept and written at the next interval`);
        }
      }
    }
  }

  private keep(l: UsageLine): void {
    const id = `${Math.floor(Date.parse(l.hour) / HOUR)} ${l.key} ${l.operation}`;
    const now = this.counts.get(id);
    if (now === undefined) this.counts.set(id, { ...l });
    else {
      now.requests += l.requests;
      now.transactions += l.transactions;
    }
  }
}
