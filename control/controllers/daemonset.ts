/**
 * DaemonSetController (upstream pkg/controller/daemon): one daemon pod on every eligible node.
 *
 * Guarantees:
 * - Eligibility and pod pinning follow daemonset-placement.ts (nodeSelector, required node
 *   affinity, taints vs. template + daemon tolerations; pods pinned by node affinity, bound by
 *   the scheduler).
 * - Failed daemon pods are deleted and replaced; extra pods on a node are deleted (oldest kept);
 *   pods on nodes that no longer qualify are deleted.
 * - RollingUpdate replaces old pods (label controller-revision-hash ≠ the template's hash) with at
 *   most maxUnavailable nodes lacking an available updated pod; OnDelete never replaces them.
 * - Creations/deletions in flight are expectations: no double creation under event bursts.
 * - status (desired/current/updated numberScheduled, numberReady, numberAvailable,
 *   numberUnavailable, numberMisscheduled, observedGeneration) via daemonsets/status when changed.
 */
import { ApiError } from '../api/errors.js';
import { clone } from '../api/object.js';
import { findResource } from '../api/resources.js';
import { labelSelectorFromSpec, matchesLabels } from '../api/selectors.js';
import { WorkQueue, runWorkers } from '../client/index.js';
import { ControllerExpectations } from './controller-expectations.js';
import { controllerRefOf, newControllerRef } from './controller-ref.js';
import { daemonPodNode, daemonPodTemplate, nodeShouldRunDaemonPod } from './daemonset-placement.js';
import {
  REVISION_HASH_LABEL, daemonSetStatus, planDaemonPods, planRollingUpdate, sameDaemonSetStatus, type NodePlacement,
} from './daemonset-update.js';
import type { Controller } from './namespace.js';
import { PODS, claim, deletePod, podFromTemplate } from './pod-control.js';
import { computeTemplateHash } from './pod-template-hash.js';
import { isPodReady, msUntilAvailable } from './pod-state.js';
import { errorMessage, eventsFor, involved, keyOf, resolveControllerRef, type WorkloadControllerDeps } from './workload-controller.js';
import { namespaceLister } from './workload-indexes.js';
import type { DaemonSet, Node, Pod } from './workload-types.js';

export const DAEMONSETS = findResource('apps', 'v1', 'daemonsets')!;
const NODES = findResource('', 'v1', 'nodes')!;
const TEMPLATE_GENERATION_LABEL = 'pod-template-generation';

