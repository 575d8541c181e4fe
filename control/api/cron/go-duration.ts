/**
 * Go's time.ParseDuration, for `@every <duration>` schedules: a signed sequence of decimal
 * numbers with units ("300ms", "-1.5h", "2h45m"; units ns, us, µs, μs, ms, s, m, h). The error
 * messages are Go's, because kube-apiserver reports them verbatim in `spec.schedule` errors.
 */
const UNIT_MS: Record<string, number> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};

const quote = (s: string): string => JSON.stringify(s);

/** Milliseconds (fractional below 1 ms). Throws Error with Go's message on bad input. */
export function parseGoDuration(text: string): number {
  const invalid = (): Error => new Error(`time: invalid duration ${quote(text)}`);
  let s = text;
  let negative = false;
  if (s.startsWith('-') || s.startsWith('+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let total = 0;
  while (s !== '') {
    const number = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole, intPart = '', fracPart] = number;
    if (intPart === '' && (fracPart === undefined || fracPart === '')) throw invalid();
    s = s.slice(whole.length);
    const unitEnd = s.search(/[\d.]/);
    const unit = unitEnd === -1 ? s : s.slice(0, unitEnd);
    if (unit === '') throw new Error(`time: missing unit in duration ${quote(text)}`);
    const scale = UNIT_MS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${quote(unit)} in duration ${quote(text)}`);
    s = s.slice(unit.length);
    total += Number(`${intPart || '0'}.${fracPart ?? ''}0`) * scale;
  }
  // Go's Duration is an int64 of nanoseconds
  if (total * 1e6 > 9_223_372_036_854_775_807) throw invalid();
  return negative ? -total : total;
}
