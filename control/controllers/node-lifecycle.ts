/**
 * NodeLifecycleController: notices dead kubelets and moves their pods away.
 *
 * Every `monitorPeriodMs` (and whenever a node, lease or pod on a tainted node changes) one pass:
 * 1. For each node, NodeHealthTracker says whether its Lease in kube-node-lease (or its Ready
 *    heartbeat) moved within the grace period (default 40 s). A stale node gets all conditions
 *    Unknown/NodeStatusUnknown (nodes/status) and the node.kubernetes.io/unreachable taints
 *    NoSchedule + NoExecute (timeAdded = now); a node whose lease moves again loses those taints.
 *    A live node whose kubelet reports Ready=False gets the node.kubernetes.io/not-ready taints
 *    instead (pods tolerate them for 300 s by default, then are evicted like from an unreachable
 *    node, but gracefully: its kubelet still runs them down).
 * 2. For each node with NoExecute taints, each pod on it is evicted (deleted) once evictionTime()
 *    says so; the pass wakes up again at the next due eviction. Pods of an unreachable node are
 *    deleted with gracePeriodSeconds=0 — no kubelet will finish a graceful delete — and pods
 *    already terminating there are force-deleted once their grace has run out (upstream's PodGC).
 *
 * Writes are computed from the caches each pass (level-triggered), so a failed write is simply
 * redone by the next pass.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { clone } from '../api/object.js';
import { findResource } from '../api/resources.js';
import { SyncRunner, type ApiClient, type EventRecorder, type Informer } from '../client/index.js';
import type { SharedInformers } from './informers.js';
import type { Controller } from './namespace.js';
import {
  NOT_READY_TAINT_KEY, NodeHealthTracker, UNREACHABLE_TAINT_KEY, hasUnreachableTaint, nodeHealthUpdate, type LeaseObject, type NodeObject,
} from './node-health.js';
import { evictionTime, type PodObject } from './taint-eviction.js';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const POD_NODE_INDEX = 'node-lifecycle:nodeName';

export interface NodeLifecycleOptions {
  /** A lease not renewed for this long marks the node Unknown (default 40). */
  nodeMonitorGracePeriodSeconds?: number;
  /** Pods without a toleration for unreachable/not-ready are evicted after this (default 300). */
  podEvictionTimeoutSeconds?: number;
  /** How often nodes are checked (default 2000 ms). */
  monitorPeriodMs?: number;
  now?: () => number;
}

export interface NodeLifecycleDeps {
  client: ApiClient;
  informers: SharedInformers;
  log: Logger;
  events: EventRecorder;
  options?: NodeLifecycleOptions;
}

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

