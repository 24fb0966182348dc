// The PostgreSQL store's offline-evaluation part: evaluation jobs, and the joined events of a rank-time range read
// for a replay (the same contract as sqlite_evaluations.ts). Job rows are written in transactions of their own:
// they are few, and never on a Rank's path.
import { decodeId } from './postgres_events.js';
import type { PgConnection } from './postgres_pool.js';
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

/** A joined event an evaluation can learn from: not skipped, with a reward. */
const LEARNABLE = `j.skip_learn = false AND j.reward IS NOT NULL`;

export class PgEvaluations {
  constructor(private readonly conn: PgConnection) {}

  async estimate(from: number, to: number): Promise<EvaluationEventsEstimate | null> {
    const any = await this.conn.query(
      `SELECT 1 FROM events e JOIN joins j ON j.seq = e.seq WHERE e.ts >= $1 AND e.ts < $2 AND ${LEARNABLE} LIMIT 1`,
      [from, to],
    );
    if (any.rows.length === 0) return null;
    // The range's ends in rank-time order, from the (ts, seq) index's ends.
    const ends = await this.conn.query<{ first: number; last: number }>(
      `SELECT (SELECT seq FROM events WHERE ts >= $1 AND ts < $2 ORDER BY ts, seq LIMIT 1) AS first,
              (SELECT seq FROM events WHERE ts >= $1 AND ts < $2 ORDER BY ts DESC, seq DESC LIMIT 1) AS last`,
      [from, to],
    );
    const { first, last } = ends.rows[0]!;
    // A clock that stepped back, or processes ranking at once, can put the last in time before the first in seq.
    const lo = Math.min(first, last);
    const hi = Math.max(first, last);
    const events = hi - lo + 1;
    const sample = await this.read(from, to, lo - 1, hi, SAMPLE);
    let chars = 0;
    for (const e of sample) chars += e.context.length;
    return { events, contextBytes: sample.length > 0 ? Math.round((chars / sample.length) * events) : 0 };
  }

  async extent(from: number, to: number): Promise<EvaluationEventsExtent | null> {
    const r = await this.conn.query<{ n: number; first: number | null; last: number | null }>(
      `SELECT count(*) AS n, min(e.seq) AS first, max(e.seq) AS last FROM events e JOIN joins j ON j.seq = e.seq
       WHERE e.ts >= $1 AND e.ts < $2 AND ${LEARNABLE}`,
      [from, to],
    );
    const x = r.rows[0]!;
    return x.n === 0 || x.first === null || x.last === null ? null : { count: x.n, firstSeq: x.first, lastSeq: x.last };
  }

  async read(from: number, to: number, afterSeq: number, lastSeq: number, limit: number): Promise<EvaluationEventRow[]> {
    const r = await this.conn.query<{ seq: number; event_id: string; ts: number; context: string; actions: string; chosen_index: number; chosen_prob: number; reward: number }>(
      `SELECT e.seq, e.event_id, e.ts, e.context, e.actions, e.chosen_index, e.chosen_prob, j.reward
       FROM events e JOIN joins j ON j.seq = e.seq
       WHERE e.seq > $1 AND e.seq <= $2 AND e.ts >= $3 AND e.ts < $4 AND ${LEARNABLE}
       ORDER BY e.seq LIMIT $5`,
      [afterSeq, lastSeq, from, to, limit],
    );
    return r.rows.map((x) => ({
      seq: x.seq,
      eventId: decodeId(x.event_id),
      timestamp: x.ts,
      context: x.context,
      chosenIndex: x.chosen_index,
      chosenProbability: x.chosen_prob,
      reward: x.reward,
      actionCount: arrayLength(x.actions),
    }));
  }

  async insert(e: NewEvaluation): Promise<void> {
    await this.conn.query(
      'INSERT INTO evaluations (id, name, kind, status, contract, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [e.id, e.name, e.kind, e.status, e.contract, e.createdAt],
    );
  }

  async update(id: string, update: EvaluationUpdate, onlyIfStatus?: readonly string[]): Promise<boolean> {
    const keys = (Object.keys(update) as (keyof EvaluationUpdate)[]).filter((k) => update[k] !== undefined && k in UPDATE_COLUMNS);
    if (keys.length === 0) return (await this.get(id, false)) !== null;
    const values: unknown[] = keys.map((k) => update[k] ?? null);
    const set = keys.map((k, i) => `${UPDATE_COLUMNS[k]} = $${i + 1}`).join(', ');
    values.push(id);
    let guard = '';
    if (onlyIfStatus !== undefined && onlyIfStatus.length > 0) {
      values.push([...onlyIfStatus]);
      guard = ` AND status = ANY($${values.length}::text[])`;
    }
    const r = await this.conn.query(`UPDATE evaluations SET ${set} WHERE id = $${keys.length + 1}${guard}`, values);
    return (r.rowCount ?? 0) > 0;
  }

  async get(id: string, withResult: boolean): Promise<EvaluationRecord | null> {
    const r = await this.conn.query<EvaluationRow>(`SELECT ${COLUMNS}${withResult ? ', result' : ''} FROM evaluations WHERE id = $1`, [id]);
    return r.rows[0] ? toRecord(r.rows[0]) : null;
  }

  async list(): Promise<EvaluationRecord[]> {
    const r = await this.conn.query<EvaluationRow>(`SELECT ${COLUMNS} FROM evaluations ORDER BY seq DESC`);
    return r.rows.map(toRecord);
  }

  async delete(id: string): Promise<boolean> {
    const r = await this.conn.query('DELETE FROM evaluations WHERE id = $1', [id]);
    return (r.rowCount ?? 0) > 0;
  }
}