export function buildDaemonSetController(deps: WorkloadControllerDeps): Controller {
  const { client, log } = deps;
  const now = deps.now ?? Date.now;
  const events = eventsFor(deps, 'daemonset-controller');
  const daemonsets = deps.informers.for<DaemonSet>(DAEMONSETS);
  const nodes = deps.informers.for<Node>(NODES);
  const pods = deps.informers.for<Pod>(PODS);
  const podsInNamespace = namespaceLister(pods);
  const dsInNamespace = namespaceLister(daemonsets);
  const expectations = new ControllerExpectations();
  const queue = new WorkQueue<string>();
  let workers: Promise<void> | undefined;

  const ownerOf = (pod: Pod): DaemonSet | undefined =>
    resolveControllerRef(daemonsets, pod.metadata.namespace, controllerRefOf(pod), 'DaemonSet');
  const enqueueAll = (): void => { for (const ds of daemonsets.list()) queue.add(keyOf(ds)); };
  const podDeleted = (pod: Pod): void => {
    const ds = ownerOf(pod);
    if (!ds) return;
    expectations.deletionObserved(keyOf(ds), pod.metadata.uid ?? '');
    queue.add(keyOf(ds));
  };
  const orphan = (pod: Pod): void => {
    for (const ds of dsInNamespace(pod.metadata.namespace ?? '')) {
      try {
        if (matchesLabels(labelSelectorFromSpec(ds.spec.selector), pod.metadata.labels)) queue.add(keyOf(ds));
      } catch { /* invalid selector */ }
    }
  };

  daemonsets.onAdd((ds) => queue.add(keyOf(ds))).onUpdate((_, ds) => queue.add(keyOf(ds)))
    .onDelete((ds) => { expectations.delete(keyOf(ds)); queue.add(keyOf(ds)); });
  nodes.onAdd(enqueueAll).onDelete(enqueueAll).onUpdate((old, node) => {
    const relevant = (n: Node) => JSON.stringify([n.metadata.labels, n.spec?.taints, n.spec?.unschedulable, n.metadata.deletionTimestamp]);
    if (relevant(old) !== relevant(node)) enqueueAll();
  });
  pods
    .onAdd((pod) => {
      if (pod.metadata.deletionTimestamp) return podDeleted(pod);
      const ds = ownerOf(pod);
      if (ds) {
        expectations.creationObserved(keyOf(ds));
        queue.add(keyOf(ds));
      } else if (!controllerRefOf(pod)) orphan(pod);
    })
    .onUpdate((old, pod) => {
      if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) return podDeleted(pod);
      const ds = ownerOf(pod);
      if (ds) queue.add(keyOf(ds));
      else if (!controllerRefOf(pod)) orphan(pod);
    })
    .onDelete(podDeleted);

  async function reconcile(key: string): Promise<void> {
    const ds = daemonsets.get(key);
    if (!ds) {
      expectations.delete(key);
      return;
    }
    const selector = labelSelectorFromSpec(ds.spec.selector);
    const deleting = Boolean(ds.metadata.deletionTimestamp);
    const owned = await claim(client, PODS, podsInNamespace(ds.metadata.namespace ?? ''), {
      owner: ds, ref: newControllerRef(ds, 'apps/v1', 'DaemonSet'), selector, ownerDeleting: deleting,
    });
    const byNode = new Map<string, Pod[]>();
    for (const p of owned) {
      const node = daemonPodNode(p);
      if (!node) continue;
      if (!byNode.has(node)) byNode.set(node, []);
      byNode.get(node)!.push(p);
    }
    const placements: NodePlacement[] = nodes.list().map((n) => ({
      node: n.metadata.name!, shouldRun: nodeShouldRunDaemonPod(n, ds.spec.template), pods: byNode.get(n.metadata.name!) ?? [],
    }));
    for (const [node, list] of byNode) if (!nodes.get(node)) placements.push({ node, shouldRun: false, pods: list });
    const hash = computeTemplateHash(ds.spec.template);

    let syncError: unknown;
    if (!deleting && expectations.satisfied(key)) {
      let { createOn, remove } = planDaemonPods(placements);
      if (createOn.length === 0 && remove.length === 0 && (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
        remove = planRollingUpdate(ds, placements, hash, now());
      }
      try {
        await syncNodes(key, ds, createOn, remove, hash);
      } catch (err) {
        syncError = err;
      }
    }

    const status = daemonSetStatus(ds, placements, hash, now());
    if (!sameDaemonSetStatus(ds.status, status)) {
      const next = clone(ds);
      next.status = status;
      try {
        await client.updateStatus(DAEMONSETS, next);
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
      }
    }
    const minReady = ds.spec.minReadySeconds ?? 0;
    if (minReady > 0) {
      const waits = owned.filter(isPodReady).map((p) => msUntilAvailable(p, minReady, now()) ?? 0).filter((w) => w > 0);
      if (waits.length) queue.addAfter(key, Math.min(...waits) + 50);
    }
    if (syncError) throw syncError;
  }

  async function syncNodes(key: string, ds: DaemonSet, createOn: string[], remove: Pod[], hash: string): Promise<void> {
    if (createOn.length === 0 && remove.length === 0) return;
    expectations.expect(key, createOn.length, remove.map((p) => p.metadata.uid ?? ''));
    const ref = newControllerRef(ds, 'apps/v1', 'DaemonSet');
    const dsRef = involved(ds, 'apps/v1', 'DaemonSet');
    const results = await Promise.allSettled([
      ...createOn.map(async (node) => {
        const template = daemonPodTemplate(ds.spec.template, node);
        template.metadata = { ...(template.metadata ?? {}), labels: {
          ...(template.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash, [TEMPLATE_GENERATION_LABEL]: String(ds.metadata.generation ?? 1),
        } };
        try {
          const pod = await client.create<Pod>(PODS, podFromTemplate(template, ds.metadata.namespace!, `${ds.metadata.name}-`, ref));
          events.event(dsRef, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
        } catch (err) {
          expectations.creationObserved(key);
          events.event(dsRef, 'Warning', 'FailedCreate', `Error creating: ${errorMessage(err)}`);
          throw err;
        }
      }),
      ...remove.map(async (pod) => {
        try {
          await deletePod(client, pod);
          events.event(dsRef, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        } catch (err) {
          expectations.deletionObserved(key, pod.metadata.uid ?? '');
          throw err;
        }
      }),
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  return {
    start() {
      workers = runWorkers(queue, deps.workers ?? 2, reconcile, {
        onError: (key, err) => log.warn({ daemonset: key, err: errorMessage(err) }, 'daemonset sync failed; retrying'),
      });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}
