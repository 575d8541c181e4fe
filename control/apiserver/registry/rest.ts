/**
 * Generic REST semantics for every served resource over the Store: create / get / list /
 * update / patch / delete with resourceVersion preconditions, defaulting + validation,
 * generation discipline, finalizers and graceful deletion, managed fields, dry-run.
 *
 * Writes are compare-and-swap on the revision the object was read at; a conflict caused by a
 * concurrent writer is retried here (guaranteedUpdate) unless the client itself sent a
 * resourceVersion precondition, in which case it gets 409 as kube-apiserver answers.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../../api/object.js';
import { clone } from '../../api/object.js';
import { ApiError, errors, fieldErrorsToCauses } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/resources.js';
import { findResource, groupVersion, storageKey, storagePrefix } from '../../api/resources.js';
import { applyDefaults } from '../../api/defaults/index.js';
import { validate } from '../../api/validation/index.js';
import { applyConflictError, applyJsonPatch, applyMergePatch, applyStrategicMergePatch, recordUpdate, serverSideApply } from '../../api/patch/index.js';
import type { Store } from '../../store/store.js';
import { StoreError } from '../../store/store.js';
import { generateNameSuffix, nowRfc3339, prepareForCreate, prepareForUpdate } from './strategy.js';
import type { Admission } from './admission.js';
import { enforceFieldValidation, rejectUnknownApplyFields, type FieldValidation, type WriteOrigin } from './field-validation.js';

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  subresource?: string;
  /** the request's fieldValidation directive and warning sink; absent for the server's own writes (prune silently) */
  fieldValidation?: FieldValidation;
}

/** What guaranteedUpdate needs beyond WriteOptions: who records managedFields, and what the patch was. */
interface UpdateOptions extends WriteOptions {
  managedFieldsHandled?: boolean;
  origin?: WriteOrigin;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface RestDeps {
  store: Store;
  /** answers "namespace exists and is open" from memory; misses fall back to a read */
  namespaces?: { isOpen(name: string): boolean };
  admission: Admission[];
  now?: () => Date;
}

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const MAX_RETRIES = 8;

/** Maps storage failures to the Status kubectl expects for this resource. */
export function mapStoreError(err: unknown, info: ResourceInfo, name: string): unknown {
  if (!(err instanceof StoreError)) return err;
  switch (err.code) {
    case 'NotFound': return errors.notFound(info.resource, info.group, name);
    case 'AlreadyExists': return errors.alreadyExists(info.resource, info.group, name);
    case 'Conflict': return errors.conflict(info.resource, info.group, name);
    case 'Gone': return errors.gone(err.message);
    case 'Unavailable': return errors.unavailable(`storage is unavailable: ${err.message}`);
  }
}

export class RestStorage {
  private readonly now: () => Date;

  constructor(private readonly deps: RestDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  get store(): Store {
    return this.deps.store;
  }

  async get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject> {
    const obj = await this.read(info, namespace, name);
    if (!obj) throw errors.notFound(info.resource, info.group, name);
    return obj;
  }

  async read(info: ResourceInfo, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      const obj = await this.deps.store.get(storageKey(info, namespace, name));
      return obj ? withTypeMeta(info, obj) : undefined;
    } catch (err) {
      throw mapStoreError(err, info, name);
    }
  }

  async list(info: ResourceInfo, namespace: string | undefined): Promise<{ items: KubeObject[]; revision: number }> {
    try {
      const { items, revision } = await this.deps.store.list(storagePrefix(info, namespace));
      return { items: items.map((o) => withTypeMeta(info, o)), revision };
    } catch (err) {
      throw mapStoreError(err, info, '');
    }
  }

