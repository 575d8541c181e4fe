/**
 * Probe workers (upstream pkg/kubelet/prober): one timer per (running container, probe kind).
 * A worker waits initialDelaySeconds after the container started, then probes every
 * periodSeconds; a verdict flips only after successThreshold / failureThreshold consecutive
 * results. Initial verdicts: readiness = not ready, liveness = healthy, startup = not started.
 * Liveness and readiness are not probed until the startup probe succeeded. A verdict change
 * calls `onChange(podUid)` so the pod is re-synced (restart / Ready condition). Workers of
 * containers that stopped running are dropped; a restarted container starts afresh.
 */
import type { Container, Probe } from './pod-types.js';
import type { ProbeResult, ProbeRunner } from './probe-runner.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** Consecutive-result counting, pure. */
export class ProbeVerdict {
  private last: boolean | undefined;
  private streak = 0;

  constructor(public value: boolean | undefined, private readonly successThreshold: number, private readonly failureThreshold: number) {}

  /** Records one result; returns true when the verdict changed. */
  record(ok: boolean): boolean {
    this.streak = this.last === ok ? this.streak + 1 : 1;
    this.last = ok;
    const needed = ok ? this.successThreshold : this.failureThreshold;
    if (this.streak >= needed && this.value !== ok) {
      this.value = ok;
      return true;
    }
    return false;
  }
}

interface Worker {
  uid: string;
  containerId: string;
  kind: ProbeKind;
  verdict: ProbeVerdict;
  timer?: NodeJS.Timeout;
  stopped: boolean;
  lastFailure?: string;
}

export interface RunningContainer {
  containerId: string;
  container: Container;
  /** ISO start time */
  startedAt: string;
}

function probeOf(c: Container, kind: ProbeKind): Probe | undefined {
  return kind === 'liveness' ? c.livenessProbe : kind === 'readiness' ? c.readinessProbe : c.startupProbe;
}

export interface ProberOptions {
  runner: ProbeRunner;
  onChange(uid: string): void;
  onResult?(kind: ProbeKind, result: ProbeResult, containerId: string): void;
  now?: () => number;
}

export class ProbeManager {
  private readonly workers = new Map<string, Worker>();
  private readonly now: () => number;

  constructor(private readonly opts: ProberOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Starts workers for these running containers of `uid` and stops every other worker of it. */
  sync(uid: string, podIP: string | undefined, running: RunningContainer[]): void {
    const wanted = new Set<string>();
    for (const r of running) {
      for (const kind of ['startup', 'liveness', 'readiness'] as const) {
        const probe = probeOf(r.container, kind);
        if (!probe || !podIP) continue;
        const key = `${r.containerId}/${kind}`;
        wanted.add(key);
        if (!this.workers.has(key)) this.startWorker(key, uid, podIP, r, kind, probe);
      }
    }
    for (const [key, w] of this.workers) if (w.uid === uid && !wanted.has(key)) this.stopWorker(key);
  }

  removePod(uid: string): void {
    for (const [key, w] of this.workers) if (w.uid === uid) this.stopWorker(key);
  }

  stopAll(): void {
    for (const key of [...this.workers.keys()]) this.stopWorker(key);
  }

  private value(containerId: string, kind: ProbeKind): boolean | undefined {
    return this.workers.get(`${containerId}/${kind}`)?.verdict.value;
  }

  ready(containerId: string): boolean | undefined {
    return this.value(containerId, 'readiness');
  }

  started(containerId: string): boolean | undefined {
    return this.value(containerId, 'startup');
  }

  livenessFailed(): Set<string> {
    return this.failed('liveness');
  }

  startupFailed(): Set<string> {
    return this.failed('startup');
  }

  lastFailure(containerId: string, kind: ProbeKind): string | undefined {
    return this.workers.get(`${containerId}/${kind}`)?.lastFailure;
  }

  private failed(kind: ProbeKind): Set<string> {
    const out = new Set<string>();
    for (const w of this.workers.values()) if (w.kind === kind && w.verdict.value === false) out.add(w.containerId);
    return out;
  }

  private startWorker(key: string, uid: string, podIP: string, r: RunningContainer, kind: ProbeKind, probe: Probe): void {
    const initial = kind === 'liveness' ? true : kind === 'readiness' ? false : undefined;
    const w: Worker = { uid, containerId: r.containerId, kind, verdict: new ProbeVerdict(initial, kind === 'liveness' || kind === 'startup' ? 1 : probe.successThreshold ?? 1, probe.failureThreshold ?? 3), stopped: false };
    this.workers.set(key, w);
    const period = (probe.periodSeconds ?? 10) * 1000;
    const started = Date.parse(r.startedAt) || this.now();
    const firstDelay = Math.max(0, started + (probe.initialDelaySeconds ?? 0) * 1000 - this.now());
    const tick = async (): Promise<void> => {
      if (w.stopped) return;
      const startupPending = kind !== 'startup' && r.container.startupProbe && this.started(r.containerId) !== true;
      if (!startupPending) {
        const result = await this.opts.runner.run(probe, { podIP, containerId: r.containerId, container: r.container });
        if (w.stopped) return;
        if (!result.ok) w.lastFailure = result.message;
        this.opts.onResult?.(kind, result, r.containerId);
        const changed = w.verdict.record(result.ok);
        // a passed startup probe is final for this container: stop probing it
        if (kind === 'startup' && w.verdict.value === true) {
          if (changed) this.opts.onChange(uid);
          return;
        }
        if (changed) this.opts.onChange(uid);
      }
      if (!w.stopped) w.timer = setTimeout(() => void tick(), period);
    };
    w.timer = setTimeout(() => void tick(), firstDelay);
  }

  private stopWorker(key: string): void {
    const w = this.workers.get(key);
    if (!w) return;
    w.stopped = true;
    if (w.timer) clearTimeout(w.timer);
    this.workers.delete(key);
  }
}
