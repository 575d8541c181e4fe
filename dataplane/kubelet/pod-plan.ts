/**
 * What to do to one pod, as a value (upstream kuberuntime_manager computePodActions): from the
 * pod spec, the pod's containers as Docker reports them, probe verdicts and the restart back-off,
 * decide whether the sandbox must be (re)created or stopped, which init/app containers to start
 * (with which attempt number), which to kill, and which wait in CrashLoopBackOff. Pure: the sync
 * applies the plan, refreshes the runtime and plans again until nothing is left to do.
 */
import type { ContainerInfo } from './docker.js';
import { containerHash, labelAttempt, LABELS } from './labels.js';
import type { Container, Pod } from './pod-types.js';
import type { RestartBackoff } from './restart-backoff.js';
import { containersNamed, type PodRuntime } from './runtime-state.js';

export interface StartAction {
  name: string;
  kind: 'init' | 'app';
  attempt: number;
  /** the back-off key to arm when this start is a restart */
  backoffKey?: string;
}

export interface KillAction {
  id: string;
  name: string;
  reason: 'Unhealthy' | 'SpecChanged' | 'StartupFailed' | 'PodFailed';
}

export interface Waiting {
  reason: string;
  message: string;
}

export interface PodActions {
  /** the sandbox died or changed: remove its network and kill every container of the pod */
  killSandbox: boolean;
  createSandbox: boolean;
  sandboxAttempt: number;
  /** the pod is finished (nothing will run again): stop the sandbox, release the IP */
  stopSandbox: boolean;
  start: StartAction[];
  kill: KillAction[];
  waiting: Record<string, Waiting>;
  /** sync again after this long (a back-off expires) */
  retryAfterMs?: number;
  /** an init container failed for good (restartPolicy Never) */
  initFailed: boolean;
  /** containers to remove: older than the previous one of their name, or dead sandboxes */
  prune: string[];
}

export interface ProbeVerdicts {
  /** container IDs whose liveness probe failed past its threshold */
  livenessFailed: ReadonlySet<string>;
  /** container IDs whose startup probe failed past its threshold */
  startupFailed: ReadonlySet<string>;
}

export const NO_VERDICTS: ProbeVerdicts = { livenessFailed: new Set(), startupFailed: new Set() };

export function backoffKey(pod: Pick<Pod, 'metadata'>, name: string): string {
  return `${pod.metadata.uid ?? ''}/${name}`;
}

