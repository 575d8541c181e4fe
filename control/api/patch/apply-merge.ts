/**
 * The two object transformations of server-side apply (structured-merge-diff's Merge and prune):
 * - mergeApplied: the applied configuration wins at every leaf it sets; maps merge key by key;
 *   keyed/set lists merge element by element in SMD's interleaved order (live-only elements keep
 *   their place, applied elements follow the applied order); every other list and every atomic
 *   map is replaced. Nothing is deleted here.
 * - pruneFields: removes what the applier owned last time, no longer applies, and nobody else owns.
 * Both work in place on private copies that the caller made.
 */
import { ApiError } from '../errors.js';
import { FieldSet } from './field-set.js';
import { elementKey, listKeys, missingKeyError, setElementKey } from './field-paths.js';
import { describeValue, isObject, type JsonObject } from './json-value.js';
import { childPath, itemPath, type FieldRule, type FieldRules } from './merge-schema.js';

export function mergeApplied(live: unknown, config: unknown, rules: FieldRules, rulePath: string): unknown {
  if (config === undefined) return live;
  const rule = rules.get(rulePath);
  if (isObject(config)) {
    if (!isObject(live) || rule?.type === 'atomic-map') return config;
    for (const [key, value] of Object.entries(config)) live[key] = mergeApplied(live[key], value, rules, childPath(rulePath, key));
    return live;
  }
  if (Array.isArray(config)) {
    if (!Array.isArray(live) || !rule || rule.type === 'atomic-map') return config;
    return mergeListItems(live, config, rules, rulePath, rule);
  }
  return config;
}

/**
 * Every element of a keyed list in the applied config must carry its keys, and keys must be
 * unique (SMD rejects such a config before merging); throws 422 otherwise.
 */
export function checkAppliedKeys(value: unknown, rules: FieldRules, rulePath: string): void {
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) checkAppliedKeys(child, rules, childPath(rulePath, key));
    return;
  }
  if (!Array.isArray(value)) return;
  const rule = rules.get(rulePath);
  if (rule?.type !== 'map-list' && rule?.type !== 'set') return;
  const seen = new Set<string>();
  for (const item of value) {
    const key = rule.type === 'set' ? setElementKey(item) : elementKey(item, rule);
    if (key === undefined && rule.type === 'map-list') throw missingKeyError(rulePath, rule, item);
    if (key !== undefined && seen.has(key)) throw new ApiError(422, 'Invalid', `.${rulePath}: duplicate entries for key ${key.slice(2)}`);
    if (key !== undefined) seen.add(key);
    if (rule.type === 'map-list') checkAppliedKeys(item, rules, itemPath(rulePath));
  }
}

/** A port of structured-merge-diff's mergingWalker.visitListItems ordering. */
function mergeListItems(lhs: unknown[], rhs: unknown[], rules: FieldRules, rulePath: string, rule: FieldRule): unknown[] {
  const lKeys = listKeys(lhs, rule);
  const rKeys = rhs.map((item) => {
    if (rule.type === 'set') return setElementKey(item);
    if (rule.type !== 'map-list') return '';
    const key = elementKey(item, rule);
    if (key === undefined) throw missingKeyError(rulePath, rule, item);
    return key;
  });
  const lMap = new Map<string, unknown>();
  lKeys.forEach((k, i) => { if (!lMap.has(k)) lMap.set(k, lhs[i]); });
  const rMap = new Map<string, unknown>();
  rKeys.forEach((k, i) => {
    if (rMap.has(k)) throw new ApiError(422, 'Invalid', `.${rulePath}: duplicate entries for key ${k.slice(2)} (${describeValue(rhs[i])})`);
    rMap.set(k, rhs[i]);
  });
  const merge = (key: string) => (rule.type === 'map-list'
    ? mergeApplied(lMap.get(key), rMap.get(key), rules, itemPath(rulePath))
    : rMap.get(key));

  const shared = rKeys.filter((k) => lMap.has(k));
  let nextShared = 0;
  const emitted = new Set<string>();
  const out: unknown[] = [];
  let l = 0;
  let r = 0;
  while (l < lKeys.length || r < rKeys.length) {
    if (l < lKeys.length && r < rKeys.length) {
      const pe = lKeys[l]!;
      if (pe === rKeys[r]) {
        emitted.add(pe);
        out.push(merge(pe));
        l++; r++;
        if (shared[nextShared] === pe) nextShared++;
        continue;
      }
      // a shared element, but not the one the applied order wants next
      if (rMap.has(pe) && nextShared < shared.length && shared[nextShared] !== pe) { l++; continue; }
    }
    if (l < lKeys.length) {
      const pe = lKeys[l]!;
      if (!rMap.has(pe)) { out.push(lhs[l]); l++; continue; }
      if (emitted.has(pe)) { l++; continue; }
    }
    if (r < rKeys.length) {
      const pe = rKeys[r]!;
      emitted.add(pe);
      out.push(merge(pe));
      r++;
      if (shared[nextShared] === pe) nextShared++;
    }
  }
  return out;
}

/**
 * Removes from `object` every path of `lastSet` (what this manager applied last time) that no
 * manager owns any more (`owned` already holds the new applied set). An inner field that nobody
 * owns anything under goes as a whole, as in SMD (named fields count as members when pruning).
 * `metadata` itself and the key fields of list elements are never removed.
 */
export function pruneFields(object: JsonObject, lastSet: FieldSet, owned: FieldSet, rules: FieldRules): void {
  pruneNode(object, lastSet, owned, rules, '', undefined, true);
}

interface Located {
  value: unknown;
  rulePath: string;
  itemRule?: Extract<FieldRule, { type: 'map-list' }>;
  remove(): void;
}

function pruneNode(
  value: unknown, last: FieldSet, owned: FieldSet | undefined, rules: FieldRules, rulePath: string,
  itemRule: Extract<FieldRule, { type: 'map-list' }> | undefined, isRoot: boolean,
): void {
  for (const [key, lastChild] of last.children) {
    const found = locate(value, key, rules, rulePath);
    if (!found) continue;
    const ownedChild = owned?.children.get(key);
    const keepNode = (ownedChild && !ownedChild.isEmpty()) || (isRoot && key === 'f:metadata');
    if (keepNode) {
      if (lastChild.children.size > 0) pruneNode(found.value, lastChild, ownedChild, rules, found.rulePath, found.itemRule, false);
      continue;
    }
    if (itemRule && key.startsWith('f:') && itemRule.keys.includes(key.slice(2))) continue;
    found.remove();
  }
}

function locate(value: unknown, key: string, rules: FieldRules, rulePath: string): Located | undefined {
  const body = key.slice(2);
  if (key.startsWith('f:')) {
    if (!isObject(value) || !Object.prototype.hasOwnProperty.call(value, body)) return undefined;
    return { value: value[body], rulePath: childPath(rulePath, body), remove: () => { delete value[body]; } };
  }
  if (!Array.isArray(value)) return undefined;
  const rule = rules.get(rulePath);
  let index = -1;
  if (key.startsWith('k:') && rule?.type === 'map-list') index = value.findIndex((item) => elementKey(item, rule) === key);
  else if (key.startsWith('v:')) index = value.findIndex((item) => setElementKey(item) === key);
  if (index < 0) return undefined;
  return {
    value: value[index],
    rulePath: itemPath(rulePath),
    itemRule: rule?.type === 'map-list' ? rule : undefined,
    remove: () => { value.splice(index, 1); },
  };
}
