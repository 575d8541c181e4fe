import { describe, expect, it } from 'vitest';
import { runPreStop, type ContainerWithLifecycle } from '../../../dataplane/kubelet/lifecycle-hooks.js';
import type { ProbeRunner } from '../../../dataplane/kubelet/probe-runner.js';
import type { Probe } from '../../../dataplane/kubelet/pod-types.js';

const target = (container: ContainerWithLifecycle) => ({ podIP: '10.244.1.5', containerId: 'c1', container });

function recordingRunner(result: { ok: true } | { ok: false; message: string }): ProbeRunner & { calls: Probe[] } {
  const calls: Probe[] = [];
  return { calls, run: async (p) => (calls.push(p), result) };
}

describe('preStop hooks', () => {
  it('sleep waits its seconds, capped by the grace period budget', async () => {
    const slept: number[] = [];
    const c: ContainerWithLifecycle = { name: 'web', image: 'x', lifecycle: { preStop: { sleep: { seconds: 5 } } } };
    await runPreStop(recordingRunner({ ok: true }), c, target(c), 30_000, async (ms) => void slept.push(ms));
    await runPreStop(recordingRunner({ ok: true }), c, target(c), 2_000, async (ms) => void slept.push(ms));
    expect(slept).toEqual([5000, 2000]);
  });

  it('exec and httpGet run like probes with the remaining budget as timeout, and report failures', async () => {
    const c: ContainerWithLifecycle = { name: 'web', image: 'x', lifecycle: { preStop: { exec: { command: ['sh', '-c', 'nginx -s quit'] } } } };
    const ok = recordingRunner({ ok: true });
    const outcome = await runPreStop(ok, c, target(c), 30_000);
    expect(outcome).toMatchObject({ ran: true });
    expect(outcome.error).toBeUndefined();
    expect(ok.calls[0]).toMatchObject({ exec: { command: ['sh', '-c', 'nginx -s quit'] }, timeoutSeconds: 30 });
    const h: ContainerWithLifecycle = { name: 'web', image: 'x', lifecycle: { preStop: { httpGet: { path: '/drain', port: 8080 } } } };
    const failing = await runPreStop(recordingRunner({ ok: false, message: 'connection refused' }), h, target(h), 10_000);
    expect(failing.error).toBe('connection refused');
  });

  it('does nothing without a hook or without budget', async () => {
    const runner = recordingRunner({ ok: true });
    const none: ContainerWithLifecycle = { name: 'web', image: 'x' };
    expect(await runPreStop(runner, none, target(none), 30_000)).toEqual({ ran: false, elapsedMs: 0 });
    const c: ContainerWithLifecycle = { name: 'web', image: 'x', lifecycle: { preStop: { exec: { command: ['true'] } } } };
    expect((await runPreStop(runner, c, target(c), 0)).ran).toBe(false);
    expect(runner.calls).toHaveLength(0);
  });
});
