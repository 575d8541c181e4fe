/**
 * Wall-clock arithmetic in IANA time zones, built on Intl (Node's ICU carries the full tz
 * history), with exactly the semantics Go's `time` package gives robfig/cron:
 *
 * - `wallClock(ms, zone)` is Go's `t.In(loc)` field access (Year/Month/Day/Hour/…/Weekday).
 * - `zonedDate(y, mo, d, h, mi, s, zone)` is Go's `time.Date(…, loc)`: out-of-range fields are
 *   normalised (October 32 → November 1) and a wall time that does not exist (a spring-forward
 *   gap) or exists twice (a fall-back overlap) resolves the way Go's implementation does: guess
 *   the offset in force at the wall time read as UTC, and if the resulting instant lies in a
 *   period with another offset, use that one. The cron search depends on this choice (a midnight
 *   that does not exist lands on 23:00 the day before, which the day loop then corrects).
 * - Times are Unix milliseconds; the schedules work in whole seconds, so nothing finer matters.
 */

export interface WallClock {
  year: number;
  /** 1–12 */
  month: number;
  /** 1–31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday … 6 = Saturday */
  weekday: number;
}

export const UTC = 'UTC';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

function isUtc(zone: string): boolean {
  return zone === UTC || zone === 'Etc/UTC';
}

export function wallClock(ms: number, zone: string): WallClock {
  const wallMs = isUtc(zone) ? ms : ms + offsetMs(ms, zone);
  const d = new Date(wallMs);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay(),
  };
}

/** The zone's UTC offset at the instant `ms`, in milliseconds (east of UTC positive). */
export function offsetMs(ms: number, zone: string): number {
  if (isUtc(zone)) return 0;
  const seconds = Math.floor(ms / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(seconds))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - seconds;
}

/** Go's time.Date in `zone` (see the note at the top for gaps and overlaps). */
export function zonedDate(year: number, month: number, day: number, hour: number, minute: number, second: number, zone: string): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years 0–99 literal, unlike Date.UTC
  d.setUTCHours(hour, minute, second, 0);
  const wallAsUtc = d.getTime();
  if (isUtc(zone)) return wallAsUtc;
  let offset = offsetMs(wallAsUtc, zone);
  if (offset !== 0) {
    const guess = offsetMs(wallAsUtc - offset, zone);
    if (guess !== offset) offset = guess;
  }
  return wallAsUtc - offset;
}

/**
 * Whether Go's time.LoadLocation would find `name`. Intl resolves names case-insensitively while
 * Go reads case-sensitive zoneinfo files, so a name that only matches a canonical one in another
 * case ("america/new_york") is refused; "" and "UTC" are Go's UTC, "Local" the process zone.
 */
export function isKnownTimeZone(name: string): boolean {
  if (name === '' || name === UTC || name === 'Local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    return false;
  }
  const lower = name.toLowerCase();
  return !canonicalZones().some((z) => z !== name && z.toLowerCase() === lower);
}

let canonical: readonly string[] | undefined;
function canonicalZones(): readonly string[] {
  canonical ??= (Intl as unknown as { supportedValuesOf(key: string): string[] }).supportedValuesOf('timeZone');
  return canonical;
}

/** The zone of this process (what Go calls time.Local); UTC when unset, as in containers. */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || UTC;
}

/** Go's LoadLocation names → the Intl zone they mean. */
export function resolveZone(name: string): string {
  if (name === '' || name === UTC) return UTC;
  if (name === 'Local') return localTimeZone();
  return name;
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');

function offsetText(offset: number, colon: boolean): string {
  const minutes = Math.trunc(offset / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  return `${sign}${pad(Math.trunc(Math.abs(minutes) / 60))}${colon ? ':' : ''}${pad(Math.abs(minutes) % 60)}`;
}

/** Go's `t.In(zone).Format(time.RFC3339)`: `2024-03-10T01:30:00-05:00`, `…Z` at offset zero. */
export function formatRfc3339(ms: number, zone: string): string {
  const w = wallClock(ms, zone);
  const offset = offsetMs(ms, zone);
  const date = `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`;
  return `${date}${Math.trunc(offset / 60_000) === 0 ? 'Z' : offsetText(offset, true)}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's `t.UTC().Format(time.RFC1123Z)`: `Mon, 02 Jan 2006 15:04:05 +0000`. */
export function formatRfc1123zUtc(ms: number): string {
  const w = wallClock(ms, UTC);
  return `${DAYS[w.weekday]}, ${pad(w.day)} ${MONTHS[w.month - 1]} ${pad(w.year, 4)} ${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)} +0000`;
}