  async create(info: ResourceInfo, namespace: string | undefined, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    const obj = enforceFieldValidation(info, this.checkBody(info, namespace, body), opts.fieldValidation, { kind: 'body' });
    // Admission errors name the object as upstream's do: by generateName until a name is generated.
    if (info.namespaced) await this.checkNamespaceOpen(namespace!, info, obj.metadata.name || obj.metadata.generateName || '');
    const meta = obj.metadata;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRfc3339(this.now());
    prepareForCreate(info, obj);
    applyDefaults(info, obj);
    for (const a of this.deps.admission) await a.mutate?.(info, obj, !!opts.dryRun);
    // upstream generates the name after mutating admission (BeforeCreate), before validation
    if (!meta.name && meta.generateName) meta.name = meta.generateName + generateNameSuffix();
    const name = meta.name ?? '';
    this.validateOrThrow(info, obj);
    if (opts.fieldManager) {
      meta.managedFields = recordUpdate({ old: undefined, updated: obj, manager: opts.fieldManager, apiVersion: groupVersion(info), now: this.now(), subresource: opts.subresource });
    }
    for (const a of this.deps.admission) await a.create?.(info, obj, !!opts.dryRun);
    if (opts.dryRun) return obj;
    try {
      return withTypeMeta(info, await this.deps.store.create(storageKey(info, namespace, name), obj));
    } catch (err) {
      for (const a of this.deps.admission) await a.rollbackCreate?.(info, obj);
      throw mapStoreError(err, info, name);
    }
  }

