/**
 * Storage defaults (pkg/apis/core/v1/defaults.go, pkg/apis/storage/v1/defaults.go):
 * PersistentVolumeClaim volumeMode Filesystem and phase Pending; PersistentVolume reclaim policy
 * Retain, volumeMode Filesystem and phase Pending; StorageClass reclaimPolicy Delete and
 * volumeBindingMode Immediate.
 */
import type { KubeObject } from '../object.js';
import { type JsonRecord, ensureRecord, setDefaultString } from '../validation/json-shape.js';

export function defaultPersistentVolumeClaim(obj: KubeObject): void {
  setDefaultString(ensureRecord(obj as JsonRecord, 'spec'), 'volumeMode', 'Filesystem');
  setDefaultString(ensureRecord(obj as JsonRecord, 'status'), 'phase', 'Pending');
}

export function defaultPersistentVolume(obj: KubeObject): void {
  const spec = ensureRecord(obj as JsonRecord, 'spec');
  setDefaultString(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefaultString(spec, 'volumeMode', 'Filesystem');
  setDefaultString(ensureRecord(obj as JsonRecord, 'status'), 'phase', 'Pending');
}

export function defaultStorageClass(obj: KubeObject): void {
  setDefaultString(obj as JsonRecord, 'reclaimPolicy', 'Delete');
  setDefaultString(obj as JsonRecord, 'volumeBindingMode', 'Immediate');
}
