// GET /dashboard/api/overview's parameters (docs/dashboard.md): `from` and `to`, ISO-8601 date-times with a zone
// (the range [from, to), at most MAX_RANGE_DAYS long, widened to whole buckets), and `interval`, the bucket width
// in minutes from a fixed set. Without `from`/`to` the last hour; without `interval` the smallest width that gives at most
// TARGET_BUCKETS buckets. Every refusal is a 400 in Azure's error shape with the parameter named.
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** Bucket widths in minutes: a minute, 5 and 15 minutes, an hour, 6 hours, a day. */
export const INTERVALS = [1, 5, 15, 60, 360, 1440] as const;
export const MAX_RANGE_DAYS = 92;
/** At most this many buckets per answer, whatever the interval: a chart has no use for more points. */
export const MAX_BUCKETS = 1000;
const TARGET_BUCKETS = 240;
const MINUTE = 60_000;

export interface OverviewQuery {
  /** Whole minutes since epoch (UTC): the range [fromMinute, toMinute). */
  fromMinute: number;
  toMinute: number;
  interval: number;
}

export class QueryError extends Error {}

function time(name: string, value: unknown): number {
  if (typeof value !== 'string' || !ISO.test(value)) {
    throw new QueryError(`${name} must be an ISO-8601 date-time with a time zone, such as 2024-05-01T12:00:00Z.`);
  }
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new QueryError(`${name} is not a valid date-time: ${value}.`);
  return t;
}

export function parseOverviewQuery(query: Record<string, unknown>, now: number): OverviewQuery {
  for (const [k, v] of Object.entries(query)) {
    if (!['from', 'to', 'interval'].includes(k)) throw new QueryError(`Unknown parameter ${k}: the parameters are from, to and interval.`);
    if (Array.isArray(v)) throw new QueryError(`${k} is given more than once.`);
  }
  const to = query['to'] === undefined ? now : time('to', query['to']);
  const from = query['from'] === undefined ? to - 60 * MINUTE : time('from', query['from']);
  if (from >= to) throw new QueryError('from must be before to.');
  if (to - from > MAX_RANGE_DAYS * 24 * 60 * MINUTE) throw new QueryError(`The range from … to is longer than ${MAX_RANGE_DAYS} days.`);
  // Minutes touched by the range: the first one it starts in, up to the one holding its last instant; then
  // widened to whole buckets (UTC multiples of the interval: hours start at :00, days at midnight UTC).
  const first = Math.floor(from / MINUTE);
  const last = Math.ceil(to / MINUTE);
  const span = last - first;
  let interval: number;
  if (query['interval'] === undefined) {
    interval = INTERVALS.find((i) => span / i <= TARGET_BUCKETS) ?? INTERVALS[INTERVALS.length - 1];
  } else {
    const text = query['interval'];
    interval = typeof text === 'string' && /^\d{1,5}$/.test(text) ? Number(text) : NaN;
    if (!(INTERVALS as readonly number[]).includes(interval)) {
      throw new QueryError(`interval must be one of ${INTERVALS.join(', ')} (minutes).`);
    }
    if (span / interval > MAX_BUCKETS) {
      throw new QueryError(`from … to holds ${Math.ceil(span / interval)} intervals of ${interval} minutes; at most ${MAX_BUCKETS}: choose a wider interval.`);
    }
  }
  return { fromMinute: Math.floor(first / interval) * interval, toMinute: Math.ceil(last / interval) * interval, interval };
}
