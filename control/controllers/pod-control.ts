/**
 * What ReplicaSet, DaemonSet and Job controllers do to pods through the API (upstream
 * controller.RealPodControl + PodControllerRefManager): create from a template with a controller
 * reference, claim (adopt matching orphans, release owned pods that stopped matching), delete.
 * Every write is a compare-and-swap on the cached resourceVersion; a conflict throws and the
 * controller's queue retries the key with backoff after the cache caught up.
 */
import { ApiError } from '../api/errors.js';
import { clone, type KubeObject, type OwnerReference } from '../api/object.js';
import { findResource, type ResourceInfo } from '../api/resources.js';
import { matchesLabels, type LabelSelector } from '../api/selectors.js';
import type { ApiClient } from '../client/index.js';
import { controllerRefOf, ownerRefsWithController, ownerRefsWithout } from './controller-ref.js';
import type { Pod, PodTemplateSpec } from './workload-types.js';

export const PODS = findResource('', 'v1', 'pods')!;

/** upstream controller.GetPodFromTemplate: labels, annotations, finalizers and spec of the template. */
export function podFromTemplate(template: PodTemplateSpec | undefined, namespace: string, generateName: string, ref: OwnerReference): Pod {
  const t = clone(template ?? {});
  const meta = t.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName,
      namespace,
      labels: { ...(meta.labels ?? {}) },
      ownerReferences: [ref],
    },
    spec: t.spec ?? {},
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

export interface ClaimOptions {
  owner: KubeObject;
  ref: OwnerReference;
  selector: LabelSelector;
  /** The owner is going away: adopt nothing, release nothing (upstream canAdopt). */
  ownerDeleting: boolean;
}

/** What claiming changes, as a value: the pods to adopt and to release, and the ones owned now. */
export function planClaim<T extends KubeObject>(objs: readonly T[], opts: ClaimOptions): { owned: T[]; adopt: T[]; release: T[] } {
  const owned: T[] = [];
  const adopt: T[] = [];
  const release: T[] = [];
  for (const o of objs) {
    const ref = controllerRefOf(o);
    const matches = matchesLabels(opts.selector, o.metadata.labels);
    if (ref) {
      if (ref.uid !== opts.owner.metadata.uid) continue;
      if (matches || opts.ownerDeleting) owned.push(o);
      else if (!o.metadata.deletionTimestamp) release.push(o);
      continue;
    }
    if (matches && !opts.ownerDeleting && !o.metadata.deletionTimestamp) adopt.push(o);
  }
  return { owned, adopt, release };
}

/**
 * Apply a claim plan: adopt and release through updates (CAS). Returns the objects owned after
 * the writes (adopted ones included; those that vanished or changed meanwhile are skipped and
 * picked up on the next sync).
 */
export async function claim<T extends KubeObject>(
  client: ApiClient, info: ResourceInfo, objs: readonly T[], opts: ClaimOptions,
): Promise<T[]> {
  const plan = planClaim(objs, opts);
  const owned = [...plan.owned];
  for (const o of plan.adopt) {
    const next = clone(o) as T;
    next.metadata.ownerReferences = ownerRefsWithController(o, opts.ref);
    const saved = await ignoreGone(client.update<T>(info, next));
    if (saved) owned.push(saved);
  }
  for (const o of plan.release) {
    const next = clone(o) as T;
    next.metadata.ownerReferences = ownerRefsWithout(o, opts.owner.metadata.uid!);
    if (!next.metadata.ownerReferences.length) delete next.metadata.ownerReferences;
    await ignoreGone(client.update<T>(info, next));
  }
  return owned;
}

/** A 404 means someone else already removed it: the goal is reached. */
export async function ignoreGone<R>(p: Promise<R>): Promise<R | undefined> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ApiError && err.code === 404) return undefined;
    throw err;
  }
}

export async function deletePod(client: ApiClient, pod: Pod): Promise<void> {
  await ignoreGone(client.delete(PODS, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } }));
}

/** upstream slowStartBatch: 1, 2, 4, … creations at a time, stopping at the first failed batch. */
export async function slowStartBatch(count: number, fn: () => Promise<void>): Promise<{ created: number; error?: unknown }> {
  let created = 0;
  let batch = 1;
  while (created < count) {
    const n = Math.min(batch, count - created);
    const results = await Promise.allSettled(Array.from({ length: n }, () => fn()));
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    created += ok;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) return { created, error: failed.reason };
    batch *= 2;
  }
  return { created };
}
