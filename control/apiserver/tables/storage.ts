/**
 * Printers for PersistentVolumeClaims, PersistentVolumes and StorageClasses, as kube-apiserver's
 * printPersistentVolumeClaim / printPersistentVolume / printStorageClass: access modes as
 * RWO/ROX/RWX/RWOP, capacity only once a claim is bound, `(default)` after the default class.
 */
import type { KubeObject } from '../../api/object.js';
import { since } from './format.js';
import { ageColumn, col, nameColumn, type Printer } from './types.js';

const ACCESS_MODES: [string, string][] = [['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']];
export const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

/** upstream GetAccessModesAsString: fixed order, duplicates collapsed. */
export function accessModesString(modes: unknown): string {
  const list = Array.isArray(modes) ? modes : [];
  return ACCESS_MODES.filter(([m]) => list.includes(m)).map(([, short]) => short).join(',');
}

type Storage = KubeObject & {
  spec?: {
    volumeName?: string; storageClassName?: string; volumeMode?: string; accessModes?: string[];
    capacity?: Record<string, string>; persistentVolumeReclaimPolicy?: string;
    claimRef?: { namespace?: string; name?: string }; volumeAttributesClassName?: string;
  };
  status?: { phase?: string; capacity?: Record<string, string>; accessModes?: string[]; reason?: string };
};

const unset = (v: string | undefined) => v || '<unset>';
const phaseOf = (o: Storage) => (o.metadata.deletionTimestamp ? 'Terminating' : o.status?.phase ?? '');

export const persistentVolumeClaimPrinter: Printer = {
  columns: [
    nameColumn(), col('Status', 'Status of the persistent volume claim'), col('Volume', 'Volume bound to the claim'),
    col('Capacity', 'Capacity of the volume'), col('Access Modes', 'Access modes of the volume'),
    col('StorageClass', 'StorageClass of the pvc'), col('VolumeAttributesClass', 'VolumeAttributesClass of the pvc'),
    ageColumn(), col('VolumeMode', 'VolumeMode of the pvc', { priority: 1 }),
  ],
  row(obj, { now }) {
    const pvc = obj as Storage;
    const bound = Boolean(pvc.spec?.volumeName);
    return {
      cells: [
        pvc.metadata.name ?? '', phaseOf(pvc), pvc.spec?.volumeName ?? '', bound ? pvc.status?.capacity?.storage ?? '' : '',
        bound ? accessModesString(pvc.status?.accessModes) : '', pvc.spec?.storageClassName ?? '',
        unset(pvc.spec?.volumeAttributesClassName), since(pvc.metadata.creationTimestamp, now), unset(pvc.spec?.volumeMode),
      ],
    };
  },
};

export const persistentVolumePrinter: Printer = {
  columns: [
    nameColumn(), col('Capacity', 'Capacity of the volume'), col('Access Modes', 'Access modes of the volume'),
    col('Reclaim Policy', 'Reclaim policy of the volume'), col('Status', 'Status of the volume'),
    col('Claim', 'Claim bound to the volume'), col('StorageClass', 'StorageClass of the pv'),
    col('VolumeAttributesClass', 'VolumeAttributesClass of the pv'), col('Reason', 'Reason the volume is in this status'),
    ageColumn(), col('VolumeMode', 'VolumeMode of the pv', { priority: 1 }),
  ],
  row(obj, { now }) {
    const pv = obj as Storage;
    const ref = pv.spec?.claimRef;
    return {
      cells: [
        pv.metadata.name ?? '', pv.spec?.capacity?.storage ?? '', accessModesString(pv.spec?.accessModes),
        pv.spec?.persistentVolumeReclaimPolicy ?? '', phaseOf(pv), ref ? `${ref.namespace}/${ref.name}` : '',
        pv.spec?.storageClassName ?? '', unset(pv.spec?.volumeAttributesClassName), pv.status?.reason ?? '',
        since(pv.metadata.creationTimestamp, now), unset(pv.spec?.volumeMode),
      ],
    };
  },
};

export const storageClassPrinter: Printer = {
  columns: [
    nameColumn(), col('Provisioner', 'Indicates the type of the provisioner.'),
    col('ReclaimPolicy', 'Indicates the type of the reclaim policy.'),
    col('VolumeBindingMode', 'Indicates when volume binding and dynamic provisioning should occur.'),
    col('AllowVolumeExpansion', 'Indicates whether the storage class allow volume expand.'), ageColumn(),
  ],
  row(obj, { now }) {
    const sc = obj as KubeObject & { provisioner?: string; reclaimPolicy?: string; volumeBindingMode?: string; allowVolumeExpansion?: boolean };
    const isDefault = sc.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true';
    return {
      cells: [
        `${sc.metadata.name ?? ''}${isDefault ? ' (default)' : ''}`, sc.provisioner ?? '', sc.reclaimPolicy ?? 'Delete',
        sc.volumeBindingMode ?? 'Immediate', sc.allowVolumeExpansion ?? false, since(sc.metadata.creationTimestamp, now),
      ],
    };
  },
};
