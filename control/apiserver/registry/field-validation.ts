/**
 * Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`, KEP-2885) and pruning of
 * unknown fields, as kube-apiserver does them for built-in types:
 *
 * - every object written to a kind that has a schema loses the fields its schema does not know
 *   (a Go struct cannot hold them), whatever the directive;
 * - Strict: a create or update whose body has unknown fields fails with 400
 *   `Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"`;
 *   a JSON / merge / strategic merge patch whose result has them fails with 422
 *   `patch: Invalid value: "…": strict decoding error: …` (upstream's patch.go);
 * - Warn (the default when the parameter is absent): the write succeeds and each dropped field is
 *   a `Warning: 299 - "unknown field \"spec.replica\""` response header (kubectl prints
 *   `Warning: unknown field "spec.replica"`); Ignore: dropped silently;
 * - server-side apply rejects unknown fields in the applied configuration whatever the
 *   directive, with structured-merge-diff's message (`failed to create typed patch object
 *   (ns/name; apps/v1, Kind=Deployment): .spec.replica: field not declared in schema`). Upstream
 *   answers that with a 500 (kubernetes#122480); we answer 400, what its fix proposes.
 *
 * Fields already stored before this server pruned writes are dropped silently on the next update
 * instead of failing it: kube-apiserver never sees them (it drops them when it reads from etcd).
 * Kinds without a schema (Gateway API) are left as they are, like CRDs that preserve unknown fields.
 */
