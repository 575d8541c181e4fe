/**
 * The pod status the kubelet reports, computed from the spec, Docker's view of the pod's
 * containers, probe results and the reasons containers wait (upstream generateAPIPodStatus +
 * getPhase + the condition generators). Pure: transition times are carried over from the old
 * status when a condition did not change, so an unchanged pod produces an identical status and
 * the kubelet writes nothing.
 */
import type { ContainerInfo } from './docker.js';
import { labelAttempt } from './labels.js';
import type { Waiting } from './pod-plan.js';
import type {
  Container, ContainerStateTerminated, ContainerStateValue, ContainerStatus, Pod, PodCondition, PodStatus,
} from './pod-types.js';
import { containersNamed, type PodRuntime } from './runtime-state.js';

export interface StatusInputs {
  pod: Pod;
  rt: PodRuntime;
  podIP?: string;
  hostIP: string;
  /** readiness probe result of a container id (undefined = no result yet) */
  ready(containerId: string): boolean | undefined;
  /** startup probe passed (undefined = no result yet) */
  started(containerId: string): boolean | undefined;
  /** per container name: why it waits (CrashLoopBackOff, ErrImagePull, CreateContainerConfigError, …) */
  waiting: Record<string, Waiting>;
  /** termination messages read from the containers' termination-log files, by container id */
  terminationMessages?: Record<string, string>;
  /** an init container failed and restartPolicy is Never */
  initFailed: boolean;
  /** the sandbox is running and has its network */
  sandboxReady: boolean;
  now: string;
}

export function dockerId(id: string): string {
  return `docker://${id}`;
}

function terminated(c: ContainerInfo, messages: Record<string, string> | undefined): ContainerStateTerminated {
  const t: ContainerStateTerminated = {
    exitCode: c.state.exitCode,
    reason: c.state.oomKilled ? 'OOMKilled' : c.state.startedAt === '' ? 'ContainerCannotRun' : c.state.exitCode === 0 ? 'Completed' : 'Error',
    startedAt: c.state.startedAt || undefined,
    finishedAt: c.state.finishedAt || undefined,
    containerID: dockerId(c.id),
  };
  const message = messages?.[c.id] || (c.state.startedAt === '' ? c.state.error : '');
  if (message) t.message = message;
  return JSON.parse(JSON.stringify(t)) as ContainerStateTerminated;
}

function containerStatus(inputs: StatusInputs, c: Container, defaultWaiting: string): ContainerStatus {
  const [latest, previous] = containersNamed(inputs.rt, c.name);
  const msgs = inputs.terminationMessages;
  const waiting = inputs.waiting[c.name];
  const base = { name: c.name, image: c.image, imageID: latest ? dockerId(latest.imageId) : '' };
  if (!latest) {
    return {
      ...base, ready: false, restartCount: 0, started: false,
      state: { waiting: waiting ?? { reason: defaultWaiting } }, lastState: {},
    };
  }
  const restartCount = labelAttempt(latest.labels);
  let state: ContainerStateValue;
  let lastState: ContainerStateValue = previous && !previous.state.running ? { terminated: terminated(previous, msgs) } : {};
  let ready = false;
  let started = false;
  if (latest.state.running) {
    state = { running: { startedAt: latest.state.startedAt } };
    started = c.startupProbe ? inputs.started(latest.id) === true : true;
    const readiness = c.readinessProbe ? inputs.ready(latest.id) === true : true;
    ready = started && readiness;
  } else if (latest.state.status === 'created' && latest.state.startedAt === '' && !latest.state.error) {
    state = { waiting: waiting ?? { reason: 'ContainerCreating' } };
  } else if (waiting) {
    state = { waiting };
    lastState = { terminated: terminated(latest, msgs) };
  } else {
    state = { terminated: terminated(latest, msgs) };
  }
  return { ...base, containerID: dockerId(latest.id), ready, restartCount, started, state, lastState };
}

type Phase = NonNullable<PodStatus['phase']>;

export function podPhase(pod: Pod, init: ContainerStatus[], app: ContainerStatus[], initFailed: boolean): Phase {
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (initFailed && policy === 'Never') return 'Failed';
  const pendingInit = init.some((s) => !(s.state.terminated && s.state.terminated.exitCode === 0));
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of app) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state.waiting) {
      if (s.lastState.terminated) stopped++;
      else waiting++;
    }
  }
  if (pendingInit || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status: ok ? 'True' : 'False' };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

/** Keeps lastTransitionTime (and lastProbeTime) of conditions whose status did not change. */
function withTransitionTimes(next: PodCondition[], old: PodCondition[] | undefined, now: string): PodCondition[] {
  return next.map((c) => {
    const prev = old?.find((o) => o.type === c.type);
    const lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
    return { ...c, lastProbeTime: null, lastTransitionTime };
  });
}

export function qosClass(pod: Pod): string {
  const containers = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    if (Object.keys(limits).length || Object.keys(requests).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined) guaranteed = false;
      else if (requests[r] !== undefined && String(requests[r]) !== String(limits[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function computePodStatus(inputs: StatusInputs): PodStatus {
  const { pod, now } = inputs;
  const old = pod.status ?? {};
  const initSpecs = pod.spec.initContainers ?? [];
  const init = initSpecs.map((c) => containerStatus(inputs, c, 'PodInitializing'));
  const initDone = init.every((s) => s.state.terminated?.exitCode === 0);
  const app = pod.spec.containers.map((c) => containerStatus(inputs, c, initDone ? 'ContainerCreating' : 'PodInitializing'));
  const phase = podPhase(pod, init, app, inputs.initFailed);

  const notInitialized = init.filter((s) => s.state.terminated?.exitCode !== 0).map((s) => s.name);
  const notReady = app.filter((s) => !s.ready).map((s) => s.name);
  const completed = phase === 'Succeeded' || phase === 'Failed';
  const readyReason = completed ? 'PodCompleted' : 'ContainersNotReady';
  const readyMessage = completed ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
  const scheduled = old.conditions?.find((c) => c.type === 'PodScheduled') ?? { type: 'PodScheduled', status: 'True' as const };
  const conditions = withTransitionTimes([
    condition('PodReadyToStartContainers', inputs.sandboxReady),
    condition('Initialized', notInitialized.length === 0, 'ContainersNotInitialized', `containers with incomplete status: [${notInitialized.join(' ')}]`),
    condition('Ready', !completed && notReady.length === 0, readyReason, readyMessage),
    condition('ContainersReady', !completed && notReady.length === 0, readyReason, readyMessage),
    { type: 'PodScheduled', status: scheduled.status, ...(scheduled.reason ? { reason: scheduled.reason } : {}) },
  ], old.conditions, now);

  const status: PodStatus = {
    phase,
    conditions,
    hostIP: inputs.hostIP,
    hostIPs: [{ ip: inputs.hostIP }],
    startTime: old.startTime ?? now,
    qosClass: qosClass(pod),
  };
  const podIP = inputs.podIP ?? old.podIP;
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  if (init.length) status.initContainerStatuses = init;
  status.containerStatuses = app;
  return status;
}

/** Canonical JSON (sorted keys) so "did it change" ignores key order. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
    }
    return v;
  });
}

export function statusChanged(old: PodStatus | undefined, next: PodStatus): boolean {
  return canonical(old ?? {}) !== canonical(next);
}
