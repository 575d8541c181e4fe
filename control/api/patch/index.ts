/**
 * The API server's patch library: pure functions over plain JSON values (no I/O, inputs never
 * mutated). See README.md for the guarantees of each patch type.
 */
export { applyMergePatch } from './merge-patch.js';
export { applyJsonPatch, parsePointer } from './json-patch.js';
export { applyStrategicMergePatch } from './strategic-merge.js';
export { fieldRulesFor, hasStrategicMergeSchema, type FieldRule, type FieldRules, type GroupKind } from './merge-schema.js';
export {
  serverSideApply, recordUpdate, applyConflictError, conflictMessage,
  type ApplyConflict, type ServerSideApplyInput, type ServerSideApplyResult, type RecordUpdateInput,
} from './apply.js';
export { FieldSet, fieldPathsOf, renderFieldPath } from './field-set.js';
export { renderTypedPath } from './field-paths.js';
