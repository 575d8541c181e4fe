/**
 * Cron schedules exactly as kube's CronJob controller reads them: robfig/cron v3's
 * `ParseStandard` and `Schedule.Next`, ported.
 *
 * Syntax: five fields `minute hour day-of-month month day-of-week`, each a comma list of
 * `*`/`?`, `N`, `N-M`, with an optional `/step` (`N/step` means `N-max/step`); months JAN–DEC and
 * weekdays SUN–SAT by name (any case); weekday 0–6 (7 is refused, as upstream); the descriptors
 * @yearly @annually @monthly @weekly @daily @midnight @hourly and `@every <Go duration>`; an
 * optional `TZ=<zone> ` / `CRON_TZ=<zone> ` prefix (the API refuses it on create; the
 * controller still reads it on CronJobs that carried it before).
 *
 * Semantics that users notice, all robfig's:
 * - day-of-month and day-of-week: if either field starts with `*` or `?` (a `*` with a step
 *   of 1 counts, `*\/2` does not) BOTH must match; otherwise EITHER matches (`0 0 1,15 * MON` runs
 *   on the 1st, the 15th and every Monday) — like Vixie cron.
 * - Daylight saving: the search walks wall-clock fields but moves by real hours, so a time in a
 *   spring-forward gap is skipped that day (02:30 New York on the second Sunday of March) and a
 *   time in a fall-back overlap runs twice (01:30 on the first Sunday of November).
 * - `next` returns undefined when nothing matches within five years (`0 0 30 2 *`).
 *
 * Parse errors carry robfig's messages, which kube-apiserver reports in
 * `spec.schedule: Invalid value: "…": <message>`.
 */
import { parseGoDuration } from './go-duration.js';
import { isKnownTimeZone, resolveZone, wallClock, zonedDate } from './zoned-time.js';

export interface CronSchedule {
  /** Zone named by a TZ=/CRON_TZ= prefix; otherwise the zone passed to next() applies. */
  readonly location?: string;
  /** The first activation strictly after `afterMs` (whole seconds), or undefined if none within 5 years. */
  next(afterMs: number, zone: string): number | undefined;
}

export class CronSyntaxError extends Error {
  override name = 'CronSyntaxError';
}

