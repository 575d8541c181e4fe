/**
 * Object ↔ field-path sets, for server-side apply (structured-merge-diff's ToFieldSet and
 * Compare, schema taken from merge-schema.ts).
 *
 * Membership rule (the same for Apply and Update so that sets compare): leaves are members —
 * scalars, atomic lists, atomic maps, empty maps and empty lists — and so is every element of
 * a keyed or set list. Inner maps are paths to members, not members themselves.
 * Keyed list elements are named `k:{"name":"nginx"}` from the SSA list-map keys (missing key
 * fields take their schema default, e.g. protocol TCP); an element that has no key gets `i:<n>`.
 */
import { ApiError } from '../errors.js';
import { FieldSet, renderFieldPath } from './field-set.js';
import { describeValue, isObject, jsonEqual, type JsonObject } from './json-value.js';
import { childPath, itemPath, type FieldRule, type FieldRules } from './merge-schema.js';

type MapListRule = Extract<FieldRule, { type: 'map-list' }>;

/** The FieldsV1 key of a keyed list element, or undefined when a key field is missing. */
export function elementKey(item: unknown, rule: MapListRule): string | undefined {
  if (!isObject(item)) return undefined;
  const key: JsonObject = {};
  for (const field of [...rule.keys].sort()) {
    const value = item[field] ?? rule.keyDefaults?.[field];
    if (value === undefined || value === null) return undefined;
    key[field] = value;
  }
  return `k:${JSON.stringify(key)}`;
}

export function setElementKey(value: unknown): string {
  return `v:${JSON.stringify(value)}`;
}

/** Element keys of a merged list (`k:`/`v:`), in list order; unkeyable elements get `i:<n>`. */
export function listKeys(list: unknown[], rule: FieldRule | undefined): string[] {
  return list.map((item, i) => {
    if (rule?.type === 'map-list') return elementKey(item, rule) ?? `i:${i}`;
    if (rule?.type === 'set') return setElementKey(item);
    return `i:${i}`;
  });
}

/** Adds the members of `value` below `node` (the node for `rulePath`). */
export function addMembers(node: FieldSet, value: unknown, rules: FieldRules, rulePath: string): void {
  const rule = rules.get(rulePath);
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    if (rule?.type === 'atomic-map' || keys.length === 0) { node.member = true; return; }
    for (const key of keys) addMembers(node.node([`f:${key}`], true), value[key], rules, childPath(rulePath, key));
    return;
  }
  if (Array.isArray(value) && value.length > 0 && (rule?.type === 'map-list' || rule?.type === 'set')) {
    const keys = listKeys(value, rule);
    value.forEach((item, i) => {
      const child = node.node([keys[i]!], true);
      child.member = true;
      if (rule.type === 'map-list' && isObject(item) && Object.keys(item).length > 0) {
        addMembers(child, item, rules, itemPath(rulePath));
        child.member = true;
      }
    });
    return;
  }
  node.member = true;
}

export function toFieldSet(value: unknown, rules: FieldRules): FieldSet {
  const set = new FieldSet();
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      if (child !== undefined) addMembers(set.node([`f:${key}`], true), child, rules, key);
    }
  }
  return set;
}

export interface FieldComparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** Which member paths appear, change value, or disappear between two objects. */
export function compareFields(before: unknown, after: unknown, rules: FieldRules): FieldComparison {
  const out: FieldComparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  const a = isObject(before) ? before : {};
  const b = isObject(after) ? after : {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    compareAt(a[key], b[key], rules, key, [`f:${key}`], out);
  }
  return out;
}

