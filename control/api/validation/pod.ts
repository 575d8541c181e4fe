/**
 * Pod validation: the pod spec on create, and kube's update rule that a Pod's spec is immutable
 * except container images, activeDeadlineSeconds, added tolerations and the grace period.
 */
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { fieldErrors } from './field-error.js';
import { type JsonRecord, isRecord, jsonEqual, records } from './json-shape.js';
import { validatePodSpec } from './pod-spec.js';

export function validatePod(pod: KubeObject): FieldError[] {
  return validatePodSpec(pod.spec, 'spec');
}

const UPDATE_FORBIDDEN_MESSAGE = 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** The spec with the mutable parts taken from `from`, so that only immutable differences remain. */
function withMutableFrom(spec: JsonRecord, from: JsonRecord): JsonRecord {
  const out: JsonRecord = { ...spec };
  for (const list of ['containers', 'initContainers']) {
    const mine = records(spec[list]);
    const theirs = records(from[list]);
    if (Array.isArray(spec[list]) && mine.length === theirs.length) out[list] = mine.map((c, i) => ({ ...c, image: theirs[i]!.image }));
  }
  out.activeDeadlineSeconds = from.activeDeadlineSeconds;
  out.terminationGracePeriodSeconds = from.terminationGracePeriodSeconds;
  out.tolerations = from.tolerations;
  // Binding a pod sets nodeName once; the API server's binding path may go through update.
  if (!spec.nodeName) out.nodeName = from.nodeName;
  return out;
}

export function validatePodUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
  const errs = validatePod(next);
  const nextSpec = isRecord(next.spec) ? next.spec : {};
  const prevSpec = isRecord(prev.spec) ? prev.spec : {};
  if (!jsonEqual(withMutableFrom(prevSpec, nextSpec), nextSpec)) errs.push(fieldErrors.forbidden('spec', UPDATE_FORBIDDEN_MESSAGE));
  const prevTolerations = records(prevSpec.tolerations);
  const nextTolerations = records(nextSpec.tolerations);
  const removed = prevTolerations.filter((t) => !nextTolerations.some((n) => jsonEqual(n, t)));
  if (removed.length) errs.push(fieldErrors.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
  return errs;
}