function podsByNode(pods: Informer<PodObject>): (node: string) => PodObject[] {
  try {
    pods.addIndex(POD_NODE_INDEX, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
  } catch {
    // registered already on this shared informer
  }
  return (node) => pods.byIndex(POD_NODE_INDEX, node);
}

export function buildNodeLifecycleController(deps: NodeLifecycleDeps): Controller {
  const { client, log, events } = deps;
  const opts = deps.options ?? {};
  const now = opts.now ?? Date.now;
  const graceMs = (opts.nodeMonitorGracePeriodSeconds ?? 40) * 1000;
  const evictionSeconds = opts.podEvictionTimeoutSeconds ?? 300;
  const nodes = deps.informers.for<NodeObject>(NODES);
  const leases = deps.informers.for<LeaseObject>(LEASES);
  const pods = deps.informers.for<PodObject>(PODS);
  const podsOn = podsByNode(pods);
  const tracker = new NodeHealthTracker(now);
  /** Pods already deleted by us, so a lagging cache does not make us delete twice. */
  const evicted = new Set<string>();

  const runner = new SyncRunner({
    minInterval: 200,
    maxInterval: opts.monitorPeriodMs ?? 2000,
    run: () => monitor(),
    onError: (err) => log.warn({ err: (err as Error).message }, 'node lifecycle pass failed; retrying'),
  });
  const poke = (): void => runner.run();
  nodes.onAdd(poke).onUpdate(poke).onDelete(poke);
  leases.onUpdate((_, l) => { if (l.metadata.namespace === NODE_LEASE_NAMESPACE) poke(); });
  leases.onAdd((l) => { if (l.metadata.namespace === NODE_LEASE_NAMESPACE) poke(); });
  const onPod = (p: PodObject): void => {
    const node = p.spec?.nodeName ? nodes.get(p.spec.nodeName) : undefined;
    if (node?.spec?.taints?.some((t) => t.effect === 'NoExecute')) poke();
  };
  pods.onAdd(onPod).onUpdate((_, p) => onPod(p)).onDelete((p) => evicted.delete(`${p.metadata.namespace}/${p.metadata.name}/${p.metadata.uid}`));

  async function monitor(): Promise<void> {
    const t = now();
    const live = new Set<string>();
    let nextWake = Infinity;
    let failures = 0;
    for (const node of nodes.list()) {
      const name = node.metadata.name!;
      live.add(name);
      tracker.observe(name, leases.get(`${NODE_LEASE_NAMESPACE}/${name}`), node);
      try {
        await applyHealth(node, tracker.isStale(name, graceMs), t);
      } catch (err) {
        failures++;
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) log.warn({ node: name, err: (err as Error).message }, 'updating node health failed');
      }
      const wake = await evictPods(node, t);
      if (wake !== undefined) nextWake = Math.min(nextWake, wake);
    }
    for (const name of tracker.names()) if (!live.has(name)) tracker.forget(name);
    if (nextWake !== Infinity) runner.retryAfter(Math.max(0, nextWake - now()));
    if (failures) runner.retryAfter(1000);
  }

  async function applyHealth(node: NodeObject, stale: boolean, t: number): Promise<void> {
    const name = node.metadata.name!;
    const update = nodeHealthUpdate(node, stale, rfc3339(t));
    if (update.conditions) {
      await client.patch(NODES, undefined, name, { status: { conditions: update.conditions } }, 'strategic', { subresource: 'status' });
      if (update.conditions.some((c) => c.type === 'Ready')) {
        log.info({ node: name }, 'node stopped renewing its lease: Ready=Unknown');
        events.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      }
    }
    if (update.taints) {
      const next = clone(node);
      next.spec = { ...(next.spec ?? {}), taints: update.taints };
      if (!update.taints.length) delete next.spec.taints;
      await client.update(NODES, next); // CAS on resourceVersion: a stale cache gets 409 and the next pass redoes it
      const had = (key: string) => (node.spec?.taints ?? []).some((x) => x.key === key);
      const has = (key: string) => update.taints!.some((x) => x.key === key);
      if (had(UNREACHABLE_TAINT_KEY) && !has(UNREACHABLE_TAINT_KEY)) {
        log.info({ node: name }, 'node is reachable again: unreachable taints removed');
        events.event(node, 'Normal', 'NodeReachable', `Node ${name} is reachable again`);
      }
      if (!had(NOT_READY_TAINT_KEY) && has(NOT_READY_TAINT_KEY)) {
        log.info({ node: name }, 'kubelet reports Ready=False: not-ready taints added');
        events.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
      }
      if (had(NOT_READY_TAINT_KEY) && !has(NOT_READY_TAINT_KEY)) {
        log.info({ node: name }, 'node is ready again: not-ready taints removed');
        events.event(node, 'Normal', 'NodeReady', `Node ${name} status is now: NodeReady`);
      }
    }
  }

  /** Evicts what is due on `node`; returns when the next eviction is due (epoch ms). */
  async function evictPods(node: NodeObject, t: number): Promise<number | undefined> {
    const taints = (node.spec?.taints ?? []).filter((x) => x.effect === 'NoExecute');
    if (taints.length === 0) return undefined;
    const unreachable = hasUnreachableTaint(node);
    let next: number | undefined;
    for (const pod of podsOn(node.metadata.name!)) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const id = `${pod.metadata.namespace}/${pod.metadata.name}/${pod.metadata.uid}`;
      if (evicted.has(id)) continue;
      let at: number | undefined;
      if (pod.metadata.deletionTimestamp) {
        // Terminating on a dead node: nobody will finish it, so force it after its grace period.
        if (!unreachable) continue;
        at = Date.parse(pod.metadata.deletionTimestamp);
      } else {
        at = evictionTime(pod, taints, evictionSeconds, t);
      }
      if (at === undefined) continue;
      if (at > t) {
        next = next === undefined ? at : Math.min(next, at);
        continue;
      }
      await evict(pod, node, unreachable, id);
    }
    return next;
  }

  async function evict(pod: PodObject, node: NodeObject, force: boolean, id: string): Promise<void> {
    const { namespace, name, uid } = pod.metadata;
    if (!pod.metadata.deletionTimestamp) events.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`);
    try {
      await client.delete(PODS, namespace, name!, { preconditions: { uid }, ...(force ? { gracePeriodSeconds: 0 } : {}) });
      evicted.add(id);
      log.info({ pod: `${namespace}/${name}`, node: node.metadata.name, force }, 'evicted pod from tainted node');
    } catch (err) {
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
      log.warn({ pod: `${namespace}/${name}`, err: (err as Error).message }, 'evicting pod failed; retrying');
      runner.retryAfter(1000);
    }
  }

  return {
    start() {
      runner.start();
    },
    async stop() {
      await runner.stop();
    },
  };
}
