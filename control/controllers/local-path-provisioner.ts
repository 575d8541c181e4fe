/**
 * The local-path provisioner and binder for the `tugboat.io/local-path` StorageClass (the
 * default class `standard`): what upstream's PV controller (pkg/controller/volume/persistentvolume)
 * plus an external provisioner do, for node-local directories.
 *
 * Guarantees:
 * - A claim without a class gets the default class written into spec.storageClassName
 *   (upstream's retroactive default class assignment).
 * - WaitForFirstConsumer: nothing is provisioned until a pod using the claim is bound to a node;
 *   then a PersistentVolume `pvc-<claim uid>` is created: hostPath `<root>/pvc-<uid>_<ns>_<name>`
 *   (every node of a local cluster shares the host filesystem), node affinity
 *   `kubernetes.io/hostname In [node]`, the class's reclaim policy, the claim's size and modes,
 *   and a claimRef. Immediate classes use the first node.
 * - Binding: the volume's status becomes Bound, the claim gets spec.volumeName and status Bound
 *   (phase, capacity, access modes). Every step is re-derived from the caches on each sync, so a
 *   crash between steps only means the next sync finishes the job.
 * - A volume whose claim is gone is Released (Retain) or deleted with its directory (Delete).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../api/errors.js';
import { clone, type KubeObject } from '../api/object.js';
import { findResource } from '../api/resources.js';
import { WorkQueue, runWorkers } from '../client/index.js';
import type { Controller } from './namespace.js';
import { ignoreGone, PODS } from './pod-control.js';
import { errorMessage, type WorkloadControllerDeps } from './workload-controller.js';
import type { Pod } from './workload-types.js';

export const PVCS = findResource('', 'v1', 'persistentvolumeclaims')!;
export const PVS = findResource('', 'v1', 'persistentvolumes')!;
const CLASSES = findResource('storage.k8s.io', 'v1', 'storageclasses')!;
const NODES = findResource('', 'v1', 'nodes')!;
export const LOCAL_PATH_PROVISIONER = 'tugboat.io/local-path';
const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

export interface Claim extends KubeObject {
  spec: { storageClassName?: string; volumeName?: string; accessModes?: string[]; volumeMode?: string; resources?: { requests?: { storage?: string } } };
  status?: { phase?: string; accessModes?: string[]; capacity?: Record<string, string> };
}
export interface Volume extends KubeObject {
  spec: {
    capacity?: Record<string, string>; accessModes?: string[]; persistentVolumeReclaimPolicy?: string; storageClassName?: string;
    volumeMode?: string; hostPath?: { path: string; type?: string };
    claimRef?: { kind?: string; apiVersion?: string; namespace?: string; name?: string; uid?: string };
    nodeAffinity?: { required?: { nodeSelectorTerms: { matchExpressions: { key: string; operator: string; values: string[] }[] }[] } };
  };
  status?: { phase?: string };
}
interface StorageClass extends KubeObject { provisioner?: string; reclaimPolicy?: string; volumeBindingMode?: string }

export function defaultClassName(classes: readonly StorageClass[]): string | undefined {
  // upstream picks the newest default when several are marked
  const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true')
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
  return defaults[0]?.metadata.name;
}

/** The node of the first scheduled, live pod in the claim's namespace that mounts it. */
export function consumerNode(claim: Claim, pods: readonly Pod[]): string | undefined {
  const uses = (p: Pod) => ((p.spec?.volumes ?? []) as { persistentVolumeClaim?: { claimName?: string } }[])
    .some((v) => v.persistentVolumeClaim?.claimName === claim.metadata.name);
  return pods.find((p) => p.metadata.namespace === claim.metadata.namespace && p.spec?.nodeName && !p.metadata.deletionTimestamp && uses(p))?.spec?.nodeName;
}

/** The PersistentVolume provisioned for `claim` on `node`. */
/** Where a claim's data lives: the only kind of path this provisioner ever creates or deletes. */
export function localVolumePath(root: string, uid: string, namespace: string | undefined, name: string | undefined): string {
  return join(root, `pvc-${uid}_${namespace}_${name}`);
}

/**
 * The directory a released volume's deletion may remove: only the one this provisioner made for
 * exactly its claim. A PV edited (or written by anyone: there is no RBAC) to point elsewhere —
 * the root itself, a sibling, `..` — never makes us delete that.
 */
export function reclaimablePath(volume: Pick<Volume, 'metadata' | 'spec'>, root: string): string | undefined {
  const ref = volume.spec.claimRef;
  if (!ref?.uid || volume.metadata.name !== `pvc-${ref.uid}`) return undefined;
  const own = localVolumePath(root, ref.uid, ref.namespace, ref.name);
  return volume.spec.hostPath?.path === own ? own : undefined;
}

export function localVolumeFor(claim: Claim, sc: StorageClass, node: string, hostname: string, root: string): Volume {
  const uid = claim.metadata.uid ?? '';
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: `pvc-${uid}`, annotations: { 'pv.kubernetes.io/provisioned-by': LOCAL_PATH_PROVISIONER, 'tugboat.io/node': node } },
    spec: {
      capacity: { storage: claim.spec.resources?.requests?.storage ?? '1Gi' },
      accessModes: claim.spec.accessModes ?? ['ReadWriteOnce'],
      persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
      storageClassName: sc.metadata.name, volumeMode: claim.spec.volumeMode ?? 'Filesystem',
      hostPath: { path: localVolumePath(root, uid, claim.metadata.namespace, claim.metadata.name), type: 'DirectoryOrCreate' },
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace, name: claim.metadata.name, uid },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [hostname] }] }] } },
    },
  };
}