function ms(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

/** exited / dead / created-but-never-started all count as "not running any more" */
function finished(c: ContainerInfo): boolean {
  return !c.state.running && c.state.status !== 'restarting';
}

function succeeded(c: ContainerInfo): boolean {
  return finished(c) && c.state.exitCode === 0 && c.state.startedAt !== '';
}

export function shouldRestart(policy: string | undefined, c: ContainerInfo): boolean {
  if (!finished(c)) return false;
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return !succeeded(c);
  return true;
}

/** Upstream's message: `back-off 10s restarting failed container=web pod=web-1_default(uid)`. */
export function crashLoopMessage(pod: Pick<Pod, 'metadata'>, name: string, backoffMs: number): string {
  const m = pod.metadata;
  return `back-off ${formatDuration(backoffMs)} restarting failed container=${name} pod=${m.name}_${m.namespace}(${m.uid})`;
}

function formatDuration(msValue: number): string {
  const s = Math.round(msValue / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : '0s'}` : `${s}s`;
}

/** True when no container will ever run again (every one finished and none restarts). */
export function podFinished(pod: Pod, rt: PodRuntime): boolean {
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (policy === 'Always') return false;
  for (const c of pod.spec.initContainers ?? []) {
    const latest = containersNamed(rt, c.name)[0];
    if (!latest) return false;
    if (!succeeded(latest)) return policy === 'Never' && finished(latest);
  }
  return pod.spec.containers.every((c) => {
    const latest = containersNamed(rt, c.name)[0];
    return latest !== undefined && !shouldRestart(policy, latest) && finished(latest);
  });
}

export function computePodActions(pod: Pod, rt: PodRuntime, backoff: RestartBackoff, verdicts: ProbeVerdicts = NO_VERDICTS): PodActions {
  const actions: PodActions = {
    killSandbox: false, createSandbox: false, sandboxAttempt: 0, stopSandbox: false,
    start: [], kill: [], waiting: {}, initFailed: false, prune: prunable(rt),
  };
  const policy = pod.spec.restartPolicy ?? 'Always';
  const sandbox = rt.sandboxes[0];
  const done = podFinished(pod, rt);
  if (policy === 'Never') {
    actions.initFailed = (pod.spec.initContainers ?? []).some((c) => {
      const latest = containersNamed(rt, c.name)[0];
      return latest !== undefined && finished(latest) && !succeeded(latest);
    });
  }

  if (!sandbox || !sandbox.state.running) {
    // a torn-down sandbox is removed, so a dead one here still holds its IP: release it
    if (sandbox || rt.containers.some((c) => c.state.running)) actions.killSandbox = true;
    // a finished pod, or a Never pod whose containers already ran, gets no new sandbox (upstream)
    const ranBefore = rt.containers.length > 0;
    if (!done && !(policy === 'Never' && ranBefore)) {
      actions.createSandbox = true;
      actions.sandboxAttempt = sandbox ? labelAttempt(sandbox.labels) + 1 : 0;
    }
    return actions;
  }
  if (done) {
    actions.stopSandbox = true;
    return actions;
  }
  const now = backoff.clock.now();
  const retry = (after: number): void => {
    actions.retryAfterMs = actions.retryAfterMs === undefined ? after : Math.min(actions.retryAfterMs, after);
  };
  const restartOrWait = (c: Container, latest: ContainerInfo, kind: 'init' | 'app'): void => {
    const key = backoffKey(pod, c.name);
    const wait = backoff.remaining(key, ms(latest.state.finishedAt) || now);
    if (wait > 0) {
      actions.waiting[c.name] = { reason: 'CrashLoopBackOff', message: crashLoopMessage(pod, c.name, backoff.current(key)) };
      retry(wait);
    } else {
      actions.start.push({ name: c.name, kind, attempt: labelAttempt(latest.labels) + 1, backoffKey: key });
    }
  };

  // init containers run one at a time, in order, each to success, inside the current sandbox
  const sandboxCreated = sandbox.created;
  for (const c of pod.spec.initContainers ?? []) {
    const all = containersNamed(rt, c.name);
    const latest = all[0];
    if (!latest || latest.created < sandboxCreated) {
      actions.start.push({ name: c.name, kind: 'init', attempt: latest ? labelAttempt(latest.labels) + 1 : 0 });
      return actions;
    }
    if (!finished(latest)) return actions;
    if (succeeded(latest)) continue;
    if (policy === 'Never') {
      actions.initFailed = true;
      return actions;
    }
    restartOrWait(c, latest, 'init');
    return actions;
  }

  for (const c of pod.spec.containers) {
    const latest = containersNamed(rt, c.name)[0];
    if (!latest) {
      actions.start.push({ name: c.name, kind: 'app', attempt: 0 });
      continue;
    }
    if (latest.state.running) {
      if (latest.labels[LABELS.hash] && latest.labels[LABELS.hash] !== containerHash(c)) {
        actions.kill.push({ id: latest.id, name: c.name, reason: 'SpecChanged' });
      } else if (verdicts.startupFailed.has(latest.id)) {
        actions.kill.push({ id: latest.id, name: c.name, reason: 'StartupFailed' });
      } else if (verdicts.livenessFailed.has(latest.id)) {
        actions.kill.push({ id: latest.id, name: c.name, reason: 'Unhealthy' });
      }
      continue;
    }
    if (!finished(latest)) continue;
    if (shouldRestart(policy, latest)) restartOrWait(c, latest, 'app');
  }
  return actions;
}

/** Keep the newest two containers per name (current + previous, for `logs --previous`) and the newest sandbox. */
function prunable(rt: PodRuntime): string[] {
  const out: string[] = [];
  const seen = new Map<string, number>();
  for (const c of rt.containers) {
    const name = c.labels[LABELS.containerName] ?? '';
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    if (n > 2 && !c.state.running) out.push(c.id);
  }
  for (const s of rt.sandboxes.slice(1)) if (!s.state.running) out.push(s.id);
  return out;
}
