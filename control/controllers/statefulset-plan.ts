/**
 * StatefulSet sync decisions as values (upstream pkg/controller/statefulset
 * stateful_set_control.go updateStatefulSet, stateful_set_utils.go): given the set and its
 * member pods, which ordinals to create, which pods to delete, and the status.
 *
 * Guarantees (what users see):
 * - Pods are `<set>-<ordinal>` for ordinals [start, start+replicas); a pod that is missing, or
 *   Failed/Succeeded (deleted here, recreated with the same name on a later sync), is (re)made.
 * - OrderedReady: one step at a time — create the lowest missing ordinal only when every lower
 *   one is Running and available (Ready for minReadySeconds); scale down deletes the highest
 *   ordinal only when every pod in range is healthy and no condemned pod is still terminating.
 *   Parallel: every missing pod is created and every condemned pod deleted at once.
 * - RollingUpdate: from the highest ordinal down to start+partition, delete one pod whose
 *   revision differs from the update revision, then wait until its replacement is healthy.
 *   OnDelete: never deletes a pod for its revision.
 *
 * Revisions are `<set>-<hash>` with the Deployment controller's template hash (there are no
 * ControllerRevision objects). Consequence: a pod below the partition that has to be recreated
 * gets the *update* template, since the current revision's template is not stored anywhere.
 */
import type { LabelSelectorSpec } from '../api/selectors.js';
import { computeTemplateHash } from './pod-template-hash.js';
import { isPodAvailable, isPodReady } from './pod-state.js';
import type { KubeObject } from '../api/object.js';
import type { Condition, Pod, PodTemplateSpec } from './workload-types.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  conditions?: Condition[];
}

export interface StatefulSet extends KubeObject {
  spec: {
    replicas?: number;
    selector?: LabelSelectorSpec;
    template?: PodTemplateSpec;
    serviceName?: string;
    podManagementPolicy?: 'OrderedReady' | 'Parallel';
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { partition?: number } };
    minReadySeconds?: number;
    ordinals?: { start?: number };
    volumeClaimTemplates?: ClaimTemplate[];
  };
  status?: StatefulSetStatus;
}

export interface ClaimTemplate {
  metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
}

/**
 * upstream getPersistentVolumeClaims: one claim per volumeClaimTemplate, `<template>-<set>-<ordinal>`,
 * labelled with the set's matchLabels. No owner reference: with the Retain/Retain retention policy
 * the claims (and the data) outlive the pods and the set.
 */
export function claimsForOrdinal(set: StatefulSet, ordinal: number): KubeObject[] {
  return (set.spec.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: {
      name: `${t.metadata?.name}-${podName(set, ordinal)}`, namespace: set.metadata.namespace,
      labels: { ...(t.metadata?.labels ?? {}), ...(set.spec.selector?.matchLabels ?? {}) },
      ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
    },
    spec: structuredClone(t.spec ?? {}),
  }));
}

