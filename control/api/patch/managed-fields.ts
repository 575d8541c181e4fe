/**
 * metadata.managedFields ↔ manager entries with parsed field sets.
 *
 * An entry is identified as in kube-apiserver's manager identifier: manager + operation +
 * subresource, plus apiVersion for Update entries (an Apply entry follows the manager across
 * versions). Encoding sorts entries the way the apiserver does (operation, time, manager,
 * apiVersion, subresource) and drops empty sets.
 */
import type { ManagedFieldsEntry } from '../object.js';
import { FieldSet } from './field-set.js';
import { isObject } from './json-value.js';

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

export function sameManager(a: Omit<ManagerEntry, 'set'>, b: Omit<ManagerEntry, 'set'>): boolean {
  return a.manager === b.manager && a.operation === b.operation && (a.subresource ?? '') === (b.subresource ?? '')
    && (a.operation === 'Apply' || a.apiVersion === b.apiVersion);
}

/** Tolerant decode: malformed entries are skipped, duplicate identities are merged. */
export function decodeManagedFields(list: unknown): ManagerEntry[] {
  if (!Array.isArray(list)) return [];
  const out: ManagerEntry[] = [];
  for (const raw of list) {
    if (!isObject(raw) || typeof raw.manager !== 'string') continue;
    if (raw.operation !== 'Apply' && raw.operation !== 'Update') continue;
    const entry: ManagerEntry = {
      manager: raw.manager,
      operation: raw.operation,
      apiVersion: typeof raw.apiVersion === 'string' ? raw.apiVersion : '',
      set: FieldSet.fromFieldsV1(raw.fieldsV1),
    };
    if (typeof raw.time === 'string') entry.time = raw.time;
    if (typeof raw.subresource === 'string' && raw.subresource) entry.subresource = raw.subresource;
    const twin = out.find((e) => sameManager(e, entry));
    if (twin) twin.set = twin.set.union(entry.set);
    else out.push(entry);
  }
  return out;
}

export function encodeManagedFields(entries: ManagerEntry[]): ManagedFieldsEntry[] {
  return entries
    .filter((e) => !e.set.isEmpty())
    .sort(compareEntries)
    .map((e) => {
      // Key order as kube-apiserver serialises an entry.
      const out: ManagedFieldsEntry = {
        manager: e.manager, operation: e.operation, apiVersion: e.apiVersion,
        ...(e.time ? { time: e.time } : {}),
        fieldsType: 'FieldsV1', fieldsV1: e.set.toFieldsV1(),
        ...(e.subresource ? { subresource: e.subresource } : {}),
      };
      return out;
    });
}

function compareEntries(p: ManagerEntry, q: ManagerEntry): number {
  if (p.operation !== q.operation) return p.operation < q.operation ? -1 : 1;
  const pt = p.time ? Date.parse(p.time) / 1000 : 0;
  const qt = q.time ? Date.parse(q.time) / 1000 : 0;
  if (pt !== qt) return pt - qt;
  for (const field of ['manager', 'apiVersion', 'subresource'] as const) {
    const a = p[field] ?? '';
    const b = q[field] ?? '';
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/** RFC 3339 with second precision, as metav1.Time serialises. */
export function rfc3339(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
