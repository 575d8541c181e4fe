/**
 * The cron schedule parser and next-time search against robfig/cron v3's own test vectors
 * (spec_test.go, rewritten to five fields) plus the cases CronJob users trip over: *\/n, both
 * day fields set, Feb 29, DST gaps and overlaps, midnight-less days, names, macros, errors.
 */
import { describe, expect, it } from 'vitest';
import { formatRfc3339, parseSchedule, scheduleError } from '../../../../control/api/cron/index.js';

const ms = (iso: string): number => {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new Error(`bad test time ${iso}`);
  return t;
};
/** next activation after `from`, printed in `zone` like Go's RFC 3339 ('' when there is none). */
function next(spec: string, from: string, zone = 'UTC'): string {
  const t = parseSchedule(spec).next(ms(from), zone);
  return t === undefined ? '' : formatRfc3339(t, zone);
}
/** does the schedule fire exactly at `at`? (robfig's TestActivation: Next(at - 1s) == at) */
function fires(spec: string, at: string, zone = 'UTC'): boolean {
  return parseSchedule(spec).next(ms(at) - 1000, zone) === ms(at);
}

describe('parseSchedule: activation (robfig TestActivation)', () => {
  it.each([
    ['2012-07-09T15:00:00Z', '0/15 * * * *', true],
    ['2012-07-09T15:45:00Z', '0/15 * * * *', true],
    ['2012-07-09T15:40:00Z', '0/15 * * * *', false],
    ['2012-07-09T15:05:00Z', '5/15 * * * *', true],
    ['2012-07-09T15:20:00Z', '5/15 * * * *', true],
    ['2012-07-09T15:50:00Z', '5/15 * * * *', true],
    ['2012-07-15T15:00:00Z', '0/15 * * Jul *', true],
    ['2012-07-15T15:00:00Z', '0/15 * * Jun *', false],
    ['2012-07-15T08:30:00Z', '30 08 ? Jul Sun', true],
    ['2012-07-15T08:30:00Z', '30 08 15 Jul ?', true],
    ['2012-07-16T08:30:00Z', '30 08 ? Jul Sun', false],
    ['2012-07-16T08:30:00Z', '30 08 15 Jul ?', false],
    ['2012-07-09T15:00:00Z', '@hourly', true],
    ['2012-07-09T15:04:00Z', '@hourly', false],
    ['2012-07-09T15:00:00Z', '@daily', false],
    ['2012-07-09T00:00:00Z', '@daily', true],
    ['2012-07-09T00:00:00Z', '@midnight', true],
    ['2012-07-09T00:00:00Z', '@weekly', false],
    ['2012-07-08T00:00:00Z', '@weekly', true],
    ['2012-07-08T01:00:00Z', '@weekly', false],
    ['2012-07-08T00:00:00Z', '@monthly', false],
    ['2012-07-01T00:00:00Z', '@monthly', true],
    ['2013-01-01T00:00:00Z', '@yearly', true],
    ['2013-01-01T00:00:00Z', '@annually', true],
    ['2013-02-01T00:00:00Z', '@yearly', false],
    // both day fields restricted: either matches (Vixie cron)
    ['2012-07-15T00:00:00Z', '* * 1,15 * Sun', true],
    ['2012-06-15T00:00:00Z', '* * 1,15 * Sun', true],
    ['2012-08-01T00:00:00Z', '* * 1,15 * Sun', true],
    ['2012-07-15T00:00:00Z', '* * */10 * Sun', true], // a stepped star is a restriction (robfig #70)
    // either day field a star: both must match
    ['2012-07-15T00:00:00Z', '* * * * Mon', false],
    ['2012-07-09T00:00:00Z', '* * 1,15 * *', false],
    ['2012-07-15T00:00:00Z', '* * 1,15 * *', true],
    ['2012-07-15T00:00:00Z', '* * */2 * Sun', true],
    ['2012-07-16T00:00:00Z', '* * ? * Mon', true],
    ['2012-07-16T00:00:00Z', '* * */1 * Sun', false], // step 1 keeps the star
  ])('%s %s → %s', (at, spec, expected) => {
    expect(fires(spec, at)).toBe(expected);
  });
});

