/**
 * A simulated kubelet for the workload controller tests: no containers, just what controllers
 * observe of pods through the API.
 *
 * - Nodes are simulated-nodes.ts Nodes (Ready, allocatable, renewed Lease).
 * - Binding: the scheduler inside `tug server` binds pods; if a pod is still unbound after
 *   `bindAfterMs` (no scheduler, or one that is slow) the simulation binds it itself through
 *   pods/binding — to the node a DaemonSet pins it to with matchFields, else round-robin. A 409
 *   (someone bound it first) is fine.
 * - A bound Pending pod becomes Running and Ready after `readyAfterMs` (pods/status), unless its
 *   `sim/behaviour` label says otherwise: `never-ready` (Running, never Ready), `succeed` /
 *   `fail` (terminates with exit code 0 / 1 after `finishAfterMs`).
 * - A bound pod being deleted gracefully is finished off (delete with grace 0) after
 *   `terminateAfterMs`, as a kubelet does once the containers have stopped.
 */
import type { KubeObject } from '../../../control/api/object.js';
import type { Pod } from '../../../control/controllers/workload-types.js';
import { ApiError } from '../../../control/api/errors.js';
import { findResource } from '../../../control/api/resources.js';
import { Informer, WorkQueue, runWorkers, type ApiClient } from '../../../control/client/index.js';
import { simulateNode, type SimulatedNode } from './simulated-nodes.js';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;

interface SimPod extends KubeObject {
  spec: {
    nodeName?: string;
    containers: { name: string; image?: string }[];
    affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchFields?: { key: string; values?: string[] }[] }[] } } };
  };
  status?: { phase?: string; [k: string]: unknown };
}

export interface SimulatedKubeletOptions {
  nodes?: string[];
  bindAfterMs?: number;
  readyAfterMs?: number;
  finishAfterMs?: number;
  terminateAfterMs?: number;
}

export interface SimulatedKubelet {
  nodes: SimulatedNode[];
  /** Every pod name ever seen, in order of first sight (for "no double creation" checks). */
  seen: string[];
  stop(): Promise<void>;
}

const iso = (ms = Date.now()): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

