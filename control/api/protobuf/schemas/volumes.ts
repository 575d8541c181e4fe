/**
 * k8s.io/api core/v1 volumes and mounts. Only the volume sources Tugboat's kubelet can serve
 * (or that a service-account pod gets by default) are modelled; cloud/vendor sources are skipped
 * like unknown fields. Row format: see ../schema.ts.
 */
import type { SchemaSet } from '../schema.js';

export const volumesV1: SchemaSet = {
  Volume: [
    [1, 'string', 'name'],
    [2, 'VolumeSource', ',inline'],
  ],
  VolumeSource: [
    [1, '*HostPathVolumeSource', 'hostPath,omitempty'],
    [2, '*EmptyDirVolumeSource', 'emptyDir,omitempty'],
    [6, '*SecretVolumeSource', 'secret,omitempty'],
    [7, '*NFSVolumeSource', 'nfs,omitempty'],
    [10, '*PersistentVolumeClaimVolumeSource', 'persistentVolumeClaim,omitempty'],
    [16, '*DownwardAPIVolumeSource', 'downwardAPI,omitempty'],
    [19, '*ConfigMapVolumeSource', 'configMap,omitempty'],
    [26, '*ProjectedVolumeSource', 'projected,omitempty'],
  ],
  VolumeMount: [
    [1, 'string', 'name'],
    [2, 'bool', 'readOnly,omitempty'],
    [7, '*string', 'recursiveReadOnly,omitempty'],
    [3, 'string', 'mountPath'],
    [4, 'string', 'subPath,omitempty'],
    [5, '*string', 'mountPropagation,omitempty'],
    [6, 'string', 'subPathExpr,omitempty'],
  ],
  VolumeDevice: [
    [1, 'string', 'name'],
    [2, 'string', 'devicePath'],
  ],
  HostPathVolumeSource: [
    [1, 'string', 'path'],
    [2, '*string', 'type,omitempty'],
  ],
  EmptyDirVolumeSource: [
    [1, 'string', 'medium,omitempty'],
    [2, '*Quantity', 'sizeLimit,omitempty'],
  ],
  SecretVolumeSource: [
    [1, 'string', 'secretName,omitempty'],
    [2, '[]KeyToPath', 'items,omitempty'],
    [3, '*int32', 'defaultMode,omitempty'],
    [4, '*bool', 'optional,omitempty'],
  ],
  ConfigMapVolumeSource: [
    [1, 'LocalObjectReference', ',inline'],
    [2, '[]KeyToPath', 'items,omitempty'],
    [3, '*int32', 'defaultMode,omitempty'],
    [4, '*bool', 'optional,omitempty'],
  ],
  KeyToPath: [
    [1, 'string', 'key'],
    [2, 'string', 'path'],
    [3, '*int32', 'mode,omitempty'],
  ],
  NFSVolumeSource: [
    [1, 'string', 'server'],
    [2, 'string', 'path'],
    [3, 'bool', 'readOnly,omitempty'],
  ],
  PersistentVolumeClaimVolumeSource: [
    [1, 'string', 'claimName'],
    [2, 'bool', 'readOnly,omitempty'],
  ],
  DownwardAPIVolumeSource: [
    [1, '[]DownwardAPIVolumeFile', 'items,omitempty'],
    [2, '*int32', 'defaultMode,omitempty'],
  ],
  DownwardAPIVolumeFile: [
    [1, 'string', 'path'],
    [2, '*ObjectFieldSelector', 'fieldRef,omitempty'],
    [3, '*ResourceFieldSelector', 'resourceFieldRef,omitempty'],
    [4, '*int32', 'mode,omitempty'],
  ],
  ProjectedVolumeSource: [
    [1, '[]VolumeProjection', 'sources'],
    [2, '*int32', 'defaultMode,omitempty'],
  ],
  VolumeProjection: [
    [1, '*SecretProjection', 'secret,omitempty'],
    [2, '*DownwardAPIProjection', 'downwardAPI,omitempty'],
    [3, '*ConfigMapProjection', 'configMap,omitempty'],
    [4, '*ServiceAccountTokenProjection', 'serviceAccountToken,omitempty'],
  ],
  SecretProjection: [
    [1, 'LocalObjectReference', ',inline'],
    [2, '[]KeyToPath', 'items,omitempty'],
    [4, '*bool', 'optional,omitempty'],
  ],
  ConfigMapProjection: [
    [1, 'LocalObjectReference', ',inline'],
    [2, '[]KeyToPath', 'items,omitempty'],
    [4, '*bool', 'optional,omitempty'],
  ],
  DownwardAPIProjection: [
    [1, '[]DownwardAPIVolumeFile', 'items,omitempty'],
  ],
  ServiceAccountTokenProjection: [
    [1, 'string', 'audience,omitempty'],
    [2, '*int64', 'expirationSeconds,omitempty'],
    [3, 'string', 'path'],
  ],
};
