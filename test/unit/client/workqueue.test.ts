import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkQueue, runWorkers } from '../../../control/client/workqueue.js';
import { ItemBackoff } from '../../../control/client/backoff.js';

/** Resolve pending microtasks (get() promises) without moving fake time. */
const flush = () => new Promise<void>((r) => queueMicrotask(r));

describe('WorkQueue', () => {
  it('hands out keys in first-added order and dedups keys not yet taken', async () => {
    const q = new WorkQueue();
    q.add('a'); q.add('b'); q.add('a'); q.add('c'); q.add('b');
    expect(q.len()).toBe(3);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(await q.get()).toBe('c');
    expect(q.len()).toBe(0);
  });

  it('never hands out a key being processed; a re-add during processing is processed once more after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    expect(first).toBe('a');
    q.add('a');
    q.add('a');
    expect(q.len()).toBe(0); // not handed to a second worker while in flight
    q.done('a');
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('a');
    q.done('a');
    expect(q.len()).toBe(0);
  });

  it('get() waits for a key, and waiters are served in order', async () => {
    const q = new WorkQueue();
    const got: string[] = [];
    const w1 = q.get().then((k) => got.push(`w1:${k}`));
    const w2 = q.get().then((k) => got.push(`w2:${k}`));
    await flush();
    expect(got).toEqual([]);
    q.add('x');
    q.add('y');
    await Promise.all([w1, w2]);
    expect(got).toEqual(['w1:x', 'w2:y']);
  });

  it('shutDown drains queued keys, then resolves undefined, and ignores later adds', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.shutDown();
    q.add('b');
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBeUndefined();
    const idle = new WorkQueue();
    const waiting = idle.get();
    idle.shutDown();
    expect(await waiting).toBeUndefined();
  });

  describe('with fake timers', () => {
    beforeEach(() => { vi.useFakeTimers(); });
    afterEach(() => { vi.useRealTimers(); });

    it('addAfter adds the key once the delay passes, keeping the earliest pending time', async () => {
      const q = new WorkQueue();
      q.addAfter('a', 100);
      q.addAfter('a', 50);
      q.addAfter('a', 500);
      vi.advanceTimersByTime(49);
      expect(q.len()).toBe(0);
      vi.advanceTimersByTime(1);
      expect(q.len()).toBe(1);
      vi.advanceTimersByTime(1000);
      expect(q.len()).toBe(1); // the later requests were merged into the first
    });

    it('addRateLimited backs off per key exponentially from 5 ms; forget resets', () => {
      const q = new WorkQueue();
      const readyAfter = (key: string): number => {
        q.addRateLimited(key);
        let ms = 0;
        while (q.len() === 0 && ms < 10_000) { vi.advanceTimersByTime(1); ms++; }
        void q.get(); // takes the key synchronously when one is queued
        q.done(key);
        return ms;
      };
      expect(readyAfter('a')).toBe(5);
      expect(readyAfter('a')).toBe(10);
      expect(readyAfter('a')).toBe(20);
      expect(readyAfter('b')).toBe(5); // keys back off independently
      expect(q.numRequeues('a')).toBe(3);
      q.forget('a');
      expect(q.numRequeues('a')).toBe(0);
      expect(readyAfter('a')).toBe(5);
    });

    it('shutDown drops pending delayed adds', () => {
      const q = new WorkQueue();
      q.addAfter('a', 10);
      q.shutDown();
      vi.advanceTimersByTime(100);
      expect(q.len()).toBe(0);
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});

describe('ItemBackoff', () => {
  it('doubles from the base and caps at 1000 s by default', () => {
    const b = new ItemBackoff<string>();
    const delays = Array.from({ length: 30 }, () => b.when('k'));
    expect(delays.slice(0, 4)).toEqual([5, 10, 20, 40]);
    expect(Math.max(...delays)).toBe(1_000_000);
    expect(delays[29]).toBe(1_000_000);
  });
});

describe('runWorkers', () => {
  beforeEach(() => { vi.useFakeTimers(); });
  afterEach(() => { vi.useRealTimers(); });

  it('retries a failing key with backoff, forgets it on success, and stops after shutDown', async () => {
    const q = new WorkQueue();
    const attempts: { key: string; at: number }[] = [];
    const errors: string[] = [];
    const start = Date.now();
    const done = runWorkers(q, 2, async (key) => {
      attempts.push({ key, at: Date.now() - start });
      if (key === 'bad' && attempts.filter((a) => a.key === 'bad').length < 3) throw new Error('boom');
    }, { onError: (key, err) => errors.push(`${key}:${(err as Error).message}`) });
    q.add('bad');
    q.add('good');
    await vi.advanceTimersByTimeAsync(100);
    expect(attempts.filter((a) => a.key === 'good')).toHaveLength(1);
    expect(attempts.filter((a) => a.key === 'bad').map((a) => a.at)).toEqual([0, 5, 15]);
    expect(errors).toEqual(['bad:boom', 'bad:boom']);
    expect(q.numRequeues('bad')).toBe(0);
    q.shutDown();
    await done;
  });

  it('processes a key on one worker at a time even with many workers', async () => {
    const q = new WorkQueue();
    let inFlight = 0;
    let maxInFlight = 0;
    let runs = 0;
    const done = runWorkers(q, 4, async () => {
      inFlight++; runs++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
    });
    q.add('k');
    await vi.advanceTimersByTimeAsync(1);
    q.add('k'); q.add('k'); q.add('k');
    await vi.advanceTimersByTimeAsync(100);
    expect(maxInFlight).toBe(1);
    expect(runs).toBe(2); // the re-adds during the first run coalesce into one more run
    q.shutDown();
    await done;
  });
});
