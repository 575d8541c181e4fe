/**
 * DisruptionController: keeps every PodDisruptionBudget's status (expected, desired and current
 * healthy pods, disruptionsAllowed, the DisruptionAllowed condition) true to its pods, so that
 * pods/eviction (`kubectl drain`) can refuse an eviction that would break the budget.
 *
 * Shape (DESIGN §3): budget, pod and controller events enqueue budget keys; a worker re-reads the
 * caches, computes the status with computeBudgetStatus (control/api/disruption-budget.ts) and
 * writes it through pdbs/status only when it changed. A budget with evictions still in its
 * disruptedPods window is recomputed when the oldest expires.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { clone, type KubeObject } from '../api/object.js';
import { findResource } from '../api/resources.js';
import { budgetSelects, computeBudgetStatus, nextDisruptionExpiry, type BudgetStatus } from '../api/disruption-budget.js';
import { WorkQueue, runWorkers, type ApiClient } from '../client/index.js';
import { controllerRefOf } from './controller-ref.js';
import type { SharedInformers } from './informers.js';
import type { Controller } from './namespace.js';

const PDBS = findResource('policy', 'v1', 'poddisruptionbudgets')!;
const PODS = findResource('', 'v1', 'pods')!;
const REPLICASETS = findResource('apps', 'v1', 'replicasets')!;
const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const STATEFULSETS = findResource('apps', 'v1', 'statefulsets')!;

const replicasOf = (obj: KubeObject | undefined): number | undefined => (obj?.spec as { replicas?: number } | undefined)?.replicas;

export function buildDisruptionController(deps: { client: ApiClient; informers: SharedInformers; log: Logger; now?: () => number }): Controller {
  const { client, log } = deps;
  const now = deps.now ?? Date.now;
  const pdbs = deps.informers.for(PDBS);
  const pods = deps.informers.for(PODS);
  const replicaSets = deps.informers.for(REPLICASETS);
  const deployments = deps.informers.for(DEPLOYMENTS);
  const statefulSets = deps.informers.for(STATEFULSETS);
  const queue = new WorkQueue<string>();
  let workers: Promise<void> | undefined;

  const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  const enqueueNamespace = (ns: string | undefined): void => {
    for (const pdb of pdbs.list()) if (pdb.metadata.namespace === ns) queue.add(keyOf(pdb));
  };
  const enqueueFor = (pod: KubeObject): void => {
    for (const pdb of pdbs.list()) if (budgetSelects(pdb, pod)) queue.add(keyOf(pdb));
  };
  pdbs.onAdd((p) => queue.add(keyOf(p))).onUpdate((_o, p) => queue.add(keyOf(p)));
  // A pod that stops matching must leave the old budget too: both versions enqueue.
  pods.onAdd(enqueueFor).onUpdate((o, p) => { enqueueFor(o); enqueueFor(p); }).onDelete(enqueueFor);
  for (const inf of [replicaSets, deployments, statefulSets]) {
    inf.onAdd((o) => enqueueNamespace(o.metadata.namespace)).onUpdate((_o, n) => enqueueNamespace(n.metadata.namespace));
  }

  /**
   * upstream getExpectedScale: each controller's desired replicas once (a Deployment's for its
   * ReplicaSets' pods, a StatefulSet's for its pods), so a pod evicted and not yet replaced still
   * counts; a pod without such a controller counts as itself.
   */
  function expectedScale(covered: readonly KubeObject[]): number {
    const counted = new Map<string, number>();
    let unmanaged = 0;
    for (const pod of covered) {
      const ref = controllerRefOf(pod);
      const ns = pod.metadata.namespace;
      if (ref?.kind === 'ReplicaSet') {
        const rs = replicaSets.get(`${ns}/${ref.name}`);
        const owner = rs && controllerRefOf(rs);
        const deploy = owner?.kind === 'Deployment' ? deployments.get(`${ns}/${owner.name}`) : undefined;
        const scaleOwner = deploy ?? rs;
        const scale = replicasOf(scaleOwner);
        if (scaleOwner && scale !== undefined) {
          counted.set(scaleOwner.metadata.uid ?? ref.uid, scale);
          continue;
        }
      }
      if (ref?.kind === 'StatefulSet') {
        const sts = statefulSets.get(`${ns}/${ref.name}`);
        const scale = replicasOf(sts);
        if (sts && scale !== undefined) {
          counted.set(sts.metadata.uid ?? ref.uid, scale);
          continue;
        }
      }
      unmanaged++;
    }
    return [...counted.values()].reduce((a, b) => a + b, 0) + unmanaged;
  }

  async function reconcile(key: string): Promise<void> {
    const pdb = pdbs.get(key);
    if (!pdb) return;
    const ns = pdb.metadata.namespace;
    const previous = pdb.status as Partial<BudgetStatus> | undefined;
    const status = computeBudgetStatus(pdb, pods.list().filter((p) => p.metadata.namespace === ns), expectedScale, now(), previous);
    const expiry = nextDisruptionExpiry(status);
    if (expiry !== undefined) queue.addAfter(key, Math.max(0, expiry - now()) + 1000);
    if (JSON.stringify(previous ?? {}) === JSON.stringify(status)) return;
    const next = clone(pdb);
    next.status = status;
    await client.updateStatus(PDBS, next);
  }

  return {
    start() {
      workers = runWorkers(queue, 2, reconcile, {
        onError: (key, err) => {
          if (err instanceof ApiError && (err.code === 409 || err.code === 404)) return; // cache behind: retried
          log.warn({ pdb: key, err: (err as Error).message }, 'disruption budget sync failed; retrying');
        },
      });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}
