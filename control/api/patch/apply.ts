/**
 * Server-side apply (`application/apply-patch+yaml`) and field-ownership bookkeeping for
 * ordinary writes, following structured-merge-diff's Updater:
 *
 * serverSideApply: merge the applied config into the live object (apply-merge.ts), prune what
 *   this manager applied before and nobody owns now, then compare live with the result: a field
 *   another manager owns whose value would be added or changed is a conflict. Without `force`
 *   conflicts are returned and nothing changes; with `force` ownership moves to the applier.
 *   Fields removed from the object are removed from every manager's set.
 * recordUpdate: for create/update/patch, the writer gains every field it added or changed and
 *   keeps the rest of what it had; other managers lose the fields that changed.
 *
 * Server-owned metadata (uid, resourceVersion, generation, creationTimestamp, deletion*,
 * managedFields) is never taken from the applied config nor tracked. `status` is tracked only
 * through the status subresource. Nulls in an applied config are ignored. A write that changes
 * nothing keeps the previous managedFields (timestamps included) so no-op detection still works.
 */
import { ApiError, errors } from '../errors.js';
import type { KubeObject, ManagedFieldsEntry } from '../object.js';
import { checkAppliedKeys, mergeApplied, pruneFields } from './apply-merge.js';
import { FieldSet, renderFieldPath } from './field-set.js';
import { compareFields, SERVER_METADATA, toFieldSet, trackedView } from './field-paths.js';
import { cloneJson, isObject, jsonEqual, type JsonObject } from './json-value.js';
import { decodeManagedFields, encodeManagedFields, rfc3339, sameManager, type ManagerEntry } from './managed-fields.js';
import { fieldRulesFor, type GroupKind } from './merge-schema.js';

export interface ApplyConflict {
  /** The other manager's name, e.g. `kubectl-client-side-apply`. */
  manager: string;
  /** The field, rendered like kube-apiserver: `.spec.replicas`. */
  field: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
}

export interface ServerSideApplyInput {
  live: KubeObject | undefined;
  applied: unknown;
  manager: string;
  force: boolean;
  /** The group/version the request was made in (managedFields[].apiVersion). */
  apiVersion: string;
  now: Date;
  subresource?: string;
  /** Defaults to the group of `apiVersion` and the applied (or live) kind. */
  kind?: GroupKind;
}

export interface ServerSideApplyResult {
  object: KubeObject;
  conflicts: ApplyConflict[];
}

export function serverSideApply(input: ServerSideApplyInput): ServerSideApplyResult {
  const { live, manager, force, apiVersion, now, subresource } = input;
  if (!isObject(input.applied) || !isObject(input.applied.metadata)) {
    throw errors.badRequest('apply patch must be a Kubernetes object with metadata');
  }
  const rules = fieldRulesFor(input.kind ?? kindOf(apiVersion, input.applied, live));
  const config = sanitizeApplied(input.applied, subresource);
  checkAppliedKeys(config, rules, '');
  const entries = decodeManagedFields(live?.metadata.managedFields);
  const me: ManagerEntry = { manager, operation: 'Apply', apiVersion, set: toFieldSet(trackedView(config, subresource), rules) };
  if (subresource) me.subresource = subresource;
  const previous = entries.find((e) => sameManager(e, me));
  const others = entries.filter((e) => e !== previous);

  const merged = mergeApplied(cloneJson(live) ?? {}, config, rules, '') as JsonObject;
  if (previous) {
    const owned = others.reduce((acc, e) => acc.union(e.set), me.set);
    pruneFields(merged, scoped(previous.set, subresource), owned, rules);
  }
  const object = restoreServerFields(merged, live);

  const diff = compareFields(trackedView(live, subresource), trackedView(object, subresource), rules);
  const changed = diff.added.union(diff.modified);
  const conflicts: ApplyConflict[] = [];
  for (const other of others) {
    for (const path of other.set.intersection(changed).members()) {
      const conflict: ApplyConflict = { manager: other.manager, field: renderFieldPath(path), operation: other.operation, apiVersion: other.apiVersion };
      if (other.subresource) conflict.subresource = other.subresource;
      conflicts.push(conflict);
    }
  }
  if (conflicts.length > 0 && !force) return { object: cloneJson(live) ?? (object as KubeObject), conflicts };

  for (const other of others) other.set = other.set.difference(changed).difference(diff.removed);
  const next = [...others, me];
  const unchanged = live !== undefined && previous !== undefined
    && jsonEqual(withoutManagedFields(live), withoutManagedFields(object))
    && previous.set.equals(me.set) && apiVersion === previous.apiVersion;
  if (unchanged) {
    if (live.metadata.managedFields) object.metadata.managedFields = cloneJson(live.metadata.managedFields);
    else delete object.metadata.managedFields;
  } else {
    me.time = rfc3339(now);
    const encoded = nonEmpty(encodeManagedFields(next));
    if (encoded) object.metadata.managedFields = encoded;
    else delete object.metadata.managedFields;
  }
  return { object: object as KubeObject, conflicts: [] };
}

export interface RecordUpdateInput {
  old: KubeObject | undefined;
  updated: KubeObject;
  manager: string;
  apiVersion: string;
  now: Date;
  subresource?: string;
  kind?: GroupKind;
}

