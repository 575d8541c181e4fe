/**
 * StatefulSetController (upstream pkg/controller/statefulset): pods with a stable identity
 * `<set>-<ordinal>`, created, scaled down and updated in ordinal order.
 *
 * The decisions are statefulset-plan.ts (pure); this file is the reconciler around them:
 * informer handlers only enqueue `namespace/name`; a worker re-reads the caches, claims the
 * member pods (adopt matching orphans named `<set>-<n>`, release owned pods that stop
 * matching), applies the plan and writes the status when it changed.
 *
 * No expectations are needed (unlike ReplicaSets): pod names are deterministic, so a creation
 * the cache has not shown yet comes back as 409 AlreadyExists and the key is retried, and
 * deletions carry a uid precondition so a recreated pod of the same name is never hit.
 */
import { ApiError } from '../api/errors.js';
import { clone } from '../api/object.js';
import { findResource } from '../api/resources.js';
import { labelSelectorFromSpec, matchesLabels } from '../api/selectors.js';
import { WorkQueue, runWorkers } from '../client/index.js';
import { controllerRefOf, newControllerRef } from './controller-ref.js';
import type { Controller } from './namespace.js';
import { PODS, claim, deletePod, podFromTemplate } from './pod-control.js';
import { isPodReady, msUntilAvailable } from './pod-state.js';
import {
  claimsForOrdinal, currentRevisionOf, ordinalOf, planStatefulSet, sameStatefulSetStatus, statefulPodTemplate, statefulSetStatus,
  updateRevisionOf, type StatefulSet,
} from './statefulset-plan.js';
import { errorMessage, eventsFor, involved, keyOf, resolveControllerRef, type WorkloadControllerDeps } from './workload-controller.js';
import { namespaceLister } from './workload-indexes.js';
import type { Pod } from './workload-types.js';

export const STATEFULSETS = findResource('apps', 'v1', 'statefulsets')!;
const PVCS = findResource('', 'v1', 'persistentvolumeclaims')!;

export function buildStatefulSetController(deps: WorkloadControllerDeps): Controller {
  const { client, log } = deps;
  const now = deps.now ?? Date.now;
  const events = eventsFor(deps, 'statefulset-controller');
  const sets = deps.informers.for<StatefulSet>(STATEFULSETS);
  const pods = deps.informers.for<Pod>(PODS);
  const podsInNamespace = namespaceLister(pods);
  const setsInNamespace = namespaceLister(sets);
  const queue = new WorkQueue<string>();
  let workers: Promise<void> | undefined;

  const enqueueOwnerOrCandidates = (pod: Pod): void => {
    const ref = controllerRefOf(pod);
    if (ref) {
      const set = resolveControllerRef(sets, pod.metadata.namespace, ref, 'StatefulSet');
      if (set) queue.add(keyOf(set));
      return;
    }
    for (const set of setsInNamespace(pod.metadata.namespace ?? '')) {
      try {
        if (matchesLabels(labelSelectorFromSpec(set.spec.selector), pod.metadata.labels)) queue.add(keyOf(set));
      } catch { /* invalid selector: nothing to adopt */ }
    }
  };
  sets.onAdd((s) => queue.add(keyOf(s))).onUpdate((_, s) => queue.add(keyOf(s))).onDelete((s) => queue.add(keyOf(s)));
  pods.onAdd(enqueueOwnerOrCandidates).onUpdate((_, p) => enqueueOwnerOrCandidates(p)).onDelete(enqueueOwnerOrCandidates);

  async function reconcile(key: string): Promise<void> {
    const set = sets.get(key);
    if (!set) return;
    const name = set.metadata.name!;
    const deleting = Boolean(set.metadata.deletionTimestamp);
    const candidates = podsInNamespace(set.metadata.namespace ?? '').filter((p) => ordinalOf(name, p.metadata.name) !== undefined);
    const owned = await claim(client, PODS, candidates, {
      owner: set, ref: newControllerRef(set, 'apps/v1', 'StatefulSet'), selector: labelSelectorFromSpec(set.spec.selector), ownerDeleting: deleting,
    });
    const updateRevision = updateRevisionOf(set);
    const currentRevision = currentRevisionOf(set, updateRevision);

    let syncError: unknown;
    if (!deleting) {
      const plan = planStatefulSet(set, owned, updateRevision, now());
      if (plan.waiting) log.debug({ statefulset: key, waiting: plan.waiting }, 'statefulset sync step');
      try {
        await apply(set, plan.create, plan.remove, updateRevision);
      } catch (err) {
        syncError = err;
      }
    }

    const status = statefulSetStatus(set, owned, currentRevision, updateRevision, now());
    if (!sameStatefulSetStatus(set.status, status)) {
      const next = clone(set);
      next.status = status;
      try {
        await client.updateStatus(STATEFULSETS, next);
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
      }
    }
    const minReady = set.spec.minReadySeconds ?? 0;
    if (minReady > 0) {
      const waits = owned.filter(isPodReady).map((p) => msUntilAvailable(p, minReady, now()) ?? 0).filter((w) => w > 0);
      if (waits.length) queue.addAfter(key, Math.min(...waits) + 50);
    }
    if (syncError) throw syncError;
  }

  async function apply(set: StatefulSet, create: number[], remove: Pod[], revision: string): Promise<void> {
    const ref = newControllerRef(set, 'apps/v1', 'StatefulSet');
    const setRef = involved(set, 'apps/v1', 'StatefulSet');
    const results = await Promise.allSettled([
      ...create.map(async (ordinal) => {
        // claims first (upstream createPersistentVolumeClaims): a pod must never start without its storage
        for (const claim of claimsForOrdinal(set, ordinal)) {
          try {
            await client.create(PVCS, claim);
          } catch (err) {
            if (!(err instanceof ApiError && err.code === 409)) throw err;
          }
        }
        const { name, ...template } = statefulPodTemplate(set, ordinal, revision);
        const pod = podFromTemplate(template, set.metadata.namespace!, '', ref);
        delete pod.metadata.generateName;
        pod.metadata.name = name;
        try {
          await client.create<Pod>(PODS, pod);
          events.event(setRef, 'Normal', 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`);
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 409)) {
            events.event(setRef, 'Warning', 'FailedCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} failed error: ${errorMessage(err)}`);
          }
          throw err;
        }
      }),
      ...remove.map(async (pod) => {
        await deletePod(client, pod);
        events.event(setRef, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
      }),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  return {
    start() {
      workers = runWorkers(queue, deps.workers ?? 2, reconcile, {
        onError: (key, err) => log.warn({ statefulset: key, err: errorMessage(err) }, 'statefulset sync failed; retrying'),
      });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}
