/**
 * ReplicaSetController: keeps `spec.replicas` active pods that match the selector and are
 * controlled by the ReplicaSet (upstream pkg/controller/replicaset).
 *
 * Guarantees:
 * - Pods are created from the template as `<rs>-<5 random>` with a controller reference
 *   (blockOwnerDeletion); matching orphans are adopted, owned pods that stop matching released.
 * - A burst of events never double-creates or double-deletes: creations/deletions in flight are
 *   tracked as expectations and the ReplicaSet does not act again until the informer has shown
 *   them (or they expire). Every write is a CAS on the cached resourceVersion.
 * - Surplus pods go in the order of pod-deletion-order.ts (unscheduled, not ready, newest first).
 * - status (replicas, fullyLabeledReplicas, readyReplicas, availableReplicas honouring
 *   minReadySeconds, observedGeneration) is written through replicasets/status only when it
 *   changed; a Ready pod that will become available later requeues the key for that moment.
 */
import { ApiError } from '../api/errors.js';
import { clone } from '../api/object.js';
import { findResource } from '../api/resources.js';
import { labelSelectorFromSpec, matchesLabels } from '../api/selectors.js';
import { WorkQueue, runWorkers } from '../client/index.js';
import { ControllerExpectations } from './controller-expectations.js';
import { controllerRefOf, newControllerRef } from './controller-ref.js';
import type { Controller } from './namespace.js';
import { PODS, claim, deletePod, podFromTemplate, slowStartBatch } from './pod-control.js';
import { podsToDelete } from './pod-deletion-order.js';
import { isPodActive } from './pod-state.js';
import { replicaSetStatus, sameReplicaSetStatus } from './replicaset-status.js';
import {
  errorMessage, eventsFor, involved, keyOf, resolveControllerRef, rfc3339, type WorkloadControllerDeps,
} from './workload-controller.js';
import { namespaceLister } from './workload-indexes.js';
import type { Condition, Pod, ReplicaSet } from './workload-types.js';

export const REPLICASETS = findResource('apps', 'v1', 'replicasets')!;
/** upstream burstReplicas: the most pods created or deleted in one sync. */
const BURST_REPLICAS = 500;

