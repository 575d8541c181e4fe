/**
 * GarbageCollector: ownerReferences-based cascading deletion over every served kind (except
 * Events), with the shared informers as its dependency graph (indexes: owner uid → dependents).
 *
 * - Background (`kubectl delete --cascade=background`, the default): the API server deletes the
 *   owner at once; its dependents then have no live owner and are deleted here.
 * - Foreground: the owner stays with deletionTimestamp + finalizer `foregroundDeletion`; its
 *   dependents are deleted (foreground themselves when they own things), and once no dependent
 *   with blockOwnerDeletion is left the finalizer is removed and the API server deletes the owner.
 * - Orphan: finalizer `orphan`; the owner's reference is removed from every dependent, then the
 *   finalizer.
 *
 * An owner is only judged absent after a live GET answers 404 (or another uid): informers of
 * different kinds lag differently, and a dependent seen before its new owner must not die.
 * Absent uids are remembered (uids are never reused). Every write is guarded by a JSON-patch
 * `test` of what it read, so a concurrent change makes it retry instead of clobbering.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/object.js';
import { RESOURCES, findByKind, type ResourceInfo } from '../api/resources.js';
import { WorkQueue, objectKey, runWorkers, type ApiClient, type Informer } from '../client/index.js';
import {
  FOREGROUND_FINALIZER, ORPHAN_FINALIZER, blocksOwner, hasFinalizer, isDeletingWith, planDependent,
  withoutOwnerRefs, type OwnerState,
} from './gc-decisions.js';
import type { SharedInformers } from './informers.js';
import type { Controller } from './namespace.js';

const OWNER_INDEX = 'gc:owner-uid';
const UID_INDEX = 'gc:uid';
const MAX_ABSENT = 10_000;
const RESYNC_MS = 30_000;

/** Kinds whose objects can be owners or dependents: everything listable and deletable but Events. */
export function collectedResources(): ResourceInfo[] {
  return RESOURCES.filter((r) => ['list', 'watch', 'delete'].every((v) => r.verbs.includes(v)) && r.resource !== 'events');
}

function resKey(info: ResourceInfo): string {
  return `${info.group}/${info.resource}`;
}

function addIndex(inf: Informer, name: string, fn: (o: KubeObject) => string[]): void {
  try {
    inf.addIndex(name, fn);
  } catch {
    // registered already on this shared informer
  }
}

function notFound(err: unknown): boolean {
  return err instanceof ApiError && err.code === 404;
}