interface Bounds { min: number; max: number; names?: Record<string, number> }

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1, max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** A field: which values match, and whether it was written starting with `*`/`?` (robfig's star bit). */
interface Field { values: ReadonlySet<number>; star: boolean }

const fail = (message: string): never => {
  throw new CronSyntaxError(message);
};

/** strconv.Atoi as robfig's mustParseInt uses it, with Go's messages. */
function parseUint(expr: string): bigint {
  if (!/^[+-]?\d+$/.test(expr)) fail(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = BigInt(expr);
  if (n > 9_223_372_036_854_775_807n || n < -9_223_372_036_854_775_808n) {
    fail(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: value out of range`);
  }
  if (n < 0n) fail(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names: Bounds['names']): bigint {
  const named = names?.[expr.toLowerCase()];
  return named !== undefined ? BigInt(named) : parseUint(expr);
}

function parseRange(expr: string, r: Bounds, into: Set<number>): boolean {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0]!.split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: bigint;
  let end: bigint;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = BigInt(r.min);
    end = BigInt(r.max);
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0]!, r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1]!, r.names);
    else return fail(`too many hyphens: ${expr}`);
  }
  let step = 1n;
  if (rangeAndStep.length === 2) {
    step = parseUint(rangeAndStep[1]!);
    if (singleDigit) end = BigInt(r.max);
    if (step > 1n) star = false;
  } else if (rangeAndStep.length > 2) {
    fail(`too many slashes: ${expr}`);
  }
  if (start < BigInt(r.min)) fail(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > BigInt(r.max)) fail(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) fail(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0n) fail(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.add(Number(v));
  return star;
}

function parseField(text: string, r: Bounds): Field {
  const values = new Set<number>();
  let star = false;
  for (const expr of text.split(',').filter((e) => e !== '')) star = parseRange(expr, r, values) || star;
  return { values, star };
}

const one = (v: number): Field => ({ values: new Set([v]), star: false });
const all = (r: Bounds): Field => {
  const values = new Set<number>();
  for (let v = r.min; v <= r.max; v++) values.add(v);
  return { values, star: true };
};

/** The five-field (plus seconds, always 0 here) schedule: robfig's SpecSchedule. */
class SpecSchedule implements CronSchedule {
  constructor(
    private readonly second: Field, private readonly minute: Field, private readonly hour: Field,
    private readonly dom: Field, private readonly month: Field, private readonly dow: Field,
    readonly location?: string,
  ) {}

  private dayMatches(day: number, weekday: number): boolean {
    const domMatch = this.dom.values.has(day);
    const dowMatch = this.dow.values.has(weekday);
    if (this.dom.star || this.dow.star) return domMatch && dowMatch;
    return domMatch || dowMatch;
  }

  next(afterMs: number, defaultZone: string): number | undefined {
    const zone = this.location ?? defaultZone;
    // the earliest possible time: the upcoming whole second
    let t = Math.floor(afterMs / 1000) * 1000 + 1000;
    let w = wallClock(t, zone);
    const set = (ms: number): void => {
      t = ms;
      w = wallClock(t, zone);
    };
    let added = false;
    const yearLimit = w.year + 5;

    wrap: for (;;) {
      if (w.year > yearLimit) return undefined;

      while (!this.month.values.has(w.month)) {
        if (!added) {
          added = true;
          set(zonedDate(w.year, w.month, 1, 0, 0, 0, zone));
        }
        set(zonedDate(w.year, w.month + 1, w.day, w.hour, w.minute, w.second, zone));
        if (w.month === 1) continue wrap;
      }

      while (!this.dayMatches(w.day, w.weekday)) {
        if (!added) {
          added = true;
          set(zonedDate(w.year, w.month, w.day, 0, 0, 0, zone));
        }
        set(zonedDate(w.year, w.month, w.day + 1, w.hour, w.minute, w.second, zone));
        // a day whose midnight does not exist (DST at 00:00) starts at 01:00 or lands on 23:00
        if (w.hour !== 0) set(w.hour > 12 ? t + (24 - w.hour) * 3_600_000 : t - w.hour * 3_600_000);
        if (w.day === 1) continue wrap;
      }

      while (!this.hour.values.has(w.hour)) {
        if (!added) {
          added = true;
          set(zonedDate(w.year, w.month, w.day, w.hour, 0, 0, zone));
        }
        set(t + 3_600_000);
        if (w.hour === 0) continue wrap;
      }

      while (!this.minute.values.has(w.minute)) {
        if (!added) {
          added = true;
          set(Math.floor(t / 60_000) * 60_000);
        }
        set(t + 60_000);
        if (w.minute === 0) continue wrap;
      }

      while (!this.second.values.has(w.second)) {
        if (!added) {
          added = true;
          set(Math.floor(t / 1000) * 1000);
        }
        set(t + 1000);
        if (w.second === 0) continue wrap;
      }
      return t;
    }
  }
}

/** `@every <duration>`: robfig's ConstantDelaySchedule (at least 1 s, whole seconds). */
class ConstantDelaySchedule implements CronSchedule {
  readonly location?: string;
  constructor(private readonly delayMs: number, location?: string) {
    this.location = location;
  }

  next(afterMs: number): number {
    return Math.floor(afterMs / 1000) * 1000 + this.delayMs;
  }
}

function parseDescriptor(descriptor: string, location: string | undefined): CronSchedule {
  const zero = one(0);
  const spec = (dom: Field, month: Field, dow: Field, hour: Field = zero) =>
    new SpecSchedule(zero, zero, hour, dom, month, dow, location);
  switch (descriptor) {
    case '@yearly':
    case '@annually':
      return spec(one(1), one(1), all(DOW));
    case '@monthly':
      return spec(one(1), all(MONTHS), all(DOW));
    case '@weekly':
      return spec(all(DOM), all(MONTHS), one(0));
    case '@daily':
    case '@midnight':
      return spec(all(DOM), all(MONTHS), all(DOW));
    case '@hourly':
      return spec(all(DOM), all(MONTHS), all(DOW), all(HOURS));
  }
  const every = '@every ';
  if (descriptor.startsWith(every)) {
    let ms: number;
    try {
      ms = parseGoDuration(descriptor.slice(every.length));
    } catch (err) {
      return fail(`failed to parse duration ${descriptor}: ${(err as Error).message}`);
    }
    const delay = ms < 1000 ? 1000 : ms - (ms % 1000);
    return new ConstantDelaySchedule(delay, location);
  }
  return fail(`unrecognized descriptor: ${descriptor}`);
}

/** robfig/cron v3 ParseStandard. Throws CronSyntaxError with robfig's message. */
export function parseSchedule(text: string): CronSchedule {
  let spec = text;
  if (spec.length === 0) fail('empty spec string');
  let location: string | undefined;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    const name = spec.slice(spec.indexOf('=') + 1, space === -1 ? undefined : space);
    if (space === -1) fail(`provided bad location ${name}: missing schedule after the time zone`);
    if (!isKnownTimeZone(name)) fail(`provided bad location ${name}: unknown time zone ${name}`);
    location = resolveZone(name);
    spec = spec.slice(space).trim();
  }
  if (spec.startsWith('@')) return parseDescriptor(spec, location);
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) fail(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const [minute, hour, dom, month, dow] = fields as [string, string, string, string, string];
  return new SpecSchedule(
    one(0), parseField(minute, MINUTES), parseField(hour, HOURS), parseField(dom, DOM),
    parseField(month, MONTHS), parseField(dow, DOW), location,
  );
}

/** The parse error message, or undefined for a valid schedule (what validation needs). */
export function scheduleError(text: string): string | undefined {
  try {
    parseSchedule(text);
    return undefined;
  } catch (err) {
    if (err instanceof CronSyntaxError) return err.message;
    throw err;
  }
}
