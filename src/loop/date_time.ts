// ISO-8601 date-times as the spec's `format: date-time` fields carry them (EvaluationContract.startTime/endTime,
// ServiceConfiguration.autoOptimizationStartDate): RFC 3339's profile, `2019-01-19T00:00:00Z`, fractions of a
// second and a numeric offset allowed, the offset required (a time without one means a different instant on
// every machine). JavaScript's Date.parse alone also takes "2019-01-19", "Jan 19 2019" and 2019-02-30.
const PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch, or null when the text is not an RFC 3339 date-time of a real day. */
export function parseDateTime(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = PATTERN.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  if (mo! < 1 || mo! > 12 || d! < 1 || h! > 23 || mi! > 59 || s! > 60) return null;
  // The day must exist in its month (Date.UTC would roll 02-30 over to March).
  if (new Date(Date.UTC(y!, mo! - 1, d!)).getUTCDate() !== d) return null;
  const ms = Date.parse(text.trim());
  return Number.isFinite(ms) ? ms : null;
}

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}
