import { describe, expect, it } from 'vitest';
import { isValidQuantity, milliValue, parseQuantity, QuantityError } from '../../../../control/api/quantity.js';

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5], ['1', 1], ['1.5', 1.5], ['100m', 0.1], ['0.1', 0.1], ['2k', 2000], ['1M', 1e6], ['1G', 1e9],
    ['1Ki', 1024], ['128Mi', 128 * 1024 * 1024], ['1Gi', 1073741824], ['1e3', 1000], ['1E3', 1000], ['5e-3', 0.005],
    ['250n', 2.5e-7], ['-1', -1], ['+2', 2], ['.5', 0.5], ['3u', 3e-6], [2, 2],
  ] as Array<[string | number, number]>)('%j → %d', (input, want) => {
    expect(parseQuantity(input)).toBeCloseTo(want, 12);
  });

  it.each(['', 'abc', '1KB', '1K', '1 Gi', 'Mi', '1.2.3', '--1', '1e', ' 1'])('rejects %j', (input) => {
    expect(() => parseQuantity(input)).toThrow(QuantityError);
    expect(isValidQuantity(input)).toBe(false);
  });

  it('reports kube\'s syntax message', () => {
    expect(() => parseQuantity('x')).toThrow("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  });

  it.each([['100m', 100], ['1', 1000], ['0.0001', 1], ['2.5', 2500]])('milliValue(%j) = %d', (q, m) => {
    expect(milliValue(q)).toBe(m);
  });
});
