// The SQLite store's offline-evaluation part (schema 7): evaluation jobs, and the joined events of a rank-time
// range read for a replay. Writes go through the store's group commit like every other write; reads of events
// put each context together again within one snapshot (a retention purge may delete parts meanwhile).
import type Database from 'better-sqlite3';
import type { ContextUnpacker } from './context_parts.js';
import type { GroupCommit } from './group_commit.js';
import { arrayLength, COLUMNS, toRecord, UPDATE_COLUMNS, type EvaluationRow } from './evaluation_rows.js';
import type {
  EvaluationEventRow,
  EvaluationEventsEstimate,
  EvaluationEventsExtent,
  EvaluationRecord,
  EvaluationUpdate,
  NewEvaluation,
} from './types.js';

/** Events read to extrapolate the contexts' size of a range (estimate). */
const SAMPLE = 32;

interface EventRow {
  seq: number;
  event_id: string;
  ts: number;
  context: string;
  context_refs: string | null;
  actions: string;
  chosen_index: number;
  chosen_prob: number;
  reward: number;
}

export class SqliteEvaluations {
  private readonly q;
  private readonly updates = new Map<string, Database.Statement>();
  private readonly readTx: (from: number, to: number, afterSeq: number, lastSeq: number, limit: number) => EvaluationEventRow[];

  constructor(
    private readonly db: Database.Database,
    private readonly group: GroupCommit,
    private readonly unpacker: ContextUnpacker,
  ) {
    this.q = {
      insert: db.prepare(
        `INSERT INTO evaluations (id, name, kind, status, contract, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      get: db.prepare<[string], EvaluationRow>(`SELECT ${COLUMNS} FROM evaluations WHERE id = ?`),
      getWithResult: db.prepare<[string], EvaluationRow>(`SELECT ${COLUMNS}, result FROM evaluations WHERE id = ?`),
      list: db.prepare<[], EvaluationRow>(`SELECT ${COLUMNS} FROM evaluations ORDER BY seq DESC`),
      delete: db.prepare<[string]>(`DELETE FROM evaluations WHERE id = ?`),
      // Any joined, learnable event: the events' rank-time index, then the join of each (one lookup apiece).
      anyJoined: db.prepare<[number, number], number>(
        `SELECT e.seq FROM events e JOIN joins j ON j.seq = e.seq
         WHERE e.ts >= ? AND e.ts < ? AND j.skip_learn = 0 AND j.reward IS NOT NULL LIMIT 1`,
      ).pluck(),
      // The range's ends in rank-time order, from the index's ends (seq is rowid, the index's last column).
      firstInRange: db.prepare<[number, number], number>(
        `SELECT seq FROM events WHERE ts >= ? AND ts < ? ORDER BY ts, seq LIMIT 1`,
      ).pluck(),
      lastInRange: db.prepare<[number, number], number>(
        `SELECT seq FROM events WHERE ts >= ? AND ts < ? ORDER BY ts DESC, seq DESC LIMIT 1`,
      ).pluck(),
      extent: db.prepare<[number, number], { n: number; first: number | null; last: number | null }>(
        `SELECT COUNT(*) AS n, MIN(e.seq) AS first, MAX(e.seq) AS last FROM events e JOIN joins j ON j.seq = e.seq
         WHERE e.ts >= ? AND e.ts < ? AND j.skip_learn = 0 AND j.reward IS NOT NULL`,
      ),
      // NOT INDEXED: walk the events by rowid (seq) from afterSeq, which the page order needs anyway, rather than
      // through the rank-time index and a sort of the whole range at every page.
      read: db.prepare<[number, number, number, number, number], EventRow>(
        `SELECT e.seq, e.event_id, e.ts, e.context, e.context_refs, e.actions, e.chosen_index, e.chosen_prob, j.reward
         FROM events e NOT INDEXED JOIN joins j ON j.seq = e.seq
         WHERE e.seq > ? AND e.seq <= ? AND e.ts >= ? AND e.ts < ? AND j.skip_learn = 0 AND j.reward IS NOT NULL
         ORDER BY e.seq LIMIT ?`,
      ),
    };
    this.readTx = db.transaction((from: number, to: number, afterSeq: number, lastSeq: number, limit: number) =>
      this.q.read.all(afterSeq, lastSeq, from, to, limit).map((r) => ({
        seq: r.seq,
        eventId: r.event_id,
        timestamp: r.ts,
        context: this.unpacker.unpack(r.context, r.context_refs),
        chosenIndex: r.chosen_index,
        chosenProbability: r.chosen_prob,
        reward: r.reward,
        actionCount: arrayLength(r.actions),
      })),
    );
  }

  estimate(from: number, to: number): EvaluationEventsEstimate | null {
    if (this.q.anyJoined.get(from, to) === undefined) return null;
    const first = this.q.firstInRange.get(from, to)!;
    const last = this.q.lastInRange.get(from, to)!;
    // A clock that stepped back can put the last in time before the first in rank order.
    const lo = Math.min(first, last);
    const hi = Math.max(first, last);
    const events = hi - lo + 1;
    const sample = this.readTx(from, to, lo - 1, hi, SAMPLE);
    let chars = 0;
    for (const e of sample) chars += e.context.length;
    return { events, contextBytes: sample.length > 0 ? Math.round((chars / sample.length) * events) : 0 };
  }

  extent(from: number, to: number): EvaluationEventsExtent | null {
    const r = this.q.extent.get(from, to)!;
    return r.n === 0 || r.first === null || r.last === null ? null : { count: r.n, firstSeq: r.first, lastSeq: r.last };
  }

  read(from: number, to: number, afterSeq: number, lastSeq: number, limit: number): EvaluationEventRow[] {
    return this.readTx(from, to, afterSeq, lastSeq, limit);
  }

  insert(e: NewEvaluation): Promise<void> {
    return this.group.write(() => {
      this.q.insert.run(e.id, e.name, e.kind, e.status, e.contract, e.createdAt);
    }, true);
  }

  update(id: string, update: EvaluationUpdate, onlyIfStatus?: readonly string[]): Promise<boolean> {
    const keys = (Object.keys(update) as (keyof EvaluationUpdate)[]).filter((k) => update[k] !== undefined && k in UPDATE_COLUMNS);
    if (keys.length === 0) return Promise.resolve(this.q.get.get(id) !== undefined);
    const statuses = onlyIfStatus ?? [];
    const statement = this.updateStatement(keys, statuses.length);
    const values = keys.map((k) => update[k] as string | number | null);
    return this.group.write(() => statement.run(...values, id, ...statuses).changes > 0, true);
  }

  private updateStatement(keys: readonly (keyof EvaluationUpdate)[], statuses: number): Database.Statement {
    const key = `${keys.join(',')}|${statuses}`;
    let s = this.updates.get(key);
    if (!s) {
      const set = keys.map((k) => `${UPDATE_COLUMNS[k]} = ?`).join(', ');
      const guard = statuses > 0 ? ` AND status IN (${Array.from({ length: statuses }, () => '?').join(', ')})` : '';
      s = this.db.prepare(`UPDATE evaluations SET ${set} WHERE id = ?${guard}`);
      this.updates.set(key, s);
    }
    return s;
  }

  get(id: string, withResult: boolean): EvaluationRecord | null {
    const row = (withResult ? this.q.getWithResult : this.q.get).get(id);
    return row ? toRecord(row) : null;
  }

  list(): EvaluationRecord[] {
    return this.q.list.all().map(toRecord);
  }

  delete(id: string): Promise<boolean> {
    return this.group.write(() => this.q.delete.run(id).changes > 0, true);
  }
}