/** upstream getParentNameAndOrdinal: `<parent>-<n>` → n when parent is the set's name. */
export function ordinalOf(setName: string, podName: string | undefined): number | undefined {
  const m = /^(.*)-(\d+)$/.exec(podName ?? '');
  if (!m || m[1] !== setName) return undefined;
  const n = Number(m[2]);
  return Number.isSafeInteger(n) ? n : undefined;
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

/** The update revision: `<set>-<template hash>` (what upstream's ControllerRevision would be named). */
export function updateRevisionOf(set: StatefulSet): string {
  // `?? 0`: the hash must not change when the first status write adds collisionCount: 0
  return `${set.metadata.name}-${computeTemplateHash(set.spec.template, set.status?.collisionCount ?? 0)}`;
}

/** Upstream keeps the current revision until a rolling update completes; new sets start at the update revision. */
export function currentRevisionOf(set: StatefulSet, updateRevision: string): string {
  return set.status?.currentRevision || updateRevision;
}

const revisionOf = (pod: Pod): string | undefined => pod.metadata.labels?.[REVISION_LABEL];
const terminating = (pod: Pod): boolean => Boolean(pod.metadata.deletionTimestamp);
const finished = (pod: Pod): boolean => pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded';

/** upstream isRunningAndAvailable: Running, Ready for minReadySeconds, not terminating. */
export function isHealthy(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  return pod.status?.phase === 'Running' && !terminating(pod) && isPodAvailable(pod, minReadySeconds, nowMs);
}

export interface StatefulSetPlan {
  create: number[];
  remove: Pod[];
  /** Why the sync stopped early (upstream logs the same waits); undefined when nothing blocks. */
  waiting?: string;
}

export function planStatefulSet(set: StatefulSet, pods: readonly Pod[], updateRevision: string, nowMs: number): StatefulSetPlan {
  const name = set.metadata.name ?? '';
  const start = set.spec.ordinals?.start ?? 0;
  const end = start + (set.spec.replicas ?? 1);
  const monotonic = (set.spec.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
  const minReady = set.spec.minReadySeconds ?? 0;
  const healthy = (p: Pod) => isHealthy(p, minReady, nowMs);
  const byOrdinal = new Map<number, Pod>();
  for (const p of pods) {
    const ord = ordinalOf(name, p.metadata.name);
    if (ord !== undefined) byOrdinal.set(ord, p);
  }
  const plan: StatefulSetPlan = { create: [], remove: [] };
  const stop = (waiting: string): StatefulSetPlan => ({ ...plan, waiting });

  for (let ord = start; ord < end; ord++) {
    const pod = byOrdinal.get(ord);
    if (!pod) {
      plan.create.push(ord);
      if (monotonic) return stop(`creating ${name}-${ord}`);
      continue;
    }
    if (finished(pod) && !terminating(pod)) {
      // the kubelet never restarts a Failed pod: delete it; the next sync recreates the name
      plan.remove.push(pod);
      if (monotonic) return stop(`recreating failed pod ${pod.metadata.name}`);
      continue;
    }
    if (monotonic && !healthy(pod)) return stop(`waiting for ${pod.metadata.name} to be Running and Ready`);
  }

  const condemned = [...byOrdinal.entries()].filter(([ord]) => ord < start || ord >= end).sort((a, b) => b[0] - a[0]);
  for (const [, pod] of condemned) {
    if (terminating(pod)) {
      if (monotonic) return stop(`waiting for ${pod.metadata.name} to terminate before scaling down`);
      continue;
    }
    plan.remove.push(pod);
    if (monotonic) return stop(`scaling down ${pod.metadata.name}`);
  }

  if ((set.spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return plan;
  const updateMin = start + Math.max(0, set.spec.updateStrategy?.rollingUpdate?.partition ?? 0);
  for (let ord = end - 1; ord >= updateMin; ord--) {
    const pod = byOrdinal.get(ord);
    if (!pod || plan.remove.includes(pod)) return stop(`waiting for ${name}-${ord} to be replaced`);
    if (revisionOf(pod) !== updateRevision && !terminating(pod)) {
      plan.remove.push(pod);
      return stop(`updating ${pod.metadata.name} to ${updateRevision}`);
    }
    if (!healthy(pod)) return stop(`waiting for ${pod.metadata.name} to be Running and Ready`);
  }
  return plan;
}

/**
 * upstream updateStatefulSet's status and completeRollingUpdate: counts over the member pods that
 * are not terminating; once every pod is updated and Ready the current revision becomes the update
 * revision (what `kubectl rollout status` waits for).
 */
export function statefulSetStatus(
  set: StatefulSet, pods: readonly Pod[], currentRevision: string, updateRevision: string, nowMs: number,
): StatefulSetStatus {
  const name = set.metadata.name ?? '';
  const minReady = set.spec.minReadySeconds ?? 0;
  const members = pods.filter((p) => ordinalOf(name, p.metadata.name) !== undefined && !terminating(p));
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata.generation ?? 1,
    replicas: members.length,
    readyReplicas: members.filter((p) => p.status?.phase === 'Running' && isPodReady(p)).length,
    currentReplicas: members.filter((p) => revisionOf(p) === currentRevision).length,
    updatedReplicas: members.filter((p) => revisionOf(p) === updateRevision).length,
    availableReplicas: members.filter((p) => isHealthy(p, minReady, nowMs)).length,
    currentRevision,
    updateRevision,
    collisionCount: set.status?.collisionCount ?? 0,
  };
  if ((set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate'
    && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = updateRevision;
  }
  if (set.status?.conditions) status.conditions = set.status.conditions;
  return status;
}

export function sameStatefulSetStatus(a: StatefulSetStatus | undefined, b: StatefulSetStatus): boolean {
  if (!a) return false;
  return (Object.keys(b) as (keyof StatefulSetStatus)[]).every((k) => JSON.stringify(a[k] ?? 0) === JSON.stringify(b[k] ?? 0));
}

/**
 * upstream newVersionedStatefulSetPod + updateIdentity: the template's pod with the stable
 * identity — name, hostname = name, subdomain = serviceName (DNS `<pod>.<service>`), the
 * pod-name / pod-index labels and the revision label.
 */
export function statefulPodTemplate(set: StatefulSet, ordinal: number, revision: string): PodTemplateSpec & { name: string } {
  const name = podName(set, ordinal);
  const template = structuredClone(set.spec.template ?? {});
  template.metadata = {
    ...(template.metadata ?? {}),
    labels: { ...(template.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revision },
  };
  const spec = { ...(template.spec ?? {}) };
  spec.hostname = name;
  if (set.spec.serviceName) spec.subdomain = set.spec.serviceName;
  // upstream updateStorage: a claim template replaces a template volume of the same name
  const claimVolumes = (set.spec.volumeClaimTemplates ?? []).map((t) => ({
    name: t.metadata?.name ?? '', persistentVolumeClaim: { claimName: `${t.metadata?.name}-${name}` },
  }));
  if (claimVolumes.length) {
    const kept = ((spec.volumes ?? []) as { name: string }[]).filter((v) => !claimVolumes.some((c) => c.name === v.name));
    spec.volumes = [...kept, ...claimVolumes];
  }
  template.spec = spec;
  return { ...template, name };
}