export function buildLocalPathProvisioner(deps: WorkloadControllerDeps & { root: string }): Controller {
  const { client, log } = deps;
  const claims = deps.informers.for<Claim>(PVCS);
  const volumes = deps.informers.for<Volume>(PVS);
  const classes = deps.informers.for<StorageClass>(CLASSES);
  const nodes = deps.informers.for<KubeObject>(NODES);
  const pods = deps.informers.for<Pod>(PODS);
  const queue = new WorkQueue<string>();
  let workers: Promise<void> | undefined;

  const claimKey = (ns: string | undefined, name: string | undefined) => `pvc:${ns}/${name}`;
  claims.onAdd((c) => queue.add(claimKey(c.metadata.namespace, c.metadata.name)))
    .onUpdate((_, c) => queue.add(claimKey(c.metadata.namespace, c.metadata.name)))
    .onDelete((c) => {
      queue.add(`pv:${c.spec.volumeName ?? `pvc-${c.metadata.uid}`}`); // also a volume created but not yet bound
    });
  volumes.onAdd((v) => queue.add(`pv:${v.metadata.name}`)).onUpdate((_, v) => queue.add(`pv:${v.metadata.name}`));
  classes.onAdd(() => { for (const c of claims.list()) queue.add(claimKey(c.metadata.namespace, c.metadata.name)); });
  const podChanged = (p: Pod) => {
    if (!p.spec?.nodeName) return;
    for (const v of (p.spec.volumes ?? []) as { persistentVolumeClaim?: { claimName?: string } }[]) {
      if (v.persistentVolumeClaim?.claimName) queue.add(claimKey(p.metadata.namespace, v.persistentVolumeClaim.claimName));
    }
  };
  pods.onAdd(podChanged).onUpdate((_, p) => podChanged(p));

  async function syncClaim(key: string): Promise<void> {
    const claim = claims.get(key);
    if (!claim || claim.metadata.deletionTimestamp) return;
    if (claim.spec.storageClassName === undefined || claim.spec.storageClassName === null) {
      const name = defaultClassName(classes.list());
      if (!name) return;
      const next = clone(claim);
      next.spec.storageClassName = name;
      await client.update(PVCS, next);
      return;
    }
    let volume = claim.spec.volumeName ? volumes.get(claim.spec.volumeName) : volumes.get(`pvc-${claim.metadata.uid}`);
    if (!volume) {
      if (claim.spec.volumeName) return; // bound by someone else to a volume we have not seen yet
      const sc = classes.get(claim.spec.storageClassName);
      if (!sc || sc.provisioner !== LOCAL_PATH_PROVISIONER) return;
      const node = sc.volumeBindingMode === 'WaitForFirstConsumer' ? consumerNode(claim, pods.list()) : nodes.list()[0]?.metadata.name;
      if (!node) return;
      const hostname = nodes.get(node)?.metadata.labels?.['kubernetes.io/hostname'] ?? node;
      try {
        volume = await client.create<Volume>(PVS, localVolumeFor(claim, sc, node, hostname, deps.root));
        log.info({ claim: key, volume: volume.metadata.name, node }, 'provisioned local volume');
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 409)) throw err;
        return; // the informer will show it
      }
    }
    if (volume.spec.claimRef?.uid !== claim.metadata.uid) return;
    if (volume.status?.phase !== 'Bound') {
      const next = clone(volume);
      next.status = { ...(next.status ?? {}), phase: 'Bound' };
      await client.updateStatus(PVS, next);
    }
    if (claim.spec.volumeName !== volume.metadata.name) {
      const next = clone(claim);
      next.spec.volumeName = volume.metadata.name;
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' };
      await client.update(PVCS, next);
      return; // status next sync, from the updated object
    }
    if (claim.status?.phase !== 'Bound') {
      const next = clone(claim);
      next.status = { phase: 'Bound', accessModes: volume.spec.accessModes, capacity: volume.spec.capacity };
      await client.updateStatus(PVCS, next);
    }
  }

  async function syncVolume(name: string): Promise<void> {
    const volume = volumes.get(name);
    if (!volume || volume.metadata.annotations?.['pv.kubernetes.io/provisioned-by'] !== LOCAL_PATH_PROVISIONER) return;
    const ref = volume.spec.claimRef;
    if (!ref) return;
    const claim = claims.get(`${ref.namespace}/${ref.name}`);
    if (claim && claim.metadata.uid === ref.uid) {
      queue.add(claimKey(ref.namespace, ref.name));
      return;
    }
    // judge the claim gone only on a live read: informers of different kinds lag differently
    const live = await ignoreGone(client.get<Claim>(PVCS, ref.namespace, ref.name!));
    if (live && live.metadata.uid === ref.uid) return;
    if (volume.spec.persistentVolumeReclaimPolicy === 'Delete') {
      const own = reclaimablePath(volume, deps.root);
      if (own) rmSync(own, { recursive: true, force: true });
      await ignoreGone(client.delete(PVS, undefined, name));
      log.info({ volume: name }, 'deleted released local volume');
    } else if (volume.status?.phase !== 'Released') {
      const next = clone(volume);
      next.status = { ...(next.status ?? {}), phase: 'Released' };
      await client.updateStatus(PVS, next);
    }
  }

  return {
    start() {
      workers = runWorkers(queue, deps.workers ?? 2, (key) => (key.startsWith('pv:') ? syncVolume(key.slice(3)) : syncClaim(key.slice(4))), {
        onError: (key, err) => log.warn({ key, err: errorMessage(err) }, 'local-path sync failed; retrying'),
      });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}
