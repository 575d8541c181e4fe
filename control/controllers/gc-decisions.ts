/**
 * The garbage collector's decisions as pure functions (pkg/controller/garbagecollector,
 * attemptToDeleteItem / orphanDependents / processDeletingDependentsItem):
 *
 * - A dependent whose owners are all gone is deleted (Background, or what its own finalizers ask).
 * - A dependent with at least one live owner keeps living; references to absent owners and to
 *   owners being deleted in the foreground are removed from it.
 * - A dependent whose remaining owners are all being deleted in the foreground is deleted too —
 *   in the foreground itself if it has dependents of its own, so the chain unwinds bottom-up.
 * - An owner with the `orphan` finalizer has its reference removed from every dependent, then the
 *   finalizer is removed; one with `foregroundDeletion` waits until no dependent that blocks
 *   (blockOwnerDeletion: true) is left, then the finalizer is removed.
 */
import type { KubeObject, OwnerReference } from '../api/object.js';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

/** What the collector found out about one owner reference. */
export type OwnerState = 'present' | 'absent' | 'deletingForeground';

export type Propagation = 'Background' | 'Foreground' | 'Orphan';

export type DependentAction =
  | { action: 'none' }
  | { action: 'removeOwnerRefs'; uids: string[] }
  | { action: 'delete'; propagation: Propagation };

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

/** Being deleted, and waiting for the GC to act on its dependents first. */
export function isDeletingWith(obj: KubeObject, finalizer: string): boolean {
  return !!obj.metadata.deletionTimestamp && hasFinalizer(obj, finalizer);
}

/**
 * `states` maps each owner uid to what was found; `hasDependents` says whether the item owns
 * anything itself.
 */
export function planDependent(item: KubeObject, states: ReadonlyMap<string, OwnerState>, hasDependents: boolean): DependentAction {
  const refs: OwnerReference[] = item.metadata.ownerReferences ?? [];
  if (refs.length === 0) return { action: 'none' };
  // Already on its way out (and not waiting on its own dependents): nothing to add.
  if (item.metadata.deletionTimestamp && !hasFinalizer(item, FOREGROUND_FINALIZER)) return { action: 'none' };
  const solid = refs.filter((r) => (states.get(r.uid) ?? 'present') === 'present');
  const dangling = refs.filter((r) => states.get(r.uid) === 'absent');
  const waiting = refs.filter((r) => states.get(r.uid) === 'deletingForeground');
  if (solid.length > 0) {
    const uids = [...dangling, ...waiting].map((r) => r.uid);
    return uids.length ? { action: 'removeOwnerRefs', uids } : { action: 'none' };
  }
  if (item.metadata.deletionTimestamp) return { action: 'none' };
  if (waiting.length > 0 && hasDependents) return { action: 'delete', propagation: 'Foreground' };
  if (hasFinalizer(item, ORPHAN_FINALIZER)) return { action: 'delete', propagation: 'Orphan' };
  if (hasFinalizer(item, FOREGROUND_FINALIZER)) return { action: 'delete', propagation: 'Foreground' };
  return { action: 'delete', propagation: 'Background' };
}

/** The dependent's reference to `ownerUid` blocks the owner's foreground deletion. */
export function blocksOwner(dependent: KubeObject, ownerUid: string): boolean {
  return (dependent.metadata.ownerReferences ?? []).some((r) => r.uid === ownerUid && r.blockOwnerDeletion === true);
}

/** Remaining owner references once `uids` are removed. */
export function withoutOwnerRefs(obj: KubeObject, uids: readonly string[]): OwnerReference[] {
  return (obj.metadata.ownerReferences ?? []).filter((r) => !uids.includes(r.uid));
}
