import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SyncRunner } from '../../../control/client/sync-runner.js';

describe('SyncRunner', () => {
  let t0: number;
  beforeEach(() => { vi.useFakeTimers(); t0 = Date.now(); });
  afterEach(() => { vi.useRealTimers(); });

  /** A runner recording the (fake) time of every run relative to the test start. */
  function recorder(opts: { minInterval: number; maxInterval: number; duration?: number; fail?: () => boolean; retryInterval?: number }) {
    const runs: number[] = [];
    const errors: unknown[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const runner = new SyncRunner({
      minInterval: opts.minInterval,
      maxInterval: opts.maxInterval,
      retryInterval: opts.retryInterval,
      onError: (e) => errors.push(e),
      run: async () => {
        runs.push(Date.now() - t0);
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        if (opts.duration) await new Promise((r) => setTimeout(r, opts.duration));
        concurrent--;
        if (opts.fail?.()) throw new Error('apply failed');
      },
    });
    return { runner, runs, errors, maxConcurrent: () => maxConcurrent };
  }

  it('runs once at start and coalesces a burst of requests into one run', async () => {
    const { runner, runs } = recorder({ minInterval: 100, maxInterval: Infinity });
    runner.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([0]);
    await vi.advanceTimersByTimeAsync(200);
    for (let i = 0; i < 50; i++) runner.run();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual([0, 200]);
    await runner.stop();
  });

  it('never starts runs closer than minInterval', async () => {
    const { runner, runs } = recorder({ minInterval: 100, maxInterval: Infinity });
    runner.start();
    await vi.advanceTimersByTimeAsync(0);
    // request every 10 ms for 350 ms
    for (let i = 0; i < 35; i++) {
      runner.run();
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toEqual([0, 100, 200, 300, 400]);
    await runner.stop();
  });

  it('runs at least every maxInterval without requests', async () => {
    const { runner, runs } = recorder({ minInterval: 10, maxInterval: 1000 });
    runner.start();
    await vi.advanceTimersByTimeAsync(3500);
    expect(runs).toEqual([0, 1000, 2000, 3000]);
    // a requested run restarts the periodic clock from its own start
    runner.run();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual([0, 1000, 2000, 3000, 3500, 4500]);
    await runner.stop();
  });

  it('requests during a run cause exactly one more run after it; runs never overlap', async () => {
    const { runner, runs, maxConcurrent } = recorder({ minInterval: 0, maxInterval: Infinity, duration: 50 });
    runner.start();
    await vi.advanceTimersByTimeAsync(10);
    runner.run(); runner.run(); runner.run();
    await vi.advanceTimersByTimeAsync(500);
    // the follow-up starts as soon as the first run ends (Node rounds a 0 ms timer up to 1 ms)
    expect(runs).toHaveLength(2);
    expect(runs[1]).toBeGreaterThanOrEqual(50);
    expect(runs[1]).toBeLessThanOrEqual(51);
    expect(maxConcurrent()).toBe(1);
    await runner.stop();
  });

  it('retryAfter schedules a run, still respecting minInterval', async () => {
    const { runner, runs } = recorder({ minInterval: 100, maxInterval: Infinity });
    runner.start();
    await vi.advanceTimersByTimeAsync(0);
    runner.retryAfter(30); // would be at 30, but min interval holds it to 100
    await vi.advanceTimersByTimeAsync(150);
    expect(runs).toEqual([0, 100]);
    runner.retryAfter(300); // at t=150
    await vi.advanceTimersByTimeAsync(299);
    expect(runs).toEqual([0, 100]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toEqual([0, 100, 450]);
    await runner.stop();
  });

  it('a throwing run is reported and retried after retryInterval', async () => {
    let failures = 2;
    const { runner, runs, errors } = recorder({ minInterval: 10, maxInterval: Infinity, retryInterval: 250, fail: () => failures-- > 0 });
    runner.start();
    await vi.advanceTimersByTimeAsync(2000);
    expect(runs).toEqual([0, 250, 500]);
    expect(errors).toHaveLength(2);
    await runner.stop();
  });

  it('stop cancels pending runs and waits for the one in progress', async () => {
    const { runner, runs } = recorder({ minInterval: 0, maxInterval: 100, duration: 40 });
    runner.start();
    await vi.advanceTimersByTimeAsync(10);
    let stopped = false;
    const stopping = runner.stop().then(() => { stopped = true; });
    await vi.advanceTimersByTimeAsync(20);
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    await stopping;
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    runner.run();
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual([0]);
    expect(vi.getTimerCount()).toBe(0);
  });
});
