/**
 * Strategic merge patch, `application/strategic-merge-patch+json`, for built-in kinds.
 *
 * Behaves like k8s.io/apimachinery/pkg/util/strategicpatch applied server-side
 * (StrategicMergeMapPatch: MergeParallelList, IgnoreUnmatchedNulls):
 * - maps merge key by key, `null` deletes;
 * - lists named in merge-schema.ts merge by their merge key (or as a set of scalars); every other
 *   list is replaced;
 * - directives: `$patch: replace|delete|merge` on a map, `{"$patch":"replace"}` / `{key, "$patch":"delete"}`
 *   elements in a keyed list, `$retainKeys`, `$deleteFromPrimitiveList/<f>`, `$setElementOrder/<f>`;
 * - merged lists are ordered like apimachinery orders them (normalizeElementOrder +
 *   mergeSortedSlice): patch items in patch (or `$setElementOrder`) order, interleaved with the
 *   items only the server has, keeping their live order.
 * Where apimachinery would copy a patch value verbatim (and so leak nested directives or nulls),
 * the value is merged into an empty map instead: directives never reach the result.
 * A malformed patch answers 400 BadRequest. Inputs are never mutated.
 */
import { errors } from '../errors.js';
import { cloneJson, describeValue, isObject, jsonEqual, type JsonObject } from './json-value.js';
import { childPath, fieldRulesFor, itemPath, type FieldRule, type FieldRules, type GroupKind } from './merge-schema.js';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';

export function applyStrategicMergePatch(target: unknown, patch: unknown, kind: GroupKind): unknown {
  if (!isObject(patch)) throw errors.badRequest('strategic merge patch must be a JSON object');
  const merger = new StrategicMerger(fieldRulesFor(kind));
  // Both sides are private copies from here on, so the merge may edit them in place.
  return merger.mergeMap(isObject(target) ? cloneJson(target) : undefined, cloneJson(patch), '');
}

class StrategicMerger {
  constructor(private readonly rules: FieldRules) {}

  mergeMap(original: JsonObject | undefined, patch: JsonObject, path: string): JsonObject {
    if (Object.prototype.hasOwnProperty.call(patch, PATCH)) {
      const directive = patch[PATCH];
      delete patch[PATCH];
      if (directive === 'replace') return this.mergeMap(undefined, patch, path);
      if (directive === 'delete') return {};
      if (directive !== 'merge') throw bad(path, `unknown patch type ${describeValue(directive)} in $patch`);
    }
    const result: JsonObject = original ?? {};
    this.retainKeys(result, patch, path);

    const orders = new Map<string, unknown[]>();
    const deletions = new Map<string, unknown[]>();
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith(SET_ORDER)) orders.set(key.slice(SET_ORDER.length), listOrBad(value, path, key));
      else if (key.startsWith(DELETE_PRIMITIVE)) deletions.set(key.slice(DELETE_PRIMITIVE.length), listOrBad(value, path, key));
    }

    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) continue; // directives handled above/below; unknown ones are dropped
      const fieldPath = childPath(path, key);
      if (value === null) {
        delete result[key];
      } else if (Array.isArray(value)) {
        const current = result[key];
        result[key] = this.mergeList(Array.isArray(current) ? current : [], value, fieldPath, orders.get(key));
      } else if (isObject(value)) {
        const current = result[key];
        result[key] = this.mergeMap(isObject(current) ? current : undefined, value, fieldPath);
      } else {
        result[key] = value;
      }
    }

    // `$setElementOrder` without a patch list for the field only reorders the live list.
    for (const [key, order] of orders) {
      const current = result[key];
      const listPath = childPath(path, key);
      const type = this.rules.get(listPath)?.type;
      if (!Object.prototype.hasOwnProperty.call(patch, key) && Array.isArray(current) && (type === 'map-list' || type === 'set')) {
        result[key] = this.mergeList(current, [], listPath, order);
      }
    }
    for (const [key, toDelete] of deletions) {
      const current = result[key];
      if (Array.isArray(current)) result[key] = current.filter((v) => !toDelete.some((d) => jsonEqual(d, v)));
    }
    return result;
  }

  /** `$retainKeys`: drop every live key not listed; the patch may only set listed keys. */
  private retainKeys(result: JsonObject, patch: JsonObject, path: string): void {
    if (!Object.prototype.hasOwnProperty.call(patch, RETAIN_KEYS)) return;
    const keep = listOrBad(patch[RETAIN_KEYS], path, RETAIN_KEYS);
    delete patch[RETAIN_KEYS];
    for (const [key, value] of Object.entries(patch)) {
      if (value === null || key.startsWith('$')) continue;
      if (!keep.includes(key)) throw bad(path, `field ${JSON.stringify(key)} is set but not listed in $retainKeys`);
    }
    for (const key of Object.keys(result)) if (!keep.includes(key)) delete result[key];
  }

  private mergeList(original: unknown[], patch: unknown[], path: string, order: unknown[] | undefined): unknown[] {
    const rule = this.rules.get(path);
    if (rule?.type === 'map-list') return this.mergeKeyedList(original, patch, path, rule, order);
    if (rule?.type === 'set') return mergeSet(original, patch, order);
    // No strategy: the patch list replaces the live one (cleaned of directives and nulls).
    return patch
      .filter((item) => !(isObject(item) && Object.prototype.hasOwnProperty.call(item, PATCH)))
      .map((item) => (isObject(item) ? this.mergeMap(undefined, item, itemPath(path)) : item));
  }

  private mergeKeyedList(
    original: unknown[], patch: unknown[], path: string,
    rule: Extract<FieldRule, { type: 'map-list' }>, order: unknown[] | undefined,
  ): unknown[] {
    const key = rule.mergeKey;
    const keyOf = (item: unknown): string => JSON.stringify((item as JsonObject)[key]);
    let live = original.filter(isObject);
    const items: JsonObject[] = [];
    let replace = false;
    for (const item of patch) {
      if (!isObject(item)) throw bad(path, `element ${describeValue(item)} is not an object (merge key ${JSON.stringify(key)})`);
      if (!Object.prototype.hasOwnProperty.call(item, PATCH)) { items.push(item); continue; }
      const directive = item[PATCH];
      if (directive === 'replace') { replace = true; continue; }
      if (directive === 'delete') {
        if (!Object.prototype.hasOwnProperty.call(item, key)) throw noMergeKey(path, item, key);
        live = live.filter((o) => keyOf(o) !== keyOf(item));
        continue;
      }
      if (directive !== 'merge') throw bad(path, `unknown patch type ${describeValue(directive)} in $patch`);
      delete item[PATCH];
      items.push(item);
    }
    if (replace) return items.map((item) => this.mergeMap(undefined, item, itemPath(path)));

    for (const item of items) if (!Object.prototype.hasOwnProperty.call(item, key)) throw noMergeKey(path, item, key);
    if (order) validateOrder(items, order, key, path);
    const merged: JsonObject[] = [...live];
    for (const item of items) {
      const at = merged.findIndex((o) => keyOf(o) === keyOf(item));
      if (at >= 0) merged[at] = this.mergeMap(merged[at], item, itemPath(path));
      else merged.push(this.mergeMap(undefined, item, itemPath(path)));
    }
    return normalizeOrder(merged, order ?? items, live, keyOf);
  }
}

