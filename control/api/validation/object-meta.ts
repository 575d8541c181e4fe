/**
 * ObjectMeta validation (k8s.io/apimachinery/pkg/api/validation/objectmeta.go): name or
 * generateName, namespace presence, labels, annotations (keys and the 256 KiB total),
 * finalizers; and the update rules (name, namespace, uid, creationTimestamp are immutable).
 */
import type { FieldError } from '../errors.js';
import type { ObjectMeta } from '../object.js';
import { child, fieldErrors } from './field-error.js';
import { isRecord } from './json-shape.js';
import { type NameValidator, NEGATIVE_ERROR, isDNS1123Label, isQualifiedName, isValidLabelValue } from './names.js';

export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024;

/** Label maps (metadata.labels, a Service selector, a nodeSelector). */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (!isRecord(labels)) return [fieldErrors.invalid(path, labels, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  for (const k of Object.keys(labels).sort()) {
    for (const m of isQualifiedName(k)) errs.push(fieldErrors.invalid(path, k, m));
    const v = labels[k];
    if (typeof v !== 'string') {
      errs.push(fieldErrors.invalid(path, v, 'label values must be strings'));
      continue;
    }
    for (const m of isValidLabelValue(v)) errs.push(fieldErrors.invalid(path, v, m));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isRecord(annotations)) return [fieldErrors.invalid(path, annotations, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  let total = 0;
  for (const k of Object.keys(annotations).sort()) {
    // kube checks the lower-cased key, so upper-case annotation keys are accepted
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fieldErrors.invalid(path, k, m));
    const v = annotations[k];
    if (typeof v !== 'string') errs.push(fieldErrors.invalid(path, v, 'annotation values must be strings'));
    total += Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : '');
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.push(fieldErrors.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT_B));
  return errs;
}

export interface MetaRules {
  namespaced: boolean;
  nameFn: NameValidator;
}

/**
 * ValidateObjectMeta. A name is required unless generateName is set (the API server resolves
 * generateName before validating, so this only matters for direct callers).
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, rules: MetaRules, path = 'metadata'): FieldError[] {
  const m: ObjectMeta = isRecord(meta) ? meta : {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    for (const msg of rules.nameFn(m.generateName, true)) errs.push(fieldErrors.invalid(child(path, 'generateName'), m.generateName, msg));
  }
  if (!m.name) {
    if (!m.generateName) errs.push(fieldErrors.required(child(path, 'name'), 'name or generateName is required'));
  } else {
    for (const msg of rules.nameFn(m.name, false)) errs.push(fieldErrors.invalid(child(path, 'name'), m.name, msg));
  }
  if (rules.namespaced) {
    if (!m.namespace) errs.push(fieldErrors.required(child(path, 'namespace')));
    else for (const msg of isDNS1123Label(m.namespace)) errs.push(fieldErrors.invalid(child(path, 'namespace'), m.namespace, msg));
  } else if (m.namespace) {
    errs.push(fieldErrors.forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  if (typeof m.generation === 'number' && m.generation < 0) errs.push(fieldErrors.invalid(child(path, 'generation'), m.generation, NEGATIVE_ERROR));
  errs.push(...validateLabels(m.labels, child(path, 'labels')));
  errs.push(...validateAnnotations(m.annotations, child(path, 'annotations')));
  errs.push(...validateFinalizers(m.finalizers, child(path, 'finalizers')));
  return errs;
}

function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  if (!Array.isArray(finalizers)) return [];
  const errs: FieldError[] = [];
  for (const f of finalizers) {
    if (typeof f !== 'string') {
      errs.push(fieldErrors.invalid(path, f, 'finalizers must be strings'));
      continue;
    }
    for (const msg of isQualifiedName(f)) errs.push(fieldErrors.invalid(path, f, msg));
  }
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push(fieldErrors.invalid(path, finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

/** Only the template's labels and annotations are validated in a pod template's metadata. */
export function validateTemplateMeta(meta: unknown, path: string): FieldError[] {
  if (!isRecord(meta)) return [];
  return [...validateLabels(meta.labels, child(path, 'labels')), ...validateAnnotations(meta.annotations, child(path, 'annotations'))];
}

function immutable(errs: FieldError[], path: string, next: unknown, prev: unknown): void {
  if (next !== prev) errs.push(fieldErrors.invalid(path, next ?? '', 'field is immutable'));
}

/**
 * ValidateObjectMetaUpdate. An empty uid/creationTimestamp in the new object is not a change:
 * the API server copies them from the stored object (as kube's BeforeUpdate does).
 */
export function validateObjectMetaUpdate(next: ObjectMeta, prev: ObjectMeta, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  immutable(errs, child(path, 'name'), next.name ?? '', prev.name ?? '');
  immutable(errs, child(path, 'namespace'), next.namespace ?? '', prev.namespace ?? '');
  if (next.uid) immutable(errs, child(path, 'uid'), next.uid, prev.uid ?? '');
  if (next.creationTimestamp && prev.creationTimestamp) immutable(errs, child(path, 'creationTimestamp'), next.creationTimestamp, prev.creationTimestamp);
  if (prev.deletionTimestamp) {
    const added = (next.finalizers ?? []).filter((f) => !(prev.finalizers ?? []).includes(f));
    if (added.length) {
      errs.push(fieldErrors.forbidden(child(path, 'finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`));
    }
  }
  return errs;
}
