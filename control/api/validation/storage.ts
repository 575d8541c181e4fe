/**
 * Storage validation, the parts users hit (pkg/apis/core/validation ValidatePersistentVolumeClaim
 * / ValidatePersistentVolume, pkg/apis/storage/validation ValidateStorageClass): access modes,
 * requested storage, provisioner, and the immutable fields of a claim and a class.
 */
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { fieldErrors } from './field-error.js';
import { type JsonRecord, isRecord, jsonEqual, rec } from './json-shape.js';

const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const specOf = (obj: KubeObject): JsonRecord => (isRecord(obj.spec) ? obj.spec : {});

function validateAccessModes(modes: unknown, path: string): FieldError[] {
  const list = Array.isArray(modes) ? modes : [];
  if (list.length === 0) return [fieldErrors.required(path, 'at least 1 access mode is required')];
  return list.filter((m) => !ACCESS_MODES.includes(m as string)).map((m) => fieldErrors.notSupported(path, m, ACCESS_MODES));
}

export function validatePersistentVolumeClaim(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes');
  if (!rec(rec(spec.resources)?.requests)?.storage) errs.push(fieldErrors.required('spec.resources[storage]'));
  return errs;
}

/** A claim's spec is immutable except resources.requests, volumeAttributesClassName, and volumeName / storageClassName once unset. */
export function validatePersistentVolumeClaimUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
  const a = { ...specOf(next) };
  const b = { ...specOf(prev) };
  for (const s of [a, b]) { delete s.resources; delete s.volumeAttributesClassName; }
  // the binder fills volumeName, and a default class may be assigned retroactively, once
  for (const f of ['volumeName', 'storageClassName']) if (!b[f]) { delete a[f]; delete b[f]; }
  if (jsonEqual(a, b)) return [];
  return [fieldErrors.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims')];
}

export function validatePersistentVolume(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes');
  if (!rec(spec.capacity)?.storage) errs.push(fieldErrors.required('spec.capacity'));
  return errs;
}

export function validateStorageClass(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (typeof obj.provisioner !== 'string' || obj.provisioner === '') errs.push(fieldErrors.required('provisioner'));
  if (obj.reclaimPolicy !== 'Delete' && obj.reclaimPolicy !== 'Retain') errs.push(fieldErrors.notSupported('reclaimPolicy', obj.reclaimPolicy, ['Delete', 'Retain']));
  if (obj.volumeBindingMode !== 'Immediate' && obj.volumeBindingMode !== 'WaitForFirstConsumer') {
    errs.push(fieldErrors.notSupported('volumeBindingMode', obj.volumeBindingMode, ['Immediate', 'WaitForFirstConsumer']));
  }
  return errs;
}

export function validateStorageClassUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['provisioner', 'parameters', 'reclaimPolicy', 'volumeBindingMode']) {
    if (!jsonEqual(next[f], prev[f])) errs.push(fieldErrors.forbidden(f, 'updates to ' + f + ' are forbidden.'));
  }
  return errs;
}