import { ApiError, errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { groupVersion } from '../../api/resources.js';
import { pruneUnknownFields, schemaTypeFor, type UnknownField } from '../../api/schema/unknown-fields.js';
import { fieldRulesFor, renderTypedPath } from '../../api/patch/index.js';

export type FieldValidationDirective = 'Strict' | 'Warn' | 'Ignore';

export interface FieldValidation {
  directive: FieldValidationDirective;
  /** records a response warning (the caller dedups and sends them as Warning headers) */
  warn(text: string): void;
}

/** Where the object being written came from, which decides how a Strict failure is reported. */
export type WriteOrigin =
  | { kind: 'body' }
  | { kind: 'patch'; type: 'json' | 'merge' | 'strategic' | 'apply'; patch: unknown };

const DIRECTIVES: readonly string[] = ['Ignore', 'Strict', 'Warn'];
const OPTIONS_KIND: Record<string, string> = { create: 'CreateOptions', update: 'UpdateOptions', patch: 'PatchOptions' };

/**
 * The directive of a create/update/patch request; an unsupported value is the 422 kube-apiserver
 * gives for invalid CreateOptions/UpdateOptions/PatchOptions.
 */
export function parseFieldValidation(query: URLSearchParams, verb: string): FieldValidationDirective {
  const value = query.get('fieldValidation') ?? '';
  if (value === '') return 'Warn';
  if (DIRECTIVES.includes(value)) return value as FieldValidationDirective;
  const supported = ['', ...DIRECTIVES].map((v) => JSON.stringify(v)).join(', ');
  throw errors.invalid(OPTIONS_KIND[verb] ?? 'CreateOptions', 'meta.k8s.io', '', [
    { reason: 'FieldValueNotSupported', field: 'fieldValidation', message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported}` },
  ]);
}

/**
 * Prunes `obj` (copy on write) and applies the directive to what was pruned. `previous` is the
 * stored object an update starts from: fields it already held unknown are not the writer's doing.
 * Without a FieldValidation (writes from inside the server) unknown fields are dropped silently.
 */
export function enforceFieldValidation(
  info: ResourceInfo, obj: KubeObject, validation: FieldValidation | undefined, origin: WriteOrigin, previous?: KubeObject,
): KubeObject {
  const type = schemaTypeFor(groupVersion(info), info.kind);
  if (!type) return obj;
  const { object, unknown } = pruneUnknownFields(type, obj);
  if (!unknown.length) return object;
  const reported = previous ? newlyUnknown(type, unknown, previous) : unknown;
  if (!reported.length || !validation || validation.directive === 'Ignore') return object;
  if (validation.directive === 'Warn') {
    for (const u of reported) validation.warn(unknownFieldText(u));
    return object;
  }
  throw origin.kind === 'patch' ? strictPatchError(origin, obj, reported) : strictDecodingError(info, reported);
}

/**
 * Server-side apply: unknown fields in the applied configuration always fail the request
 * (structured-merge-diff cannot type it), whatever the directive.
 */
export function rejectUnknownApplyFields(info: ResourceInfo, applied: KubeObject): void {
  const type = schemaTypeFor(groupVersion(info), info.kind);
  if (!type) return;
  const { unknown } = pruneUnknownFields(type, applied);
  if (!unknown.length) return;
  const rules = fieldRulesFor({ group: info.group, kind: info.kind });
  const problems = unknown.map((u) => `${renderTypedPath(applied, u.steps, rules)}: field not declared in schema`);
  // structured-merge-diff's ValidationErrors: one error inline, several as an indented list
  const detail = problems.length === 1 ? problems[0]! : ['errors:', ...problems.map((p) => `  ${p}`)].join('\n');
  const who = `${applied.metadata.namespace ?? ''}/${applied.metadata.name ?? ''}; ${info.group}/${info.version}, Kind=${info.kind}`;
  throw errors.badRequest(`failed to create typed patch object (${who}): ${detail}`);
}

function newlyUnknown(type: string, unknown: UnknownField[], previous: KubeObject): UnknownField[] {
  const before = new Set(pruneUnknownFields(type, previous).unknown.map((u) => u.path));
  return before.size ? unknown.filter((u) => !before.has(u.path)) : unknown;
}

/** `unknown field "spec.replica"` (sigs.k8s.io/json's strict error, also the warning text). */
export function unknownFieldText(u: UnknownField): string {
  return `unknown field ${JSON.stringify(u.path)}`;
}

/** runtime.NewStrictDecodingError: `strict decoding error: unknown field "a", unknown field "b"` */
export function strictDecodingMessage(unknown: readonly UnknownField[]): string {
  return `strict decoding error: ${unknown.map(unknownFieldText).join(', ')}`;
}

/** create.go/update.go transformDecodeError: 400 naming the kind and version. */
function strictDecodingError(info: ResourceInfo, unknown: readonly UnknownField[]): ApiError {
  return errors.badRequest(`${info.kind} in version ${JSON.stringify(info.version)} cannot be handled as a ${info.kind}: ${strictDecodingMessage(unknown)}`);
}

/**
 * patch.go: `errors.NewInvalid(schema.GroupKind{}, "", field.Invalid(field.NewPath("patch"), value, …))`
 * where value is the patch map printed by Go's %+v for strategic merge patches and the patched
 * object's JSON for JSON and merge patches. kubectl prints it as `The request is invalid: patch: …`.
 */
function strictPatchError(origin: Extract<WriteOrigin, { kind: 'patch' }>, patched: KubeObject, unknown: readonly UnknownField[]): ApiError {
  const value = origin.type === 'strategic' ? goValueString(origin.patch) : sortedJson(patched);
  return errors.invalid('', '', '', [
    { reason: 'FieldValueInvalid', field: 'patch', message: `Invalid value: ${JSON.stringify(value)}: ${strictDecodingMessage(unknown)}` },
  ]);
}

/** Go's `fmt.Sprintf("%+v", v)` of a decoded JSON value: `map[spec:map[replica:2]]`, keys sorted. */
export function goValueString(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return `[${v.map(goValueString).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goValueString(o[k])}`).join(' ')}]`;
  }
  return String(v);
}

/** encoding/json of a map[string]interface{}: keys sorted at every level. */
function sortedJson(v: unknown): string {
  return JSON.stringify(v, (_key, value: unknown) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
    const o = value as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
  });
}