describe('parseSchedule: next (robfig TestNext, five fields)', () => {
  it.each([
    ['2012-07-09T14:45:00Z', '0/15 * * * *', '2012-07-09T15:00:00Z'],
    ['2012-07-09T14:59:00Z', '0/15 * * * *', '2012-07-09T15:00:00Z'],
    ['2012-07-09T14:59:59Z', '0/15 * * * *', '2012-07-09T15:00:00Z'],
    ['2012-07-09T15:45:00Z', '20-35/15 * * * *', '2012-07-09T16:20:00Z'],
    ['2012-07-09T23:46:00Z', '*/15 * * * *', '2012-07-10T00:00:00Z'],
    ['2012-07-09T23:45:00Z', '20-35/15 * * * *', '2012-07-10T00:20:00Z'],
    ['2012-07-09T23:35:00Z', '0 0 9 Apr-Oct ?', '2012-08-09T00:00:00Z'],
    ['2012-07-09T23:35:00Z', '0 0 */5 Apr,Aug,Oct Mon', '2012-08-01T00:00:00Z'],
    ['2012-07-09T23:35:00Z', '0 0 */5 Oct Mon', '2012-10-01T00:00:00Z'],
    ['2012-07-09T23:35:00Z', '0 0 * Feb Mon', '2013-02-04T00:00:00Z'],
    ['2012-07-09T23:35:00Z', '0 0 * Feb Mon/2', '2013-02-01T00:00:00Z'],
    ['2012-12-31T23:59:45Z', '* * * * *', '2013-01-01T00:00:00Z'],
    ['2012-07-09T23:35:00Z', '0 0 29 Feb ?', '2016-02-29T00:00:00Z'],
    ['2012-07-09T23:35:00Z', '0 0 30 Feb ?', ''],
    ['2012-07-09T23:35:00Z', '0 0 31 Apr ?', ''],
  ])('after %s, %s → %s', (from, spec, expected) => {
    expect(next(spec, from)).toBe(expected);
  });

  it('*/n steps from the bottom of the range, not from now', () => {
    expect(next('*/7 * * * *', '2024-05-01T10:50:00Z')).toBe('2024-05-01T10:56:00Z');
    expect(next('*/7 * * * *', '2024-05-01T10:56:00Z')).toBe('2024-05-01T11:00:00Z');
    expect(next('*/1 * * * *', '2024-05-01T10:56:30.250Z')).toBe('2024-05-01T10:57:00Z');
    expect(next('0 */6 * * *', '2024-05-01T19:00:00Z')).toBe('2024-05-02T00:00:00Z');
    expect(next('10-50/20 * * * *', '2024-05-01T10:31:00Z')).toBe('2024-05-01T10:50:00Z');
  });

  it('is strictly after the given time, on whole seconds', () => {
    expect(next('30 * * * *', '2024-05-01T10:30:00Z')).toBe('2024-05-01T11:30:00Z');
    expect(next('30 * * * *', '2024-05-01T10:29:59.999Z')).toBe('2024-05-01T10:30:00Z');
  });

  it('Feb 29 only in leap years (2100 is not one)', () => {
    expect(next('0 12 29 2 *', '2024-03-01T00:00:00Z')).toBe('2028-02-29T12:00:00Z');
    expect(next('0 12 29 2 *', '2096-03-01T00:00:00Z')).toBe(''); // 2104 is beyond the five-year horizon
    expect(next('0 0 29 2 1', '2023-01-01T00:00:00Z')).toBe('2023-02-06T00:00:00Z'); // OR: any Monday of February
  });

  it('both day fields set: the 1st and 15th plus every Friday', () => {
    const s = parseSchedule('0 9 1,15 * FRI');
    const hits: string[] = [];
    let t = ms('2024-03-01T00:00:00Z');
    for (let i = 0; i < 7; i++) {
      t = s.next(t, 'UTC')!;
      hits.push(formatRfc3339(t, 'UTC').slice(0, 10));
    }
    expect(hits).toEqual(['2024-03-01', '2024-03-08', '2024-03-15', '2024-03-22', '2024-03-29', '2024-04-01', '2024-04-05']);
  });

  it('names in any case, lists and ranges of names', () => {
    expect(next('0 0 * jan-mar mon-wed', '2024-03-31T00:00:00Z')).toBe('2025-01-01T00:00:00Z');
    expect(next('0 0 1 FEB,nOv *', '2024-03-31T00:00:00Z')).toBe('2024-11-01T00:00:00Z');
    expect(next('15 10 * * SAT,sun', '2024-05-01T00:00:00Z')).toBe('2024-05-04T10:15:00Z');
  });

  it('@every waits a Go duration from the given second', () => {
    expect(next('@every 1h30m', '2024-05-01T10:00:00.700Z')).toBe('2024-05-01T11:30:00Z');
    expect(next('@every 90s', '2024-05-01T10:00:00Z')).toBe('2024-05-01T10:01:30Z');
    expect(next('@every 10ms', '2024-05-01T10:00:00Z')).toBe('2024-05-01T10:00:01Z'); // at least a second
  });
});