export function buildGarbageCollector(deps: { client: ApiClient; informers: SharedInformers; log: Logger; workers?: number }): Controller {
  const { client, log } = deps;
  const kinds = new Map<string, { info: ResourceInfo; inf: Informer }>();
  const queue = new WorkQueue<string>();
  const absent = new Set<string>();
  let workers: Promise<void> | undefined;
  let resync: NodeJS.Timeout | undefined;

  const enqueue = (info: ResourceInfo, obj: KubeObject): void => queue.add(`${resKey(info)}|${objectKey(obj)}`);

  const findByUid = (uid: string): { info: ResourceInfo; obj: KubeObject } | undefined => {
    for (const { info, inf } of kinds.values()) {
      const [obj] = inf.byIndex(UID_INDEX, uid);
      if (obj) return { info, obj };
    }
    return undefined;
  };

  const dependentsOf = (uid: string): { info: ResourceInfo; obj: KubeObject }[] => {
    const out: { info: ResourceInfo; obj: KubeObject }[] = [];
    for (const { info, inf } of kinds.values()) for (const obj of inf.byIndex(OWNER_INDEX, uid)) out.push({ info, obj });
    return out;
  };

  /** Owners of `obj` that are being deleted and may be waiting on it. */
  const enqueueDeletingOwners = (obj: KubeObject): void => {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const owner = findByUid(ref.uid);
      if (owner?.obj.metadata.deletionTimestamp) enqueue(owner.info, owner.obj);
    }
  };

  const interesting = (obj: KubeObject): boolean => !!obj.metadata.ownerReferences?.length
    || isDeletingWith(obj, ORPHAN_FINALIZER) || isDeletingWith(obj, FOREGROUND_FINALIZER);

  for (const info of collectedResources()) {
    const inf = deps.informers.for(info);
    addIndex(inf, OWNER_INDEX, (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid));
    addIndex(inf, UID_INDEX, (o) => (o.metadata.uid ? [o.metadata.uid] : []));
    kinds.set(resKey(info), { info, inf });
    inf.onAdd((o) => { if (interesting(o)) enqueue(info, o); });
    inf.onUpdate((old, o) => {
      if (interesting(o)) enqueue(info, o);
      if (old.metadata.deletionTimestamp !== o.metadata.deletionTimestamp
        || JSON.stringify(old.metadata.ownerReferences) !== JSON.stringify(o.metadata.ownerReferences)) enqueueDeletingOwners(old);
    });
    inf.onDelete((o) => {
      if (o.metadata.uid) {
        if (absent.size >= MAX_ABSENT) absent.clear();
        absent.add(o.metadata.uid);
        for (const d of dependentsOf(o.metadata.uid)) enqueue(d.info, d.obj);
      }
      enqueueDeletingOwners(o);
    });
  }

  async function ownerState(dependent: KubeObject, ref: { apiVersion: string; kind: string; name: string; uid: string }): Promise<OwnerState> {
    if (absent.has(ref.uid)) return 'absent';
    const info = findByKind(ref.apiVersion, ref.kind);
    if (!info) return 'present'; // a kind we do not serve: never act on a guess
    const namespace = info.namespaced ? dependent.metadata.namespace : undefined;
    const cached = kinds.get(resKey(info))?.inf.get(namespace ? `${namespace}/${ref.name}` : ref.name);
    let owner = cached?.metadata.uid === ref.uid ? cached : undefined;
    if (!owner) {
      try {
        const live = await client.get(info, namespace, ref.name);
        if (live.metadata.uid === ref.uid) owner = live;
      } catch (err) {
        if (!notFound(err)) throw err;
      }
    }
    if (!owner) {
      absent.add(ref.uid);
      return 'absent';
    }
    return isDeletingWith(owner, FOREGROUND_FINALIZER) ? 'deletingForeground' : 'present';
  }

  async function attemptToDelete(info: ResourceInfo, item: KubeObject): Promise<void> {
    const states = new Map<string, OwnerState>();
    for (const ref of item.metadata.ownerReferences ?? []) states.set(ref.uid, await ownerState(item, ref));
    const plan = planDependent(item, states, dependentsOf(item.metadata.uid ?? '').length > 0);
    const { namespace, name, uid } = item.metadata;
    if (plan.action === 'removeOwnerRefs') {
      await removeOwnerRefs(info, item, plan.uids);
    } else if (plan.action === 'delete') {
      log.info({ kind: info.kind, object: objectKey(item), propagation: plan.propagation }, 'deleting dependent whose owners are gone');
      try {
        await client.delete(info, namespace, name!, { propagationPolicy: plan.propagation, preconditions: { uid } });
      } catch (err) {
        if (!notFound(err)) throw err;
      }
    }
  }

  async function removeOwnerRefs(info: ResourceInfo, item: KubeObject, uids: readonly string[]): Promise<void> {
    const remaining = withoutOwnerRefs(item, uids);
    const ops: unknown[] = [
      { op: 'test', path: '/metadata/uid', value: item.metadata.uid },
      { op: 'test', path: '/metadata/ownerReferences', value: item.metadata.ownerReferences ?? [] },
      remaining.length ? { op: 'replace', path: '/metadata/ownerReferences', value: remaining } : { op: 'remove', path: '/metadata/ownerReferences' },
    ];
    try {
      await client.patch(info, item.metadata.namespace, item.metadata.name!, ops, 'json');
    } catch (err) {
      if (!notFound(err)) throw err;
    }
  }

  async function removeFinalizer(info: ResourceInfo, owner: KubeObject, finalizer: string): Promise<void> {
    const current = owner.metadata.finalizers ?? [];
    const ops = [
      { op: 'test', path: '/metadata/uid', value: owner.metadata.uid },
      { op: 'test', path: '/metadata/finalizers', value: current },
      { op: 'replace', path: '/metadata/finalizers', value: current.filter((f) => f !== finalizer) },
    ];
    try {
      await client.patch(info, owner.metadata.namespace, owner.metadata.name!, ops, 'json');
      log.info({ kind: info.kind, object: objectKey(owner), finalizer }, 'dependents handled; finalizer removed');
    } catch (err) {
      if (!notFound(err)) throw err;
    }
  }

  async function orphanDependents(info: ResourceInfo, owner: KubeObject): Promise<void> {
    const uid = owner.metadata.uid!;
    for (const d of dependentsOf(uid)) await removeOwnerRefs(d.info, d.obj, [uid]);
    await removeFinalizer(info, owner, ORPHAN_FINALIZER);
  }

  async function deleteDependentsFirst(info: ResourceInfo, owner: KubeObject): Promise<void> {
    const uid = owner.metadata.uid!;
    const dependents = dependentsOf(uid);
    for (const d of dependents) if (!d.obj.metadata.deletionTimestamp || hasFinalizer(d.obj, FOREGROUND_FINALIZER)) enqueue(d.info, d.obj);
    const blocking = dependents.filter((d) => blocksOwner(d.obj, uid));
    if (blocking.length === 0) await removeFinalizer(info, owner, FOREGROUND_FINALIZER);
    else log.debug({ kind: info.kind, object: objectKey(owner), blocking: blocking.length }, 'waiting for dependents to go');
  }

  async function reconcile(key: string): Promise<void> {
    const bar = key.indexOf('|');
    const kind = kinds.get(key.slice(0, bar));
    if (!kind) return;
    const obj = kind.inf.get(key.slice(bar + 1));
    if (!obj) return;
    if (isDeletingWith(obj, ORPHAN_FINALIZER)) await orphanDependents(kind.info, obj);
    else if (isDeletingWith(obj, FOREGROUND_FINALIZER)) await deleteDependentsFirst(kind.info, obj);
    if (obj.metadata.ownerReferences?.length) await attemptToDelete(kind.info, obj);
  }

  return {
    start() {
      workers = runWorkers(queue, deps.workers ?? 4, reconcile, {
        onError: (key, err) => log.warn({ object: key, err: (err as Error).message }, 'garbage collection failed; retrying'),
      });
      // Safety net for owners waiting on dependents whose events were missed.
      resync = setInterval(() => {
        for (const { info, inf } of kinds.values()) {
          for (const o of inf.list()) if (isDeletingWith(o, ORPHAN_FINALIZER) || isDeletingWith(o, FOREGROUND_FINALIZER)) enqueue(info, o);
        }
      }, RESYNC_MS);
      resync.unref();
    },
    async stop() {
      if (resync) clearInterval(resync);
      queue.shutDown();
      await workers;
    },
  };
}
