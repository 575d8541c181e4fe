import { describe, expect, it } from 'vitest';
import { Backoff } from '../../../control/client/backoff.js';

describe('Backoff', () => {
  it('grows by the factor up to the cap and starts over after reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    expect(Array.from({ length: 6 }, () => b.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it('jitters within ±jitter and never past the cap', () => {
    const low = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.2, random: () => 0 });
    const high = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0.2, random: () => 0.999999 });
    expect(low.next()).toBe(80);
    expect(high.next()).toBe(120);
    for (let i = 0; i < 10; i++) { low.next(); high.next(); }
    expect(low.next()).toBe(800);
    expect(high.next()).toBe(1000);
  });
});
