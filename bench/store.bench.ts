// The store's insert path, the part of a Rank the loop's main thread spends logging the event: bytes per stored
// event and CPU per insert, for the context stored in parts (context_parts.ts, schema 6) against the context stored
// whole (schema 5 and its insert statement, as before). Events of the HTTP benchmark's shape with the variety of
// real traffic (src/testing/logged_events.ts: a user context of its own per event; 10 of 40 actions in random
// order, or the same 10 at every call), 8 inserts per transaction (a group commit), the store's pragmas.
// Old and new alternate, BENCH_STORE_ROUNDS rounds of BENCH_STORE_EVENTS events each in a fresh file; the
// round with the median ratio is reported. CPU time (not wall time): the machines are shared.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ContextPacker } from '../src/store/context_parts.js';
import { MIGRATIONS } from '../src/store/sqlite_schema.js';
import type { NewEvent } from '../src/store/index.js';
import { benchEvents } from '../src/testing/logged_events.js';
import type { BenchResult } from './types.js';

const EVENTS = Number(process.env.BENCH_STORE_EVENTS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_STORE_ROUNDS ?? 5);
const GROUP = 8;

interface Round {
  usPerInsert: number;
  bytesPerEvent: number;
}

function compact(xs: number[]): string {
  return '[' + xs.join(',') + ']';
}

function runOnce(events: NewEvent[], packed: boolean): Round {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pzr-store-bench-'));
  const db = new Database(path.join(dir, 'p.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('wal_autocheckpoint = 0'); // the store checkpoints on another thread
    const migrations = packed ? MIGRATIONS : MIGRATIONS.slice(0, 5);
    for (const m of migrations) db.exec(m);
    const counter = db.prepare<[string], number>(`SELECT value FROM counters WHERE name = ?`).pluck();
    const setCounter = db.prepare(`UPDATE counters SET value = ? WHERE name = ?`);
    const insertPart = packed ? db.prepare(`INSERT INTO context_parts (epoch, text) VALUES (?, ?)`) : null;
    const packer = new ContextPacker({
      newEpoch: () => {
        const epoch = counter.get('context_epoch')! + 1;
        setCounter.run(epoch, 'context_epoch');
        return epoch;
      },
      currentEpoch: () => counter.get('context_epoch')!,
      insertPart: (epoch, text) => Number(insertPart!.run(epoch, text).lastInsertRowid),
    });
    // The store's own statements (sqlite.ts insertEvent, before and after schema 6).
    const insertOld = db.prepare(`INSERT INTO events (event_id, ts, context, actions, probabilities, chosen_index, chosen_prob, model_version,
           defer_activation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (event_id) DO NOTHING`);
    const insertNew = packed
      ? db.prepare(`INSERT INTO events (event_id, ts, context, context_refs, actions, probabilities, chosen_index, chosen_prob,
           model_version, defer_activation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (event_id) DO NOTHING`)
      : insertOld;
    const group = db.transaction((batch: NewEvent[]) => {
      for (const e of batch) {
        const a = compact(e.actions);
        const p = compact(e.probabilities);
        if (packed) {
          const c = packer.pack(e.context);
          insertNew.run(e.eventId, e.timestamp, c.text, c.refs, a, p, e.chosenIndex, e.chosenProbability, e.modelVersion, 0);
        } else {
          insertOld.run(e.eventId, e.timestamp, e.context, a, p, e.chosenIndex, e.chosenProbability, e.modelVersion, 0);
        }
      }
    }).immediate;
    const before = process.cpuUsage();
    for (let i = 0; i < events.length; i += GROUP) group(events.slice(i, i + GROUP));
    const used = process.cpuUsage(before);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const bytes = (db.pragma('page_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
    return { usPerInsert: (used.user + used.system) / events.length, bytesPerEvent: bytes / events.length };
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function scenario(label: string, events: NewEvent[]): BenchResult[] {
  runOnce(events.slice(0, 2000), false); // warm-up of both paths
  runOnce(events.slice(0, 2000), true);
  const rounds: { old: Round; packed: Round; ratio: number }[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const old = runOnce(events, false);
    const packed = runOnce(events, true);
    rounds.push({ old, packed, ratio: packed.usPerInsert / old.usPerInsert });
  }
  const sorted = [...rounds].sort((a, b) => a.ratio - b.ratio);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const ratios = rounds.map((r) => r.ratio.toFixed(2)).join(', ');
  const load = os.loadavg()[0]!.toFixed(2);
  return [
    {
      name: `store: bytes per logged event, context in parts, ${label}`,
      value: median.packed.bytesPerEvent,
      unit: 'B',
      baseline: median.old.bytesPerEvent,
      baselineRatio: median.packed.bytesPerEvent / median.old.bytesPerEvent,
      note: `${EVENTS} events of http.bench's shape; baseline: the context stored whole (schema 5)`,
    },
    {
      name: `store: CPU per insert, context in parts, ${label}`,
      value: median.packed.usPerInsert,
      unit: 'µs',
      baseline: median.old.usPerInsert,
      baselineRatio: median.ratio,
      note: `${GROUP} inserts per commit; median of ${ROUNDS} alternating rounds (${ratios}); load ${load}`,
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  return [
    ...scenario('10 of 40 actions in random order', benchEvents(EVENTS)),
    ...scenario('the same 10 actions at every call', benchEvents(EVENTS, 1, true)),
  ];
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const rows = await run();
  process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
}