  /** PUT of the main resource or of the status subresource. */
  async update(info: ResourceInfo, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions = {}): Promise<KubeObject> {
    const incoming = this.checkBody(info, namespace, body);
    if (incoming.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`);
    }
    const precondition = incoming.metadata.resourceVersion;
    return this.guaranteedUpdate(info, namespace, name, precondition, () => clone(incoming), opts);
  }

  async patch(info: ResourceInfo, namespace: string | undefined, name: string, type: PatchType, patch: unknown, opts: WriteOptions & { force?: boolean } = {}): Promise<{ object: KubeObject; created: boolean }> {
    if (type === 'apply') {
      if (!opts.fieldManager) throw errors.badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
      const live = await this.read(info, namespace, name);
      if (!live) {
        if (opts.subresource) throw errors.notFound(info.resource, info.group, name);
        const applied = this.appliedConfig(info, namespace, patch);
        if (applied.metadata.name !== name) throw errors.badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
        const { object } = serverSideApply({ live: undefined, applied, manager: opts.fieldManager, force: !!opts.force, apiVersion: groupVersion(info), now: this.now() });
        // create keeps the Apply ownership serverSideApply computed (no Update entry is recorded)
        const created = await this.create(info, namespace, object, { ...opts, fieldManager: undefined });
        return { object: created, created: true };
      }
    }
    const object = await this.guaranteedUpdate(info, namespace, name, undefined, (current) => {
      switch (type) {
        case 'merge': return applyMergePatch(current, patch) as KubeObject;
        case 'json': return applyJsonPatch(current, patch) as KubeObject;
        case 'strategic': return applyStrategicMergePatch(current, patch, { group: info.group, kind: info.kind }) as KubeObject;
        case 'apply': {
          const applied = this.appliedConfig(info, namespace, patch);
          const { object: next, conflicts } = serverSideApply({ live: current, applied, manager: opts.fieldManager!, force: !!opts.force, apiVersion: groupVersion(info), now: this.now(), subresource: opts.subresource });
          if (conflicts.length) throw applyConflictError(conflicts);
          return next as KubeObject;
        }
      }
    }, { ...opts, managedFieldsHandled: type === 'apply', origin: { kind: 'patch', type, patch } });
    return { object, created: false };
  }

  /**
   * Read, transform, write with CAS; retries on conflicts caused by others. `precondition` is the
   * client's resourceVersion (a mismatch is the client's 409 to handle).
   */
  async guaranteedUpdate(
    info: ResourceInfo, namespace: string | undefined, name: string, precondition: string | undefined,
    transform: (current: KubeObject) => KubeObject, opts: UpdateOptions = {},
  ): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(info, namespace, name);
      if (precondition && precondition !== current.metadata.resourceVersion) {
        throw errors.conflict(info.resource, info.group, name);
      }
      const transformed = transform(clone(current));
      if (!transformed || typeof transformed !== 'object' || !transformed.metadata || typeof transformed.metadata !== 'object') {
        throw errors.badRequest('the patched object is not a Kubernetes object');
      }
      const next = this.finishUpdate(info, transformed, current, opts);
      if (isDeepStrictEqual(stripVolatile(next), stripVolatile(current))) return current;
      for (const a of this.deps.admission) await a.update?.(info, next, current, !!opts.dryRun);
      if (opts.dryRun) return next;
      const rev = Number(current.metadata.resourceVersion);
      try {
        if (next.metadata.deletionTimestamp && !(next.metadata.finalizers?.length) && !namespaceFinalizersPending(info, next)) {
          const deleted = withTypeMeta(info, await this.deps.store.delete(storageKey(info, namespace, name), rev));
          for (const a of this.deps.admission) await a.deleted?.(info, deleted);
          return deleted;
        }
        return withTypeMeta(info, await this.deps.store.update(storageKey(info, namespace, name), next, rev));
      } catch (err) {
        if (err instanceof StoreError && err.code === 'Conflict' && !precondition && attempt < MAX_RETRIES) continue;
        throw mapStoreError(err, info, name);
      }
    }
  }

  /** Returns the object to store: `transformed` pruned of unknown fields, with server-owned fields restored. */
  private finishUpdate(info: ResourceInfo, transformed: KubeObject, current: KubeObject, opts: UpdateOptions): KubeObject {
    const next = enforceFieldValidation(info, transformed, opts.fieldValidation, opts.origin ?? { kind: 'body' }, current);
    // Identity and server-owned metadata never change through an update.
    const m = next.metadata;
    const c = current.metadata;
    if (m.name !== undefined && m.name !== c.name) throw errors.badRequest(`metadata.name is immutable (${c.name})`);
    if (m.namespace !== undefined && m.namespace !== c.namespace) throw errors.badRequest(`the namespace of the object does not match (${c.namespace})`);
    if (m.uid !== undefined && m.uid !== c.uid) throw errors.conflict(info.resource, info.group, c.name ?? '', 'Precondition failed: UID in object meta does not match');
    next.apiVersion = groupVersion(info);
    next.kind = info.kind;
    m.name = c.name;
    if (info.namespaced) m.namespace = c.namespace;
    m.uid = c.uid;
    m.creationTimestamp = c.creationTimestamp;
    m.resourceVersion = c.resourceVersion;
    if (c.deletionTimestamp) {
      m.deletionTimestamp = c.deletionTimestamp;
      m.deletionGracePeriodSeconds = c.deletionGracePeriodSeconds;
    } else {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
    }
    if (m.generateName === undefined && c.generateName !== undefined) m.generateName = c.generateName;
    prepareForUpdate(info, next, current, opts.subresource);
    applyDefaults(info, next);
    this.validateOrThrow(info, next, current);
    if (!opts.managedFieldsHandled && opts.fieldManager) {
      next.metadata.managedFields = recordUpdate({ old: current, updated: next, manager: opts.fieldManager, apiVersion: groupVersion(info), now: this.now(), subresource: opts.subresource });
    } else if (!opts.managedFieldsHandled && next.metadata.managedFields === undefined && current.metadata.managedFields) {
      next.metadata.managedFields = current.metadata.managedFields;
    }
    return next;
  }

  async delete(info: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.get(info, namespace, name);
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== current.metadata.uid) {
        throw errors.conflict(info.resource, info.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
      }
      if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
        throw errors.conflict(info.resource, info.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
      }
      const next = clone(current);
      const finalizers = new Set(next.metadata.finalizers ?? []);
      if (opts.propagationPolicy === 'Foreground') finalizers.add('foregroundDeletion');
      if (opts.propagationPolicy === 'Orphan') finalizers.add('orphan');
      const graceful = this.gracePeriod(info, current, opts);
      const mustWait = finalizers.size > 0 || graceful > 0 || namespaceFinalizersPending(info, current);
      const rev = Number(current.metadata.resourceVersion);
      if (opts.dryRun) return current;
      try {
        if (!mustWait) {
          const deleted = withTypeMeta(info, await this.deps.store.delete(storageKey(info, namespace, name), rev));
          for (const a of this.deps.admission) await a.deleted?.(info, deleted);
          return deleted;
        }
        if (current.metadata.deletionTimestamp && finalizers.size === (current.metadata.finalizers?.length ?? 0)) {
          // Already terminating: a second delete may only shorten the grace period.
          if (graceful === 0 && info.resource === 'pods') return this.forceDeletePod(info, namespace, name, current);
          return current;
        }
        next.metadata.finalizers = finalizers.size ? [...finalizers] : undefined;
        if (!next.metadata.finalizers) delete next.metadata.finalizers;
        if (!next.metadata.deletionTimestamp) {
          next.metadata.deletionTimestamp = nowRfc3339(new Date(this.now().getTime() + graceful * 1000));
          next.metadata.deletionGracePeriodSeconds = graceful;
        }
        if (info.resource === 'namespaces') {
          (next as { status?: { phase?: string } }).status = { ...((next.status as object) ?? {}), phase: 'Terminating' };
        }
        return withTypeMeta(info, await this.deps.store.update(storageKey(info, namespace, name), next, rev));
      } catch (err) {
        if (err instanceof StoreError && err.code === 'Conflict' && attempt < MAX_RETRIES) continue;
        throw mapStoreError(err, info, name);
      }
    }
  }

  private async forceDeletePod(info: ResourceInfo, namespace: string | undefined, name: string, current: KubeObject): Promise<KubeObject> {
    if (current.metadata.finalizers?.length) return current;
    try {
      return withTypeMeta(info, await this.deps.store.delete(storageKey(info, namespace, name), Number(current.metadata.resourceVersion)));
    } catch (err) {
      throw mapStoreError(err, info, name);
    }
  }

  /** Pods bound to a node terminate gracefully (the kubelet finishes the delete); all else is immediate. */
  private gracePeriod(info: ResourceInfo, current: KubeObject, opts: DeleteOptions): number {
    if (info.resource !== 'pods') return 0;
    const spec = current.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    const phase = (current.status as { phase?: string } | undefined)?.phase;
    if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    const requested = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, requested);
  }

  private checkBody(info: ResourceInfo, namespace: string | undefined, body: unknown): KubeObject {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw errors.badRequest('the request body must be a JSON object');
    const obj = clone(body) as KubeObject;
    const gv = groupVersion(info);
    if (obj.apiVersion !== undefined && obj.apiVersion !== gv) {
      throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${gv})`);
    }
    if (obj.kind !== undefined && obj.kind !== '' && obj.kind !== info.kind) {
      throw errors.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${info.kind})`);
    }
    obj.apiVersion = gv;
    obj.kind = info.kind;
    if (!obj.metadata || typeof obj.metadata !== 'object') obj.metadata = {};
    if (info.namespaced) {
      if (obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = namespace;
    } else {
      delete obj.metadata.namespace;
    }
    return obj;
  }

  /** A server-side apply configuration: a well-formed object for this resource without unknown fields. */
  private appliedConfig(info: ResourceInfo, namespace: string | undefined, patch: unknown): KubeObject {
    const applied = this.checkBody(info, namespace, patch);
    rejectUnknownApplyFields(info, applied);
    return applied;
  }

  private validateOrThrow(info: ResourceInfo, obj: KubeObject, old?: KubeObject): void {
    const problems = validate(info, obj, old);
    if (problems.length) throw errors.invalid(info.kind, info.group, obj.metadata.name ?? '', fieldErrorsToCauses(problems));
  }

  private async checkNamespaceOpen(namespace: string, info: ResourceInfo, name: string): Promise<void> {
    if (this.deps.namespaces?.isOpen(namespace)) return;
    const ns = await this.read(NAMESPACES, undefined, namespace);
    if (!ns) throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`, { name: namespace, kind: 'namespaces' });
    if (ns.metadata.deletionTimestamp) {
      throw new ApiError(403, 'Forbidden', `${info.resource} "${name}" is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
        { name, group: info.group, kind: info.resource, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${namespace} is being terminated`, field: 'metadata.namespace' }] });
    }
  }
}

function namespaceFinalizersPending(info: ResourceInfo, obj: KubeObject): boolean {
  if (info.resource !== 'namespaces') return false;
  const fin = (obj.spec as { finalizers?: string[] } | undefined)?.finalizers;
  return !!fin && fin.length > 0;
}

function stripVolatile(obj: KubeObject): KubeObject {
  const copy = { ...obj, metadata: { ...obj.metadata } };
  delete copy.metadata.managedFields;
  delete copy.metadata.resourceVersion;
  return copy;
}

export function withTypeMeta(info: ResourceInfo, obj: KubeObject): KubeObject {
  if (obj.apiVersion === groupVersion(info) && obj.kind === info.kind) return obj;
  return { apiVersion: groupVersion(info), kind: info.kind, ...obj };
}
