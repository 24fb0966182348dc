// ISO-8601 durations as Azure's service configuration carries them (docs/azure-api.md §3: rewardWaitTime,
// modelExportFrequency, autoOptimizationFrequency). Accepted: PnW, or PnDTnHnMnS with any subset of parts,
// decimals allowed on every part (PT0.5S, PT1.5H), case-insensitive. Rejected: years and months (their
// length in milliseconds depends on the calendar), negative and empty durations (P, PT).
const PATTERN =
  /^P(?:(\d+(?:\.\d+)?)W|(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?)$/i;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Milliseconds in an ISO-8601 duration, or null when the text is not one we accept. */
export function parseDuration(text: string): number | null {
  const m = PATTERN.exec(text.trim());
  if (!m) return null;
  const [, w, d, h, min, s] = m;
  // "P", "PT" and "P1DT" match the pattern with no (or a dangling) time part: not durations.
  if (w === undefined && d === undefined && h === undefined && min === undefined && s === undefined) return null;
  if (/T$/i.test(text.trim())) return null;
  const n = (x: string | undefined): number => (x === undefined ? 0 : Number(x));
  return Math.round(n(w) * 7 * DAY + n(d) * DAY + n(h) * HOUR + n(min) * MINUTE + n(s) * SECOND);
}
