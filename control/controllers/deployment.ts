/**
 * DeploymentController (upstream pkg/controller/deployment): owns ReplicaSets named
 * `<deployment>-<pod-template-hash>` and moves replicas between them.
 *
 * Guarantees:
 * - The new ReplicaSet is found by SEMANTIC template equality (pod-template-hash.ts), so
 *   `kubectl rollout undo` re-activates the old ReplicaSet and gives it revision max+1.
 * - RollingUpdate never runs more than replicas+maxSurge pods (by spec) and scales old
 *   ReplicaSets down only while available pods stay ≥ replicas−maxUnavailable
 *   (deployment-rollout.ts); Recreate scales everything old to zero and waits for the old pods
 *   to be gone before scaling the new ReplicaSet up.
 * - Paused Deployments only scale and clean up; a changed replica count mid-rollout is spread
 *   proportionally.
 * - status and the Available/Progressing conditions follow upstream (deployment-status.ts);
 *   a rollout that makes no progress for progressDeadlineSeconds gets
 *   Progressing=False/ProgressDeadlineExceeded, which `kubectl rollout status` reports.
 * - Revision annotations, change-cause copying and revisionHistoryLimit cleanup follow
 *   deployment-revisions.ts. Every write is a CAS on the cached resourceVersion; conflicts
 *   requeue the key.
 */
import { ApiError } from '../api/errors.js';
import { clone } from '../api/object.js';
import { findResource } from '../api/resources.js';
import { isEverything, labelSelectorFromSpec, matchesLabels } from '../api/selectors.js';
import { WorkQueue, runWorkers } from '../client/index.js';
import { controllerRefOf, isControlledBy, newControllerRef } from './controller-ref.js';
import {
  byCreation, isActive, isScalingEvent, newReplicaSetReplicas, planOldReplicaSetScaleDown, planScale,
  replicasAnnotations, specReplicas, deploymentReplicas, type ScalePlan,
} from './deployment-rollout.js';
import {
  REVISION_ANNOTATION, maxRevision, replicaSetsToCleanUp, revisionOf, setNewReplicaSetAnnotations,
} from './deployment-revisions.js';
import {
  REASON, calculateStatus, condition, deploymentComplete, getCondition, hasProgressDeadline, pausedConditions, rolloutStatus,
  sameDeploymentStatus, setCondition,
} from './deployment-status.js';
import type { Controller } from './namespace.js';
import { PODS, claim, ignoreGone } from './pod-control.js';
import { POD_TEMPLATE_HASH_LABEL, computeTemplateHash, templatesEqualIgnoringHash } from './pod-template-hash.js';
import { REPLICASETS } from './replicaset.js';
import {
  errorMessage, eventsFor, involved, keyOf, resolveControllerRef, rfc3339, type WorkloadControllerDeps,
} from './workload-controller.js';
import { namespaceLister } from './workload-indexes.js';
import type { Deployment, Pod, ReplicaSet } from './workload-types.js';

export const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;

