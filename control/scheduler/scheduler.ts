/**
 * The scheduler: pods without a node (spec.schedulerName default-scheduler) are placed one at a
 * time on a snapshot of the informer caches (schedulePod, pure), assumed onto the chosen node at
 * once, and bound through POST pods/{name}/binding in the background so the next pod can be
 * placed meanwhile — the assumption keeps the next decisions from overfilling that node.
 *
 * An unschedulable pod gets PodScheduled=False/Unschedulable with upstream's FitError message
 * (pods/status) and a FailedScheduling event, and waits in an "unschedulable" set that is
 * retried when a node appears or changes in a way that matters, when an assigned pod goes away
 * or finishes, and every `retryIntervalMs` regardless.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { isDeepStrictEqual } from 'node:util';
import type { ResourceInfo } from '../api/resources.js';
import { findResource } from '../api/resources.js';
import { WorkQueue, runWorkers, type ApiClient, type EventRecorder, type Informer } from '../client/index.js';
import { AssumedPods } from './assumed-pods.js';
import { schedulePod } from './schedule-pod.js';
import { buildSnapshot, isTerminal, podKey } from './snapshot.js';
import { DEFAULT_FILTERS } from './filters.js';
import { volumeBinding } from './volume-binding.js';
import type { KubeObject } from '../api/object.js';
import type { Node, NodeSelectorTerm, Pod, PodCondition } from './types.js';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const PVCS = findResource('', 'v1', 'persistentvolumeclaims')!;
const PVS = findResource('', 'v1', 'persistentvolumes')!;

export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';

/** Anything that hands out shared informers (the controller-manager's SharedInformers). */
export interface InformerSource {
  for<T extends KubeObject>(info: ResourceInfo): Informer<T>;
}

export interface SchedulerDeps {
  client: ApiClient;
  informers: InformerSource;
  log: Logger;
  events: EventRecorder;
  schedulerName?: string;
  /** Unschedulable pods are retried at least this often (default 15 s). */
  retryIntervalMs?: number;
  random?: () => number;
}

export interface Scheduler {
  start(): void;
  stop(): Promise<void>;
}

