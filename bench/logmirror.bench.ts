// The log mirror catching up a backlog (src/loop/log_mirror.ts, docs/log-mirror.md): BENCH_MIRROR_EVENTS joined
// events of the HTTP benchmark's shape (src/testing/logged_events.ts: 10 actions × 10 features, about 4 kB a line)
// in a SQLite store, written as DSJSON lines with an fsync per batch. Reported: lines per second, and against the
// same run's baseline, the rate at which the same store took those events in (insert, then join, in one process):
// above 1, one mirror writes faster than one process logs. Also how late the main thread's timers ran while the
// mirror worked (a request waits about as long), against the same process idle for as long.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LogMirror } from '../src/loop/log_mirror.js';
import { listMirrorFiles } from '../src/loop/log_mirror_files.js';
import { openStore } from '../src/store/index.js';
import { benchEvents } from '../src/testing/logged_events.js';
import type { BenchResult } from './types.js';

const EVENTS = Number(process.env.BENCH_MIRROR_EVENTS ?? 20_000);

export async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-mirror-bench-'));
  const store = await openStore(`sqlite:${path.join(dir, 'p.db')}`);
  try {
    const events = benchEvents(EVENTS, 7);
    const t0 = process.hrtime.bigint();
    await Promise.all(events.map((e) => store.insertEvent(e)));
    for (;;) {
      const n = await store.joinDue(Number.MAX_SAFE_INTEGER, Date.now(), () => ({ skipLearn: false, reward: 1 }), 1000);
      if (n === 0) break;
    }
    const ingestS = Number(process.hrtime.bigint() - t0) / 1e9;

    const mirror = new LogMirror({ directory: path.join(dir, 'mirror'), maxFileBytes: 100 * 1024 * 1024 }, store, Date.now, () => undefined);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const t1 = process.hrtime.bigint();
    while (mirror.stats.lines < EVENTS) await mirror.tick(true);
    const mirrorS = Number(process.hrtime.bigint() - t1) / 1e9;
    delay.disable();
    // The same measure with nothing to do for as long: what the shared machine's scheduling alone costs.
    const idle = monitorEventLoopDelay({ resolution: 10 });
    idle.enable();
    await new Promise((r) => setTimeout(r, mirrorS * 1000));
    idle.disable();
    const bytes = (await listMirrorFiles(path.join(dir, 'mirror'))).reduce((s, f) => s + fs.statSync(f.path).size, 0);
    const rate = EVENTS / mirrorS;
    const ingest = EVENTS / ingestS;
    return [
      {
        name: 'log mirror catch-up',
        value: rate,
        unit: 'lines/s',
        baseline: ingest,
        baselineRatio: rate / ingest,
        note: `${EVENTS} events, ${(bytes / EVENTS / 1024).toFixed(1)} kB a line, ${((bytes / mirrorS) / 1e6).toFixed(1)} MB/s; baseline: the same store's insert + join rate`,
      },
      {
        name: 'log mirror event-loop delay p99',
        value: delay.percentile(99) / 1e6,
        unit: 'ms',
        baseline: idle.percentile(99) / 1e6,
        baselineRatio: delay.percentile(99) / idle.percentile(99),
        note: `while the backlog was written (max ${(delay.max / 1e6).toFixed(0)} ms); baseline: idle for as long (max ${(idle.max / 1e6).toFixed(0)} ms)`,
      },
    ];
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