describe('time zones and daylight saving (robfig TestNext, America/New_York)', () => {
  const NY = 'America/New_York';
  it.each([
    // spring forward: 02:00 EST → 03:00 EDT
    ['2012-03-11T00:00:00-05:00', '30 2 11 Mar ?', '2013-03-11T02:30:00-04:00'],
    ['2012-03-11T00:00:00-05:00', '0 * * * ?', '2012-03-11T01:00:00-05:00'],
    ['2012-03-11T01:00:00-05:00', '0 * * * ?', '2012-03-11T03:00:00-04:00'],
    ['2012-03-11T03:00:00-04:00', '0 * * * ?', '2012-03-11T04:00:00-04:00'],
    ['2012-03-11T00:00:00-05:00', '0 1 * * ?', '2012-03-11T01:00:00-05:00'],
    ['2012-03-11T01:00:00-05:00', '0 1 * * ?', '2012-03-12T01:00:00-04:00'],
    ['2012-03-11T00:00:00-05:00', '0 2 * * ?', '2012-03-12T02:00:00-04:00'], // 2am skipped that day
    // fall back: 02:00 EDT → 01:00 EST
    ['2012-11-04T00:00:00-04:00', '30 2 04 Nov ?', '2012-11-04T02:30:00-05:00'],
    ['2012-11-04T01:45:00-04:00', '30 1 04 Nov ?', '2012-11-04T01:30:00-05:00'],
    ['2012-11-04T00:00:00-04:00', '0 * * * ?', '2012-11-04T01:00:00-04:00'],
    ['2012-11-04T01:00:00-04:00', '0 * * * ?', '2012-11-04T01:00:00-05:00'],
    ['2012-11-04T01:00:00-05:00', '0 * * * ?', '2012-11-04T02:00:00-05:00'],
    ['2012-11-04T00:00:00-04:00', '0 1 * * ?', '2012-11-04T01:00:00-04:00'], // 1am runs twice
    ['2012-11-04T01:00:00-04:00', '0 1 * * ?', '2012-11-04T01:00:00-05:00'],
    ['2012-11-04T01:00:00-05:00', '0 1 * * ?', '2012-11-05T01:00:00-05:00'],
    ['2012-11-04T00:00:00-04:00', '0 2 * * ?', '2012-11-04T02:00:00-05:00'],
    ['2012-11-04T02:00:00-05:00', '0 2 * * ?', '2012-11-05T02:00:00-05:00'],
    ['2012-11-04T00:00:00-04:00', '0 3 * * ?', '2012-11-04T03:00:00-05:00'],
    ['2012-11-04T03:00:00-05:00', '0 3 * * ?', '2012-11-05T03:00:00-05:00'],
    ['2012-11-04T00:00:00-04:00', '0 3 3 * ?', '2012-12-03T03:00:00-05:00'],
  ])('after %s, %s → %s', (from, spec, expected) => {
    expect(next(spec, from, NY)).toBe(expected);
    // the same schedule with the zone in a TZ= prefix ignores the zone it is given
    expect(formatRfc3339(parseSchedule(`TZ=${NY} ${spec}`).next(ms(from), 'UTC')!, NY)).toBe(expected);
    expect(formatRfc3339(parseSchedule(`CRON_TZ=${NY} ${spec}`).next(ms(from), 'Asia/Tokyo')!, NY)).toBe(expected);
  });

  it('days whose midnight does not exist (Sao Paulo 2018, robfig #157)', () => {
    expect(formatRfc3339(parseSchedule('0 9 10 * ?').next(ms('2018-10-17T05:00:00-04:00'), 'America/Sao_Paulo')!, 'America/New_York'))
      .toBe('2018-11-10T06:00:00-05:00');
    expect(formatRfc3339(parseSchedule('0 9 22 * ?').next(ms('2018-02-14T05:00:00-05:00'), 'America/Sao_Paulo')!, 'America/New_York'))
      .toBe('2018-02-22T07:00:00-05:00');
    // a midnight job skips the day that has no midnight, as a 02:30 job skips New York's spring-forward day
    expect(next('0 0 * * *', '2018-11-03T12:00:00-03:00', 'America/Sao_Paulo')).toBe('2018-11-05T00:00:00-02:00');
    expect(next('0 1 * * *', '2018-11-03T12:00:00-03:00', 'America/Sao_Paulo')).toBe('2018-11-04T01:00:00-02:00');
  });

  it('a zone with a half-hour offset and one east of UTC', () => {
    expect(next('14 14 * * *', '2016-01-03T13:09:03+05:30', 'Asia/Kolkata')).toBe('2016-01-03T14:14:00+05:30');
    expect(next('0 9 * * MON-FRI', '2024-03-29T09:00:00+01:00', 'Europe/Berlin')).toBe('2024-04-01T09:00:00+02:00');
  });

  it('the same instant is a different day in another zone', () => {
    const s = parseSchedule('0 0 * * SUN');
    expect(formatRfc3339(s.next(ms('2024-05-04T20:00:00Z'), 'UTC')!, 'UTC')).toBe('2024-05-05T00:00:00Z');
    expect(formatRfc3339(s.next(ms('2024-05-04T20:00:00Z'), 'Pacific/Auckland')!, 'UTC')).toBe('2024-05-11T12:00:00Z');
  });
});

