import { describe, expect, it } from 'vitest';
import { EventRing } from '../../../control/store/event-ring.js';
import type { StoreEvent } from '../../../control/store/store.js';

const ev = (revision: number, key = `/registry/k${revision}`): StoreEvent => ({ type: 'ADDED', key, object: { metadata: {} }, revision });

describe('EventRing', () => {
  it('keeps the newest `capacity` events and raises floor to the last evicted revision', () => {
    const ring = new EventRing(3, 10);
    for (const r of [11, 12, 13]) ring.push(ev(r));
    expect(ring.floor).toBe(10);
    ring.push(ev(15));
    ring.push(ev(16));
    expect(ring.floor).toBe(12);
    expect([...ring.after(0)].map((e) => e.revision)).toEqual([13, 15, 16]);
  });

  it('after(rev) yields strictly newer events, including all events of a multi-key revision', () => {
    const ring = new EventRing(10);
    for (const e of [ev(5), ev(6, '/a'), ev(6, '/b'), ev(7), ev(9)]) ring.push(e);
    expect([...ring.after(5)].map((e) => [e.revision, e.key])).toEqual([[6, '/a'], [6, '/b'], [7, '/registry/k7'], [9, '/registry/k9']]);
    expect([...ring.after(6)].map((e) => e.revision)).toEqual([7, 9]);
    expect([...ring.after(8)].map((e) => e.revision)).toEqual([9]);
    expect([...ring.after(9)]).toEqual([]);
  });

  it('works across the wrap-around point', () => {
    const ring = new EventRing(4);
    for (let r = 1; r <= 11; r++) ring.push(ev(r));
    expect(ring.floor).toBe(7);
    expect([...ring.after(8)].map((e) => e.revision)).toEqual([9, 10, 11]);
  });

  it('reset forgets everything and sets a new floor', () => {
    const ring = new EventRing(4);
    ring.push(ev(1));
    ring.reset(100);
    expect(ring.length).toBe(0);
    expect(ring.floor).toBe(100);
    expect([...ring.after(0)]).toEqual([]);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new EventRing(0)).toThrow(/capacity/);
  });
});
