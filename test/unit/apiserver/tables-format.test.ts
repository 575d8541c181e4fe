import { describe, expect, it } from 'vitest';
import {
  formatLabels, formatLabelSelector, humanDuration, labelSelectorString, listWithMore, since,
} from '../../../control/apiserver/tables/format.js';

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe('humanDuration (kubectl AGE column)', () => {
  it.each([
    [-5 * s, '<invalid>'],
    [-1 * s, '0s'],
    [-999, '0s'],
    [0, '0s'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m + 2 * s, '3m2s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m, '10m'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [2 * h + 5 * m, '125m'],
    [3 * h + 5 * m, '3h5m'],
    [7 * h + 59 * m, '7h59m'],
    [8 * h, '8h'],
    [47 * h + 59 * m, '47h'],
    [2 * d, '2d'],
    [3 * d + 4 * h, '3d4h'],
    [7 * d + 23 * h, '7d23h'],
    [8 * d, '8d'],
    [45 * d + 5 * h, '45d'],
    [729 * d, '729d'],
    [730 * d, '2y'],
    [740 * d, '2y10d'],
    [8 * 365 * d, '8y'],
    [10 * 365 * d + 100 * d, '10y'],
  ])('%d ms → %s', (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });

  it('ages timestamps against the given clock, <unknown> when absent or unparsable', () => {
    const now = new Date('2026-11-26T12:00:00Z');
    expect(since('2026-11-26T11:57:58Z', now)).toBe('2m2s');
    expect(since('2026-11-26T11:59:59.123456Z', now)).toBe('0s');
    expect(since(undefined, now)).toBe('<unknown>');
    expect(since(null, now)).toBe('<unknown>');
    expect(since('yesterday-ish', now)).toBe('<unknown>');
  });
});

describe('label formatting', () => {
  it('formats label maps sorted by key, <none> when empty', () => {
    expect(formatLabels({ tier: 'web', app: 'shop' })).toBe('app=shop,tier=web');
    expect(formatLabels({})).toBe('<none>');
    expect(formatLabels(undefined)).toBe('<none>');
  });

  it('formats label selectors like metav1.FormatLabelSelector', () => {
    expect(formatLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['b', 'a'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'canary', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    })).toBe('app=web,canary,env notin (prod),!legacy,tier in (a,b)');
    expect(formatLabelSelector({})).toBe('<none>');
    expect(formatLabelSelector(undefined)).toBe('<none>');
    expect(formatLabelSelector({ matchExpressions: [{ key: 'x', operator: 'Near' }] })).toBe('<error>');
    expect(labelSelectorString({})).toBe('');
  });

  it('lists at most three items, then counts the rest', () => {
    expect(listWithMore([])).toBe('<unset>');
    expect(listWithMore(['a', 'b', 'c'])).toBe('a,b,c');
    expect(listWithMore(['a', 'b', 'c', 'd', 'e'])).toBe('a,b,c + 2 more...');
  });
});
