/**
 * JSON Merge Patch (RFC 7386), `application/merge-patch+json`.
 *
 * A patch object merges key by key into the target: `null` deletes a key, nested objects merge
 * recursively, anything else (arrays included) replaces. A patch that is not an object replaces
 * the whole target. Nulls inside values that are added or replaced are dropped, as the RFC's
 * MergePatch pseudo-code does. Inputs are never mutated.
 */
import { cloneJson, isObject, type JsonObject } from './json-value.js';

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return cloneJson(patch);
  const result: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete result[key];
    } else {
      result[key] = applyMergePatch(result[key], value);
    }
  }
  // Untouched keys still share structure with the target; copy them so callers may edit the result.
  for (const key of Object.keys(result)) {
    if (!Object.prototype.hasOwnProperty.call(patch, key)) result[key] = cloneJson(result[key]);
  }
  return result;
}