export function buildReplicaSetController(deps: WorkloadControllerDeps): Controller {
  const { client, log } = deps;
  const now = deps.now ?? Date.now;
  const events = eventsFor(deps, 'replicaset-controller');
  const replicasets = deps.informers.for<ReplicaSet>(REPLICASETS);
  const pods = deps.informers.for<Pod>(PODS);
  const rsInNamespace = namespaceLister(replicasets);
  const podsInNamespace = namespaceLister(pods);
  const expectations = new ControllerExpectations();
  const queue = new WorkQueue<string>();
  let workers: Promise<void> | undefined;

  const ownerOf = (pod: Pod): ReplicaSet | undefined =>
    resolveControllerRef(replicasets, pod.metadata.namespace, controllerRefOf(pod), 'ReplicaSet');

  /** Orphans wake every ReplicaSet that could adopt them. */
  const enqueueMatching = (pod: Pod): void => {
    for (const rs of rsInNamespace(pod.metadata.namespace ?? '')) {
      try {
        const sel = labelSelectorFromSpec(rs.spec.selector);
        if (sel.requirements.length && matchesLabels(sel, pod.metadata.labels)) queue.add(keyOf(rs));
      } catch { /* invalid selector: validation keeps these out */ }
    }
  };

  const podDeleted = (pod: Pod): void => {
    const rs = ownerOf(pod);
    if (!rs) return;
    expectations.deletionObserved(keyOf(rs), pod.metadata.uid ?? '');
    queue.add(keyOf(rs));
  };

  replicasets
    .onAdd((rs) => queue.add(keyOf(rs)))
    .onUpdate((_, rs) => queue.add(keyOf(rs)))
    .onDelete((rs) => { expectations.delete(keyOf(rs)); queue.add(keyOf(rs)); });
  pods
    .onAdd((pod) => {
      if (pod.metadata.deletionTimestamp) return podDeleted(pod);
      const rs = ownerOf(pod);
      if (rs) {
        expectations.creationObserved(keyOf(rs));
        queue.add(keyOf(rs));
      } else if (!controllerRefOf(pod)) enqueueMatching(pod);
    })
    .onUpdate((old, pod) => {
      if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) return podDeleted(pod);
      const before = ownerOf(old);
      const after = ownerOf(pod);
      if (before && before !== after) queue.add(keyOf(before));
      if (after) queue.add(keyOf(after));
      else if (!controllerRefOf(pod)) enqueueMatching(pod);
    })
    .onDelete(podDeleted);

  async function manageReplicas(key: string, rs: ReplicaSet, active: Pod[]): Promise<void> {
    const want = rs.spec.replicas ?? 1;
    const diff = active.length - want;
    const ns = rs.metadata.namespace!;
    const rsRef = involved(rs, 'apps/v1', 'ReplicaSet');
    if (diff < 0) {
      const n = Math.min(-diff, BURST_REPLICAS);
      expectations.expectCreations(key, n);
      const ref = newControllerRef(rs, 'apps/v1', 'ReplicaSet');
      const result = await slowStartBatch(n, async () => {
        try {
          const pod = await client.create<Pod>(PODS, podFromTemplate(rs.spec.template, ns, `${rs.metadata.name}-`, ref));
          events.event(rsRef, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
        } catch (err) {
          events.event(rsRef, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
          throw err;
        }
      });
      // Creations that were never attempted or failed will never be observed.
      for (let i = result.created; i < n; i++) expectations.creationObserved(key);
      if (result.error) throw result.error;
    } else if (diff > 0) {
      const victims = podsToDelete(active, Math.min(diff, BURST_REPLICAS));
      expectations.expectDeletions(key, victims.map((p) => p.metadata.uid ?? ''));
      const results = await Promise.allSettled(victims.map(async (p) => {
        try {
          await deletePod(client, p);
          events.event(rsRef, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
        } catch (err) {
          expectations.deletionObserved(key, p.metadata.uid ?? '');
          events.event(rsRef, 'Warning', 'FailedDelete', `Error deleting: ${errorMessage(err)}`);
          throw err;
        }
      }));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  async function reconcile(key: string): Promise<void> {
    const rs = replicasets.get(key);
    if (!rs) {
      expectations.delete(key);
      return;
    }
    const selector = labelSelectorFromSpec(rs.spec.selector);
    const deleting = Boolean(rs.metadata.deletionTimestamp);
    const candidates = podsInNamespace(rs.metadata.namespace ?? '').filter(isPodActive);
    const ref = newControllerRef(rs, 'apps/v1', 'ReplicaSet');
    let owned = await claim(client, PODS, candidates, { owner: rs, ref, selector, ownerDeleting: deleting || !(await canAdopt(rs, candidates)) });
    owned = owned.filter(isPodActive);

    let manageError: unknown;
    const managed = expectations.satisfied(key) && !deleting;
    if (managed) {
      try {
        await manageReplicas(key, rs, owned);
      } catch (err) {
        manageError = err;
      }
    }
    const previousFailure = rs.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    let failure: Condition | undefined = managed ? undefined : previousFailure;
    if (manageError && (rs.spec.replicas ?? 1) > owned.length) {
      failure = {
        type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: errorMessage(manageError),
        lastTransitionTime: previousFailure?.lastTransitionTime ?? rfc3339(now()),
      };
    }
    const { status, recheckMs } = replicaSetStatus(rs, owned, now(), failure);
    if (!sameReplicaSetStatus(rs.status, status)) {
      const next = clone(rs);
      next.status = status;
      try {
        await client.updateStatus(REPLICASETS, next);
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
        if (err.code === 409) queue.add(key); // the cache is behind; the update event requeues too
      }
    }
    if (recheckMs !== undefined) queue.addAfter(key, recheckMs);
    if (manageError) throw manageError;
  }

  /** Upstream re-reads the owner uncached before adopting: never adopt into a deleted or replaced one. */
  async function canAdopt(rs: ReplicaSet, candidates: readonly Pod[]): Promise<boolean> {
    if (!candidates.some((p) => !controllerRefOf(p))) return true;
    try {
      const fresh = await client.get<ReplicaSet>(REPLICASETS, rs.metadata.namespace, rs.metadata.name!);
      return fresh.metadata.uid === rs.metadata.uid && !fresh.metadata.deletionTimestamp;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return false;
      throw err;
    }
  }

  return {
    start() {
      workers = runWorkers(queue, deps.workers ?? 4, reconcile, {
        onError: (key, err) => log.warn({ replicaset: key, err: errorMessage(err) }, 'replicaset sync failed; retrying'),
      });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}