/** The managedFields `updated` should carry after an ordinary (Update) write by `manager`. */
export function recordUpdate(input: RecordUpdateInput): ManagedFieldsEntry[] | undefined {
  const { old, updated, manager, apiVersion, now, subresource } = input;
  const rules = fieldRulesFor(input.kind ?? kindOf(apiVersion, updated, old));
  const sent = updated.metadata?.managedFields;
  // A single empty entry is the documented way to strip managedFields.
  if (!subresource && Array.isArray(sent) && sent.length === 1 && isObject(sent[0]) && Object.keys(sent[0]).length === 0) return undefined;
  // Clients may rewrite managedFields (kubectl does when migrating client-side apply); an empty
  // or missing list means "unchanged", so clients unaware of the field cannot wipe it.
  const fromClient = !subresource && Array.isArray(sent) && sent.length > 0 && !jsonEqual(sent, old?.metadata.managedFields);
  const base = fromClient ? sent : old?.metadata.managedFields;
  const entries = decodeManagedFields(base);

  const diff = compareFields(trackedView(old, subresource), trackedView(updated, subresource), rules);
  const touched = diff.added.union(diff.modified).union(diff.removed);
  const identity = { manager, operation: 'Update' as const, apiVersion, ...(subresource ? { subresource } : {}) };
  const previous = entries.find((e) => sameManager(e, identity));
  const others = entries.filter((e) => e !== previous);
  if (touched.isEmpty() && !fromClient) return cloneJson(old?.metadata.managedFields);

  for (const other of others) other.set = other.set.difference(touched);
  const mine: ManagerEntry = {
    ...identity,
    set: (previous?.set ?? new FieldSet()).difference(diff.removed).union(diff.modified).union(diff.added),
    time: rfc3339(now),
  };
  return nonEmpty(encodeManagedFields([...others, mine]));
}

function nonEmpty(entries: ManagedFieldsEntry[]): ManagedFieldsEntry[] | undefined {
  return entries.length > 0 ? entries : undefined;
}

/** The 409 kube-apiserver answers for apply conflicts (reason Conflict, causes FieldManagerConflict). */
export function applyConflictError(conflicts: ApplyConflict[]): ApiError {
  const causes = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c)}`, field: c.field }));
  return new ApiError(409, 'Conflict', conflictMessage(conflicts), { causes });
}

/** `Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas` */
export function conflictMessage(conflicts: ApplyConflict[]): string {
  if (conflicts.length === 1) return `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!)}: ${conflicts[0]!.field}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const who = printManager(c);
    byManager.set(who, [...(byManager.get(who) ?? []), c.field]);
  }
  const lines: string[] = [];
  for (const who of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${who}:`, ...byManager.get(who)!.map((f) => `- ${f}`));
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
}

/** kube-apiserver's printManager: Update managers name the version they wrote with. */
function printManager(c: ApplyConflict): string {
  let text = JSON.stringify(c.manager);
  if (c.subresource) text += ` with subresource ${JSON.stringify(c.subresource)}`;
  return c.operation === 'Update' ? `${text} using ${c.apiVersion}` : text;
}

function kindOf(apiVersion: string, ...objects: unknown[]): GroupKind {
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const kind = objects.map((o) => (isObject(o) && typeof o.kind === 'string' ? o.kind : undefined)).find(Boolean) ?? '';
  return { group, kind };
}

/** The applied config as it takes part in the merge: no nulls, no server-owned metadata. */
function sanitizeApplied(applied: JsonObject, subresource: string | undefined): JsonObject {
  const config = dropNulls(cloneJson(applied)) as JsonObject;
  const metadata = config.metadata as JsonObject;
  for (const field of SERVER_METADATA) if (field !== 'name' && field !== 'namespace') delete metadata[field];
  if (subresource === 'status') {
    const scopedConfig: JsonObject = { metadata: { name: metadata.name, namespace: metadata.namespace } };
    if (config.status !== undefined) scopedConfig.status = config.status;
    return scopedConfig;
  }
  delete config.status;
  return config;
}

function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isObject(value)) return value;
  for (const [key, child] of Object.entries(value)) {
    if (child === null) delete value[key];
    else value[key] = dropNulls(child);
  }
  return value;
}

/** Only the part of a previous set this endpoint may prune (status for /status, the rest otherwise). */
function scoped(set: FieldSet, subresource: string | undefined): FieldSet {
  const status = new FieldSet();
  const statusNode = set.children.get('f:status');
  if (statusNode) status.children.set('f:status', statusNode.copy());
  return subresource === 'status' ? status : set.difference(status);
}

/** Server-owned metadata and type fields come from the live object, never from the apply. */
function restoreServerFields(merged: JsonObject, live: KubeObject | undefined): KubeObject {
  if (!isObject(merged.metadata)) merged.metadata = {};
  const metadata = merged.metadata as JsonObject;
  for (const field of SERVER_METADATA) {
    if (field === 'name' || field === 'namespace') continue;
    const value = (live?.metadata as JsonObject | undefined)?.[field];
    if (value === undefined) delete metadata[field];
    else metadata[field] = cloneJson(value);
  }
  if (live?.apiVersion !== undefined) merged.apiVersion = live.apiVersion;
  if (live?.kind !== undefined) merged.kind = live.kind;
  return merged as KubeObject;
}

function withoutManagedFields(object: KubeObject): unknown {
  return { ...object, metadata: { ...object.metadata, managedFields: undefined } };
}