/** Union of scalars, in apimachinery's order. */
function mergeSet(original: unknown[], patch: unknown[], order: unknown[] | undefined): unknown[] {
  const keyOf = (v: unknown) => JSON.stringify(v);
  const seen = new Set<string>();
  const merged = [...original, ...patch].filter((v) => {
    const k = keyOf(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return normalizeOrder(merged, order ?? patch, original, keyOf);
}

/**
 * apimachinery's normalizeElementOrder + mergeSortedSlice: items named in `patchOrder` are sorted
 * by it, the others (server-only) by `serverOrder`; then the two runs are merged, taking a
 * server-only item first only when both are in the live list and it came first there.
 */
function normalizeOrder<T>(merged: T[], patchOrder: unknown[], serverOrder: unknown[], keyOf: (item: unknown) => string): T[] {
  const indexIn = (list: unknown[]) => {
    const index = new Map<string, number>();
    list.forEach((item, i) => { const k = keyOf(item); if (!index.has(k)) index.set(k, i); });
    return index;
  };
  const patchIndex = indexIn(patchOrder);
  const serverIndex = indexIn(serverOrder);
  const byIndex = (index: Map<string, number>) => (a: T, b: T) =>
    (index.get(keyOf(a)) ?? Infinity) - (index.get(keyOf(b)) ?? Infinity);
  const fromPatch = merged.filter((item) => patchIndex.has(keyOf(item))).sort(byIndex(patchIndex));
  const serverOnly = merged.filter((item) => !patchIndex.has(keyOf(item))).sort(byIndex(serverIndex));

  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < fromPatch.length) {
    if (j >= fromPatch.length) { out.push(serverOnly[i++]!); continue; }
    if (i >= serverOnly.length) { out.push(fromPatch[j++]!); continue; }
    const li = serverIndex.get(keyOf(serverOnly[i]));
    const ri = serverIndex.get(keyOf(fromPatch[j]));
    if (li !== undefined && ri !== undefined && li < ri) out.push(serverOnly[i++]!);
    else out.push(fromPatch[j++]!);
  }
  return out;
}

/** The patch list must follow `$setElementOrder`'s relative order (apimachinery validatePatchWithSetOrderList). */
function validateOrder(items: JsonObject[], order: unknown[], key: string, path: string): void {
  for (const entry of order) if (!isObject(entry) || !Object.prototype.hasOwnProperty.call(entry, key)) throw noMergeKey(path, entry, key);
  let p = 0;
  for (let s = 0; p < items.length && s < order.length; s++) {
    if (jsonEqual(items[p]![key], (order[s] as JsonObject)[key])) p++;
  }
  if (p < items.length) throw bad(path, `the order of the patch list does not match its $setElementOrder list`);
}

function listOrBad(value: unknown, path: string, directive: string): unknown[] {
  if (!Array.isArray(value)) throw bad(path, `${directive} must be a list`);
  return value;
}

function noMergeKey(path: string, item: unknown, key: string) {
  return bad(path, `map: ${describeValue(item)} does not contain declared merge key: ${key}`);
}

function bad(path: string, why: string) {
  return errors.badRequest(`strategic merge patch${path ? ` at ${path}` : ''}: ${why}`);
}
