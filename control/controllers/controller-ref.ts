/**
 * Controller references (metadata.ownerReferences with controller: true): who manages a pod or a
 * ReplicaSet. Upstream ControllerRefManager's pure parts: adopt, release, ownership checks.
 */
import type { KubeObject, OwnerReference } from '../api/object.js';

export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  const ref = controllerRefOf(obj);
  return ref !== undefined && ref.uid === owner.metadata.uid;
}

/** The reference a controller puts on what it creates (blockOwnerDeletion for foreground deletion). */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** ownerReferences with `ref` added as the controller (for adoption of an orphan). */
export function ownerRefsWithController(obj: KubeObject, ref: OwnerReference): OwnerReference[] {
  return [...(obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid), ref];
}

/** ownerReferences without the one of `ownerUid` (for release of an object that stopped matching). */
export function ownerRefsWithout(obj: KubeObject, ownerUid: string): OwnerReference[] {
  return (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
}