function compareAt(a: unknown, b: unknown, rules: FieldRules, rulePath: string, path: string[], out: FieldComparison): void {
  if (a === undefined && b === undefined) return;
  if (a === undefined) { addMembers(out.added.node(path, true), b, rules, rulePath); return; }
  if (b === undefined) { addMembers(out.removed.node(path, true), a, rules, rulePath); return; }
  if (jsonEqual(a, b)) return;
  const rule = rules.get(rulePath);
  if (isObject(a) && isObject(b) && rule?.type !== 'atomic-map' && Object.keys(a).length > 0 && Object.keys(b).length > 0) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      compareAt(a[key], b[key], rules, childPath(rulePath, key), [...path, `f:${key}`], out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && (rule?.type === 'map-list' || rule?.type === 'set')) {
    const before = indexList(a, rule);
    const after = indexList(b, rule);
    for (const [key, item] of after) {
      const old = before.get(key);
      if (old === undefined) {
        markItem(out.added, [...path, key], item, rules, rule, rulePath);
      } else if (rule.type === 'map-list') {
        compareAt(old, item, rules, itemPath(rulePath), [...path, key], out);
      }
    }
    for (const [key, item] of before) {
      if (!after.has(key)) markItem(out.removed, [...path, key], item, rules, rule, rulePath);
    }
    return;
  }
  out.modified.insert(path);
}

function markItem(set: FieldSet, path: string[], item: unknown, rules: FieldRules, rule: FieldRule, rulePath: string): void {
  const node = set.node(path, true);
  if (rule.type === 'map-list' && isObject(item) && Object.keys(item).length > 0) addMembers(node, item, rules, itemPath(rulePath));
  node.member = true;
}

function indexList(list: unknown[], rule: FieldRule): Map<string, unknown> {
  const keys = listKeys(list, rule);
  const index = new Map<string, unknown>();
  keys.forEach((key, i) => { if (!index.has(key)) index.set(key, list[i]); });
  return index;
}

/** Metadata fields the server owns; they are never part of a manager's set (apiserver stripmeta). */
export const SERVER_METADATA = [
  'name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'selfLink',
  'managedFields', 'deletionTimestamp', 'deletionGracePeriodSeconds',
] as const;

/**
 * The part of an object whose ownership is tracked for one endpoint: the status subresource
 * tracks only `status`; the main resource everything else (status is reset there).
 */
export function trackedView(object: unknown, subresource: string | undefined): JsonObject {
  if (!isObject(object)) return {};
  if (subresource === 'status') return object.status === undefined ? {} : { status: object.status };
  const view: JsonObject = { ...object };
  delete view.apiVersion;
  delete view.kind;
  delete view.status;
  if (isObject(object.metadata)) {
    const metadata: JsonObject = { ...object.metadata };
    for (const field of SERVER_METADATA) delete metadata[field];
    if (Object.keys(metadata).length > 0) view.metadata = metadata;
    else delete view.metadata;
  }
  return view;
}

/** A 422 for an applied list element that cannot be identified by its list-map keys. */
export function missingKeyError(path: string, rule: MapListRule, item: unknown): ApiError {
  return new ApiError(422, 'Invalid',
    `.${path}: element ${describeValue(item)}: associative list with keys has an element that omits key field(s) ${rule.keys.map((k) => JSON.stringify(k)).join(', ')}`);
}

/**
 * A path into `value` given as field names and list indexes, rendered the way
 * structured-merge-diff prints typed paths: elements of keyed lists by their keys
 * (`.spec.template.spec.containers[name="web"].imagePullPolicyy`), set elements by value, other
 * list elements by index.
 */
export function renderTypedPath(value: unknown, steps: readonly (string | number)[], rules: FieldRules): string {
  const keys: string[] = [];
  let rulePath = '';
  let current = value;
  for (const step of steps) {
    if (typeof step === 'number') {
      const rule = rules.get(rulePath);
      const item = Array.isArray(current) ? current[step] : undefined;
      const key = rule?.type === 'map-list' ? elementKey(item, rule) : rule?.type === 'set' ? setElementKey(item) : undefined;
      keys.push(key ?? `i:${step}`);
      rulePath = itemPath(rulePath);
      current = item;
    } else {
      keys.push(`f:${step}`);
      rulePath = childPath(rulePath, step);
      current = isObject(current) ? current[step] : undefined;
    }
  }
  return renderFieldPath(keys);
}