function rfc3339(d = new Date()): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function isReady(node: Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

/** Node changes that can make an unschedulable pod fit (heartbeats alone do not). */
function nodeChangeMatters(a: Node, b: Node): boolean {
  return isReady(a) !== isReady(b)
    || !isDeepStrictEqual(a.metadata.labels ?? {}, b.metadata.labels ?? {})
    || !isDeepStrictEqual(a.spec?.taints ?? [], b.spec?.taints ?? [])
    || !!a.spec?.unschedulable !== !!b.spec?.unschedulable
    || !isDeepStrictEqual(a.status?.allocatable ?? {}, b.status?.allocatable ?? {});
}

/** Changes of an unassigned pod worth a new attempt: its spec or labels, not its status. */
function podSpecChanged(a: Pod, b: Pod): boolean {
  return !isDeepStrictEqual(a.spec, b.spec) || !isDeepStrictEqual(a.metadata.labels, b.metadata.labels)
    || a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp;
}

export function buildScheduler(deps: SchedulerDeps): Scheduler {
  const { client, log, events } = deps;
  const schedulerName = deps.schedulerName ?? DEFAULT_SCHEDULER_NAME;
  const pods = deps.informers.for<Pod>(PODS);
  const nodes = deps.informers.for<Node>(NODES);
  const claims = deps.informers.for<KubeObject & { spec?: { volumeName?: string } }>(PVCS);
  const volumes = deps.informers.for<KubeObject & { spec?: { claimRef?: { namespace?: string; name?: string }; nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } } } }>(PVS);
  const filters = [...DEFAULT_FILTERS, volumeBinding({
    boundVolume: (ns, claim) => {
      const name = claims.get(`${ns}/${claim}`)?.spec?.volumeName;
      if (name) return volumes.get(name) ?? 'unknown';
      // A volume provisioned for the claim (claimRef set) pins it before the claim's own
      // volumeName reaches this cache: the two objects are written, and arrive, separately.
      return volumes.list().find((v) => v.spec?.claimRef?.namespace === ns && v.spec?.claimRef?.name === claim);
    },
  })];
  const queue = new WorkQueue<string>();
  const assumed = new AssumedPods();
  /** Keys of pods that did not fit at their last attempt. */
  const unschedulable = new Set<string>();
  const inflight = new Set<Promise<void>>();
  let workers: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const responsible = (pod: Pod): boolean => (pod.spec?.schedulerName || DEFAULT_SCHEDULER_NAME) === schedulerName;
  const needsScheduling = (pod: Pod): boolean =>
    !pod.spec?.nodeName && !pod.metadata.deletionTimestamp && !isTerminal(pod) && responsible(pod);

  const retryUnschedulable = (why: string): void => {
    if (unschedulable.size === 0) return;
    log.debug({ pods: unschedulable.size, why }, 'retrying unschedulable pods');
    for (const key of unschedulable) queue.add(key);
  };

  pods.onAdd((pod) => {
    if (needsScheduling(pod)) queue.add(podKey(pod));
  });
  pods.onUpdate((oldPod, pod) => {
    const key = podKey(pod);
    if (pod.spec?.nodeName) {
      if (!oldPod.spec?.nodeName) assumed.forget(key); // the binding is visible now
      if (!isTerminal(oldPod) && isTerminal(pod)) retryUnschedulable('a pod finished');
      unschedulable.delete(key);
      return;
    }
    if (needsScheduling(pod) && (podSpecChanged(oldPod, pod) || !unschedulable.has(key))) queue.add(key);
  });
  pods.onDelete((pod) => {
    const key = podKey(pod);
    assumed.forget(key);
    unschedulable.delete(key);
    if (pod.spec?.nodeName && !isTerminal(pod)) retryUnschedulable('a pod was deleted');
  });
  nodes.onAdd(() => retryUnschedulable('a node was added'));
  volumes.onAdd(() => retryUnschedulable('a volume was added'));
  nodes.onUpdate((a, b) => {
    if (nodeChangeMatters(a, b)) retryUnschedulable('a node changed');
  });

  async function scheduleOne(key: string): Promise<void> {
    const pod = pods.get(key);
    if (!pod || !needsScheduling(pod) || assumed.has(key)) {
      unschedulable.delete(key);
      return;
    }
    const snapshot = buildSnapshot(nodes.list(), pods.list(), assumed.view());
    const result = schedulePod(pod, snapshot, { random: deps.random, filters });
    if (!result.feasible) {
      unschedulable.add(key);
      events.event(pod, 'Warning', 'FailedScheduling', result.message);
      if (await markUnschedulable(pod, result.message)) log.info({ pod: key, reason: result.message }, 'pod is unschedulable');
      return;
    }
    unschedulable.delete(key);
    assumed.assume(key, result.node);
    const binding = bind(pod, result.node);
    inflight.add(binding);
    void binding.finally(() => inflight.delete(binding));
  }

  async function bind(pod: Pod, node: string): Promise<void> {
    const key = podKey(pod);
    const { namespace, name } = pod.metadata;
    try {
      await client.createSubresource(PODS, namespace, name!, 'binding', {
        apiVersion: 'v1', kind: 'Binding',
        metadata: { name, namespace, uid: pod.metadata.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      });
      assumed.bound(key);
      events.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${node}`);
      log.debug({ pod: key, node }, 'bound');
    } catch (err) {
      assumed.forget(key);
      // 409: already bound (by someone else) or being deleted; 404: gone. Nothing to retry.
      if (err instanceof ApiError && (err.code === 409 || err.code === 404)) return;
      log.warn({ pod: key, node, err: (err as Error).message }, 'binding failed; retrying');
      events.event(pod, 'Warning', 'FailedScheduling', `Binding rejected: ${(err as Error).message}`);
      queue.addRateLimited(key);
    }
  }

  /** PodScheduled=False/Unschedulable, written only when it changes (lastTransitionTime kept otherwise). */
  async function markUnschedulable(pod: Pod, message: string): Promise<boolean> {
    const current = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message) return false;
    const condition: PodCondition = {
      type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null,
      lastTransitionTime: current?.status === 'False' && current.lastTransitionTime ? current.lastTransitionTime : rfc3339(),
    };
    try {
      await client.patch(PODS, pod.metadata.namespace, pod.metadata.name!, { status: { conditions: [condition] } }, 'strategic', { subresource: 'status' });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return false;
      throw err;
    }
  }

  return {
    start() {
      for (const pod of pods.list()) if (needsScheduling(pod)) queue.add(podKey(pod));
      // One worker: decisions are sequential (each sees the previous one's assumption), as upstream.
      workers = runWorkers(queue, 1, scheduleOne, {
        onError: (key, err) => log.warn({ pod: key, err: (err as Error).message }, 'scheduling attempt failed; retrying'),
      });
      retryTimer = setInterval(() => retryUnschedulable('periodic retry'), deps.retryIntervalMs ?? 15_000);
      retryTimer.unref();
      log.info({ schedulerName }, 'scheduler started');
    },
    async stop() {
      if (retryTimer) clearInterval(retryTimer);
      queue.shutDown();
      await workers;
      await Promise.allSettled([...inflight]);
    },
  };
}