export function buildDeploymentController(deps: WorkloadControllerDeps): Controller {
  const { client, log } = deps;
  const now = deps.now ?? Date.now;
  const events = eventsFor(deps, 'deployment-controller');
  const deployments = deps.informers.for<Deployment>(DEPLOYMENTS);
  const replicasets = deps.informers.for<ReplicaSet>(REPLICASETS);
  const pods = deps.informers.for<Pod>(PODS);
  const deploymentsInNamespace = namespaceLister(deployments);
  const rsInNamespace = namespaceLister(replicasets);
  const podsInNamespace = namespaceLister(pods);
  const queue = new WorkQueue<string>();
  let workers: Promise<void> | undefined;

  const ownerOf = (rs: ReplicaSet): Deployment | undefined =>
    resolveControllerRef(deployments, rs.metadata.namespace, controllerRefOf(rs), 'Deployment');
  const enqueueOwnerOrMatching = (rs: ReplicaSet): void => {
    const d = ownerOf(rs);
    if (d) return queue.add(keyOf(d));
    if (controllerRefOf(rs)) return;
    for (const dep of deploymentsInNamespace(rs.metadata.namespace ?? '')) {
      try {
        const sel = labelSelectorFromSpec(dep.spec.selector);
        if (!isEverything(sel) && matchesLabels(sel, rs.metadata.labels)) queue.add(keyOf(dep));
      } catch { /* invalid selector */ }
    }
  };
  deployments.onAdd((d) => queue.add(keyOf(d))).onUpdate((_, d) => queue.add(keyOf(d))).onDelete((d) => queue.add(keyOf(d)));
  replicasets
    .onAdd(enqueueOwnerOrMatching)
    .onUpdate((old, rs) => {
      const before = ownerOf(old);
      if (before && before !== ownerOf(rs)) queue.add(keyOf(before));
      enqueueOwnerOrMatching(rs);
    })
    .onDelete(enqueueOwnerOrMatching);
  // Recreate waits for old pods to be gone: their deletion must wake the Deployment.
  pods.onDelete((pod) => {
    const rs = resolveControllerRef(replicasets, pod.metadata.namespace, controllerRefOf(pod), 'ReplicaSet');
    const d = rs && ownerOf(rs);
    if (d && d.spec.strategy?.type === 'Recreate') queue.add(keyOf(d));
  });

  /** One reconcile pass over a mutable copy of the Deployment; writes keep `d` current. */
  class Sync {
    constructor(public d: Deployment) {}

    private get ref() { return involved(this.d, 'apps/v1', 'Deployment'); }

    async claimReplicaSets(): Promise<ReplicaSet[]> {
      const d = this.d;
      const selector = labelSelectorFromSpec(d.spec.selector);
      const candidates = rsInNamespace(d.metadata.namespace ?? '');
      const orphans = candidates.some((rs) => !controllerRefOf(rs) && matchesLabels(selector, rs.metadata.labels));
      let ownerDeleting = Boolean(d.metadata.deletionTimestamp);
      if (orphans && !ownerDeleting) {
        const fresh = await ignoreGone(client.get<Deployment>(DEPLOYMENTS, d.metadata.namespace, d.metadata.name!));
        ownerDeleting = !fresh || fresh.metadata.uid !== d.metadata.uid || Boolean(fresh.metadata.deletionTimestamp);
      }
      return claim(client, REPLICASETS, candidates, { owner: d, ref: newControllerRef(d, 'apps/v1', 'Deployment'), selector, ownerDeleting });
    }

    /** upstream getAllReplicaSetsAndSyncRevision. */
    async replicaSets(rsList: ReplicaSet[], createIfMissing: boolean): Promise<{ newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
      const d = this.d;
      const sorted = [...rsList].sort(byCreation);
      const existing = sorted.find((rs) => templatesEqualIgnoringHash(rs.spec.template, d.spec.template));
      const oldRSs = sorted.filter((rs) => rs !== existing);
      const newRevision = maxRevision(oldRSs) + 1;
      if (existing) {
        const copy = clone(existing);
        const annotationsChanged = setNewReplicaSetAnnotations(d, copy, newRevision, true);
        if (annotationsChanged || (copy.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0)) {
          copy.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
          return { newRS: await client.update<ReplicaSet>(REPLICASETS, copy), oldRSs };
        }
        await this.setRevision(revisionOf(copy));
        if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
          await this.writeStatus((s) => setCondition(s, condition('Progressing', 'True', REASON.foundNewRS, `Found new replica set "${copy.metadata.name}"`, rfc3339(now()))));
        }
        return { newRS: existing, oldRSs };
      }
      if (!createIfMissing) return { oldRSs };
      return { newRS: await this.createNewReplicaSet(oldRSs, newRevision), oldRSs };
    }

    private async createNewReplicaSet(oldRSs: ReplicaSet[], newRevision: number): Promise<ReplicaSet> {
      const d = this.d;
      const hash = computeTemplateHash(d.spec.template, d.status?.collisionCount);
      const template = clone(d.spec.template ?? {});
      template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
      const selector = clone(d.spec.selector ?? {});
      selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
      const rs: ReplicaSet = {
        apiVersion: 'apps/v1', kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name}-${hash}`, namespace: d.metadata.namespace,
          labels: { ...template.metadata.labels }, ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
        },
        spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
      };
      rs.spec.replicas = newReplicaSetReplicas(d, oldRSs, rs);
      setNewReplicaSetAnnotations(d, rs, newRevision, false);
      let created: ReplicaSet;
      let alreadyExisted = false;
      try {
        created = await client.create<ReplicaSet>(REPLICASETS, rs);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 409)) throw err;
        const found = await client.get<ReplicaSet>(REPLICASETS, d.metadata.namespace, rs.metadata.name!);
        if (!(isControlledBy(found, d) && templatesEqualIgnoringHash(found.spec.template, d.spec.template))) {
          // A foreign ReplicaSet holds the name: bump collisionCount so the next hash differs.
          await this.writeStatus((s) => { s.collisionCount = (s.collisionCount ?? 0) + 1; });
          throw new Error(`hash collision on replica set ${rs.metadata.name}; collisionCount raised`);
        }
        created = found;
        alreadyExisted = true;
      }
      if (!alreadyExisted && specReplicas(created) > 0) {
        events.event(this.ref, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${specReplicas(created)}`);
      }
      await this.setRevision(newRevision);
      if (!alreadyExisted && hasProgressDeadline(d)) {
        await this.writeStatus((s) => setCondition(s, condition('Progressing', 'True', REASON.newRSCreated, `Created new replica set "${created.metadata.name}"`, rfc3339(now()))));
      }
      return created;
    }

    /** The Deployment carries the revision of its new ReplicaSet (a metadata write, not /status). */
    private async setRevision(revision: number): Promise<void> {
      const d = this.d;
      if (d.metadata.annotations?.[REVISION_ANNOTATION] === String(revision)) return;
      const patched = await client.patch<Deployment>(DEPLOYMENTS, d.metadata.namespace, d.metadata.name!,
        { metadata: { annotations: { [REVISION_ANNOTATION]: String(revision) }, resourceVersion: d.metadata.resourceVersion } }, 'merge');
      this.d = { ...d, metadata: { ...d.metadata, annotations: patched.metadata.annotations, resourceVersion: patched.metadata.resourceVersion } };
    }

    async writeStatus(edit: (s: NonNullable<Deployment['status']>) => void): Promise<void> {
      const next = clone(this.d);
      next.status = next.status ?? {};
      edit(next.status);
      const saved = await client.updateStatus<Deployment>(DEPLOYMENTS, next);
      this.d = { ...next, metadata: { ...next.metadata, resourceVersion: saved.metadata.resourceVersion } };
    }

    async scale(rs: ReplicaSet, to: number): Promise<boolean> {
      const from = specReplicas(rs);
      if (from === to) return false;
      const copy = clone(rs);
      copy.spec.replicas = to;
      copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), ...replicasAnnotations(this.d) };
      await client.update(REPLICASETS, copy);
      events.event(this.ref, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`);
      return true;
    }

    async applyPlan(plan: ScalePlan, rss: readonly (ReplicaSet | undefined)[]): Promise<boolean> {
      let scaled = false;
      for (const rs of rss) {
        if (rs && plan.has(rs.metadata.name!)) scaled = (await this.scale(rs, plan.get(rs.metadata.name!)!)) || scaled;
      }
      return scaled;
    }

    async cleanup(oldRSs: ReplicaSet[]): Promise<void> {
      for (const rs of replicaSetsToCleanUp(this.d, oldRSs)) {
        log.debug({ deployment: keyOf(this.d), replicaset: rs.metadata.name }, 'deleting old replica set beyond revisionHistoryLimit');
        await ignoreGone(client.delete(REPLICASETS, rs.metadata.namespace, rs.metadata.name!, { propagationPolicy: 'Background', preconditions: { uid: rs.metadata.uid } }));
      }
    }

    async syncStatusOnly(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
      const status = calculateStatus(this.d, allRSs, newRS, rfc3339(now()));
      if (!sameDeploymentStatus(this.d.status, status)) await this.writeStatus((s) => Object.assign(s, status));
    }

    async syncRolloutStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
      const { status, recheckMs } = rolloutStatus(this.d, allRSs, newRS, now());
      if (!sameDeploymentStatus(this.d.status, status)) await this.writeStatus((s) => Object.assign(s, status));
      if (recheckMs !== undefined) queue.addAfter(keyOf(this.d), recheckMs);
    }

    /** Paused or a scaling event: only scale (proportionally) and clean up. */
    async syncScale(rsList: ReplicaSet[]): Promise<void> {
      const { newRS, oldRSs } = await this.replicaSets(rsList, false);
      await this.applyPlan(planScale(this.d, newRS, oldRSs), [newRS, ...oldRSs]);
      if (this.d.spec.paused) await this.cleanup(oldRSs);
      await this.syncStatusOnly([...oldRSs, ...(newRS ? [newRS] : [])], newRS);
    }

    async rolloutRolling(rsList: ReplicaSet[]): Promise<void> {
      const { newRS, oldRSs } = await this.replicaSets(rsList, true);
      const allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
      const replicas = deploymentReplicas(this.d);
      if (newRS && specReplicas(newRS) !== replicas) {
        const target = specReplicas(newRS) > replicas ? replicas : newReplicaSetReplicas(this.d, allRSs, newRS);
        if (await this.scale(newRS, target)) return this.syncRolloutStatus(allRSs, newRS);
      }
      const plan = planOldReplicaSetScaleDown(this.d, oldRSs.filter(isActive), newRS);
      if (await this.applyPlan(plan, oldRSs)) return this.syncRolloutStatus(allRSs, newRS);
      if (deploymentComplete(this.d, this.d.status ?? {})) await this.cleanup(oldRSs);
      await this.syncRolloutStatus(allRSs, newRS);
    }

    async rolloutRecreate(rsList: ReplicaSet[]): Promise<void> {
      let { newRS, oldRSs } = await this.replicaSets(rsList, false);
      let allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
      const downPlan: ScalePlan = new Map(oldRSs.filter(isActive).map((rs) => [rs.metadata.name!, 0]));
      if (await this.applyPlan(downPlan, oldRSs)) return this.syncRolloutStatus(allRSs, newRS);
      if (this.oldPodsRunning(newRS, oldRSs)) return this.syncRolloutStatus(allRSs, newRS);
      if (!newRS) {
        ({ newRS, oldRSs } = await this.replicaSets(rsList, true));
        allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
      }
      if (newRS) await this.scale(newRS, deploymentReplicas(this.d));
      if (deploymentComplete(this.d, this.d.status ?? {})) await this.cleanup(oldRSs);
      await this.syncRolloutStatus(allRSs, newRS);
    }

    private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
      if (oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
      const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
      return podsInNamespace(this.d.metadata.namespace ?? '').some((p) => {
        const ref = controllerRefOf(p);
        if (!ref || !oldUids.has(ref.uid) || ref.uid === newRS?.metadata.uid) return false;
        return p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded';
      });
    }
  }

  async function reconcile(key: string): Promise<void> {
    const cached = deployments.get(key);
    if (!cached) return;
    const sync = new Sync(clone(cached));
    const d = sync.d;
    if (isEverything(labelSelectorFromSpec(d.spec.selector))) {
      events.event(involved(d, 'apps/v1', 'Deployment'), 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      return;
    }
    const rsList = await sync.claimReplicaSets();
    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = await sync.replicaSets(rsList, false);
      return sync.syncStatusOnly([...oldRSs, ...(newRS ? [newRS] : [])], newRS);
    }
    const status = clone(d.status ?? {});
    if (pausedConditions(d, status, rfc3339(now()))) {
      await sync.writeStatus((s) => Object.assign(s, status));
    }
    if (sync.d.spec.paused) return sync.syncScale(rsList);
    const probe = await sync.replicaSets(rsList, false);
    if (isScalingEvent(sync.d, [...probe.oldRSs, ...(probe.newRS ? [probe.newRS] : [])])) return sync.syncScale(rsList);
    // replicaSets() may have written the new ReplicaSet's annotations: work on the fresh copies
    const fresh = rsList.map((rs) => (rs.metadata.uid === probe.newRS?.metadata.uid ? probe.newRS! : rs));
    if (sync.d.spec.strategy?.type === 'Recreate') return sync.rolloutRecreate(fresh);
    return sync.rolloutRolling(fresh);
  }

  return {
    start() {
      workers = runWorkers(queue, deps.workers ?? 4, reconcile, {
        onError: (key, err) => {
          const conflict = err instanceof ApiError && err.code === 409;
          log[conflict ? 'debug' : 'warn']({ deployment: key, err: errorMessage(err) }, 'deployment sync failed; retrying');
        },
      });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}

