/**
 * RFC 3339 timestamps as Step Functions reads them (Choice `Timestamp*` rules, Wait `Timestamp`): an
 * uppercase `T` between date and time, `Z` or a numeric offset, optional fractional seconds of any length.
 */

/** An instant with nanosecond precision. */
export interface Instant {
  readonly epochSeconds: number;
  readonly nanos: number;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp; `undefined` when the text is not one (or names an impossible date). */
export function parseTimestamp(text: unknown): Instant | undefined {
  if (typeof text !== 'string') return undefined;
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const zone = match[8]!;
  let offsetSeconds = 0;
  if (zone !== 'Z') {
    const [offsetHours, offsetMinutes] = zone.slice(1).split(':').map(Number) as [number, number];
    if (offsetHours > 23 || offsetMinutes > 59) return undefined;
    offsetSeconds = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 3600 + offsetMinutes * 60);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0-99 to 1900-1999; set the year explicitly.
  const epochMillis = new Date(utc).setUTCFullYear(year);
  return {
    epochSeconds: epochMillis / 1000 - offsetSeconds,
    nanos: Number((match[7] ?? '').padEnd(9, '0')),
  };
}

/** True when `text` is a timestamp {@link parseTimestamp} accepts. */
export function isTimestamp(text: unknown): boolean {
  return parseTimestamp(text) !== undefined;
}

/** Negative, zero or positive as `left` is before, at or after `right`. */
export function compareInstants(left: Instant, right: Instant): number {
  return left.epochSeconds - right.epochSeconds || left.nanos - right.nanos;
}