describe('parse errors carry robfig messages', () => {
  it.each([
    ['', 'empty spec string'],
    ['xyz', 'expected exactly 5 fields, found 1: [xyz]'],
    ['* * *', 'expected exactly 5 fields, found 3: [* * *]'],
    ['0 0 * * * *', 'expected exactly 5 fields, found 6: [0 0 * * * *]'],
    ['60 0 * * *', 'end of range (60) above maximum (59): 60'],
    ['0 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['0 0 * 13 *', 'end of range (13) above maximum (12): 13'],
    ['0 0 * * 7', 'end of range (7) above maximum (6): 7'],
    ['0 0 * * XYZ', 'failed to parse int from XYZ: strconv.Atoi: parsing "XYZ": invalid syntax'],
    ['5-2 * * * *', 'beginning of range (5) beyond end of range (2): 5-2'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['15/0 * * * *', 'step of range should be a positive number: 15/0'],
    ['5- * * * *', 'failed to parse int from : strconv.Atoi: parsing "": invalid syntax'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['@every 1x', 'failed to parse duration @every 1x: time: unknown unit "x" in duration "1x"'],
    ['@every 5', 'failed to parse duration @every 5: time: missing unit in duration "5"'],
    ['TZ=Mars/Base * * * * *', 'provided bad location Mars/Base: unknown time zone Mars/Base'],
  ])('%j → %s', (spec, message) => {
    expect(scheduleError(spec)).toBe(message);
  });

  it('accepts what robfig accepts', () => {
    for (const spec of ['* * * * *', '*/1 * * * *', '0 0 1,15 * Sun', '? ? ? ? ?', '*-5 * * * *', '1,,2 * * * *', '0 0 * * 0-6',
      '@every 1h30m', '@every 1.5h', 'TZ=UTC 0 0 * * *', 'CRON_TZ=Europe/Paris @daily', '+5 * * * *', '  0   0 * * *  ']) {
      expect(scheduleError(spec), spec).toBeUndefined();
    }
  });
});