export async function startSimulatedKubelet(client: ApiClient, opts: SimulatedKubeletOptions = {}): Promise<SimulatedKubelet> {
  const names = opts.nodes ?? ['sim-node-1', 'sim-node-2'];
  const nodes: SimulatedNode[] = [];
  for (const n of names) nodes.push(await simulateNode(client, n));
  const bindAfter = opts.bindAfterMs ?? 1500;
  const readyAfter = opts.readyAfterMs ?? 300;
  const finishAfter = opts.finishAfterMs ?? 600;
  const terminateAfter = opts.terminateAfterMs ?? 200;

  const pods = new Informer<SimPod>(client, PODS);
  const queue = new WorkQueue<string>();
  /** by pod uid: a pod recreated under the same name (StatefulSets) is new, with its own clock */
  const firstSeen = new Map<string, number>();
  const seen: string[] = [];
  let rr = 0;
  const enqueue = (p: SimPod) => queue.add(`${p.metadata.namespace}/${p.metadata.name}`);
  pods.onAdd((p) => {
    const key = `${p.metadata.namespace}/${p.metadata.name}`;
    if (!seen.includes(key)) seen.push(key);
    if (!firstSeen.has(p.metadata.uid!)) firstSeen.set(p.metadata.uid!, Date.now());
    enqueue(p);
  }).onUpdate((_, p) => enqueue(p)).onDelete((p) => firstSeen.delete(p.metadata.uid!));
  pods.start();
  await pods.waitForSync();

  /** Run `fn` once `ms` have passed since `since`, else come back then. */
  const after = (key: string, since: number, ms: number): boolean => {
    const wait = since + ms - Date.now();
    if (wait > 0) queue.addAfter(key, wait);
    return wait <= 0;
  };

  async function reconcile(key: string): Promise<void> {
    const pod = pods.get(key);
    if (!pod) return;
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    if (pod.metadata.deletionTimestamp) {
      if (!pod.spec.nodeName) return;
      const since = Date.parse(pod.metadata.deletionTimestamp) - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
      if (!after(key, since, terminateAfter)) return;
      await ignore(client.delete(PODS, ns, name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } }), 404, 409);
      return;
    }
    const seenAt = firstSeen.get(pod.metadata.uid!) ?? Date.now();
    if (!pod.spec.nodeName) {
      if (!after(key, seenAt, bindAfter)) return;
      const pinned = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms
        ?.flatMap((t) => t.matchFields ?? []).find((f) => f.key === 'metadata.name')?.values?.[0];
      const target = pinned ?? names[rr++ % names.length]!;
      await ignore(client.createSubresource(PODS, ns, name, 'binding', {
        apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: target },
      }), 409, 404);
      return;
    }
    if (!names.includes(pod.spec.nodeName)) return;
    const phase = pod.status?.phase ?? 'Pending';
    const behaviour = pod.metadata.labels?.['sim/behaviour'] ?? 'ready';
    if (phase === 'Pending') {
      if (!after(key, seenAt, readyAfter)) return;
      const ready = behaviour === 'ready' || behaviour === 'succeed' || behaviour === 'fail';
      await writeStatus(pod, 'Running', ready, { running: { startedAt: iso() } });
      if (behaviour === 'succeed' || behaviour === 'fail') queue.addAfter(key, finishAfter);
      return;
    }
    if (phase === 'Running' && (behaviour === 'succeed' || behaviour === 'fail')) {
      if (!after(key, seenAt, readyAfter + finishAfter)) return;
      const code = behaviour === 'succeed' ? 0 : 1;
      await writeStatus(pod, behaviour === 'succeed' ? 'Succeeded' : 'Failed', false, {
        terminated: { exitCode: code, reason: code ? 'Error' : 'Completed', startedAt: iso(seenAt), finishedAt: iso() },
      });
    }
  }

  async function writeStatus(pod: SimPod, phase: string, ready: boolean, state: Record<string, unknown>): Promise<void> {
    const now = iso();
    const cond = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: now });
    const next = structuredClone(pod) as SimPod;
    next.status = {
      ...(pod.status ?? {}),
      phase,
      hostIP: '10.200.0.99',
      podIP: `10.244.${1 + names.indexOf(pod.spec.nodeName!)}.${1 + (Math.abs(hash(pod.metadata.name!)) % 250)}`,
      startTime: (pod.status?.startTime as string | undefined) ?? now,
      conditions: [cond('PodScheduled', true), cond('Initialized', true), cond('ContainersReady', ready), cond('Ready', ready)],
      containerStatuses: pod.spec.containers.map((c) => ({
        name: c.name, image: c.image, imageID: '', ready, started: phase === 'Running', restartCount: 0, state,
      })),
    };
    await ignore(client.updateStatus(PODS, next), 404, 409);
  }

  const workers = runWorkers(queue, 4, reconcile);
  return {
    nodes,
    seen,
    async stop() {
      pods.stop();
      queue.shutDown();
      await workers;
      for (const n of nodes) {
        n.stopHeartbeat();
        await ignore(client.delete(NODES, undefined, n.name), 404);
      }
    },
  };
}

async function ignore<T>(p: Promise<T>, ...codes: number[]): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ApiError && codes.includes(err.code)) return undefined;
    throw err;
  }
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h;
}

export interface WorkloadHarness {
  cp: TestControlPlane;
  client: ApiClient;
  kubelet: SimulatedKubelet;
  /** every pod of the test namespace, kept current */
  podWatch: Informer<Pod>;
}

/** A real `tug server`, a simulated kubelet, the test namespace and a pod informer on it. */
export async function startWorkloadHarness(namespace: string, opts: SimulatedKubeletOptions = {}): Promise<WorkloadHarness> {
  const cp = await startControlPlane();
  const client = cp.client();
  const kubelet = await startSimulatedKubelet(client, opts);
  await cp.k(['create', 'namespace', namespace]);
  const podWatch = new Informer<Pod>(client, findResource('', 'v1', 'pods')!, { namespace });
  podWatch.start();
  await podWatch.waitForSync();
  return { cp, client, kubelet, podWatch };
}

export async function stopWorkloadHarness(h: Partial<WorkloadHarness>): Promise<void> {
  h.podWatch?.stop();
  await h.kubelet?.stop();
  await h.cp?.stop();
}
