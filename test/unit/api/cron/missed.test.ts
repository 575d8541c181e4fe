/** mostRecentActivation: the catch-up rule behind CronJob scheduling (kube's mostRecentScheduleTime). */
import { describe, expect, it } from 'vitest';
import { ScheduleIntervalError, formatRfc3339, isKnownTimeZone, mostRecentActivation, offsetMs, parseGoDuration, parseSchedule, zonedDate } from '../../../../control/api/cron/index.js';

const ms = (iso: string): number => Date.parse(iso);
const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : formatRfc3339(t, 'UTC'));

function recent(spec: string, earliest: string, now: string, zone = 'UTC') {
  const r = mostRecentActivation(parseSchedule(spec), ms(earliest), ms(now), zone);
  return { mostRecent: iso(r.mostRecent), missed: r.missed };
}

describe('mostRecentActivation', () => {
  it('nothing due before the first activation after earliest', () => {
    expect(recent('*/1 * * * *', '2024-05-01T10:00:10Z', '2024-05-01T10:00:59Z')).toEqual({ mostRecent: undefined, missed: 'none' });
  });

  it('exactly one due: that one, none missed', () => {
    expect(recent('*/1 * * * *', '2024-05-01T10:00:10Z', '2024-05-01T10:01:00Z')).toEqual({ mostRecent: '2024-05-01T10:01:00Z', missed: 'none' });
    expect(recent('*/1 * * * *', '2024-05-01T10:00:10Z', '2024-05-01T10:01:59Z')).toEqual({ mostRecent: '2024-05-01T10:01:00Z', missed: 'none' });
  });

  it('several due: the latest, reported as few missed', () => {
    expect(recent('*/5 * * * *', '2024-05-01T10:00:00Z', '2024-05-01T10:17:00Z')).toEqual({ mostRecent: '2024-05-01T10:15:00Z', missed: 'few' });
    expect(recent('0 * * * *', '2024-05-01T10:00:00Z', '2024-05-03T09:59:59Z')).toEqual({ mostRecent: '2024-05-03T09:00:00Z', missed: 'few' });
  });

  it('over 100 missed: many, and still the most recent time', () => {
    expect(recent('*/1 * * * *', '2024-05-01T10:00:00Z', '2024-05-01T11:41:30Z')).toEqual({ mostRecent: '2024-05-01T11:41:00Z', missed: 'many' });
    expect(recent('*/1 * * * *', '2024-05-01T10:00:00Z', '2024-05-01T11:40:30Z')).toEqual({ mostRecent: '2024-05-01T11:40:00Z', missed: 'few' });
    expect(recent('0 0 * * *', '2000-01-01T00:00:00Z', '2024-05-01T11:40:30Z')).toEqual({ mostRecent: '2024-05-01T00:00:00Z', missed: 'many' });
  });

  it('irregular schedules still land on the right time (the estimate starts one interval early)', () => {
    // every 4 hours from 06:30 to 14:30 on weekdays: intervals of 4 h and of 2 days
    expect(recent('30 6-16/4 * * 1-5', '2024-05-03T14:30:00Z', '2024-05-07T11:00:00Z'))
      .toEqual({ mostRecent: '2024-05-07T10:30:00Z', missed: 'few' });
    expect(recent('0 9 1,15 * FRI', '2024-03-01T09:00:00Z', '2024-04-02T00:00:00Z')).toEqual({ mostRecent: '2024-04-01T09:00:00Z', missed: 'few' });
  });

  it('across a DST change in the schedule zone', () => {
    const r = mostRecentActivation(parseSchedule('30 2 * * *'), ms('2024-03-09T02:30:00-05:00'), ms('2024-03-11T12:00:00-04:00'), 'America/New_York');
    expect(formatRfc3339(r.mostRecent!, 'America/New_York')).toBe('2024-03-11T02:30:00-04:00'); // the 10th had no 02:30
  });

  it('schedules that never fire are an error (upstream: less than 1 second between schedules)', () => {
    expect(() => recent('0 0 31 2 *', '2024-01-01T00:00:00Z', '2024-05-01T00:00:00Z')).toThrow(ScheduleIntervalError);
    expect(() => recent('0 0 31 2 *', '2024-01-01T00:00:00Z', '2024-05-01T00:00:00Z')).toThrow('time difference between two schedules is less than 1 second');
  });
});

describe('zoned time helpers', () => {
  it('Go time.Date for a wall time in a gap or an overlap', () => {
    // 02:30 does not exist in New York on 2024-03-10; Go resolves it with the EDT offset
    expect(formatRfc3339(zonedDate(2024, 3, 10, 2, 30, 0, 'America/New_York'), 'America/New_York')).toBe('2024-03-10T01:30:00-05:00');
    // 01:30 exists twice on 2024-11-03; Go picks the first (EDT)
    expect(formatRfc3339(zonedDate(2024, 11, 3, 1, 30, 0, 'America/New_York'), 'America/New_York')).toBe('2024-11-03T01:30:00-04:00');
    expect(formatRfc3339(zonedDate(2024, 10, 32, 0, 0, 0, 'UTC'), 'UTC')).toBe('2024-11-01T00:00:00Z');
    expect(offsetMs(ms('2024-07-01T00:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
  });

  it('time zone names as Go loads them', () => {
    for (const ok of ['UTC', 'America/New_York', 'Europe/London', 'Etc/GMT+2', 'Asia/Kolkata', '']) expect(isKnownTimeZone(ok), ok).toBe(true);
    for (const bad of ['Mars/Base', 'america/new_york', 'Not A Zone', 'EST+5']) expect(isKnownTimeZone(bad), bad).toBe(false);
  });

  it('Go durations', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5h')).toBe(5_400_000);
    expect(parseGoDuration('-90s')).toBe(-90_000);
    expect(parseGoDuration('0')).toBe(0);
    expect(() => parseGoDuration('')).toThrow('time: invalid duration ""');
    expect(() => parseGoDuration('h')).toThrow('time: invalid duration "h"');
  });
});
