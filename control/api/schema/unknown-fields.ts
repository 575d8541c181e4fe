/**
 * Unknown fields of built-in objects: what kube-apiserver's strict JSON decoding reports and what
 * its Go types silently drop.
 *
 * kube-apiserver decodes every request body into a Go struct. A key the struct has no field for
 * cannot be stored: it is dropped (pruned), and with `fieldValidation=Strict|Warn` it is reported
 * as `unknown field "<path>"` (sigs.k8s.io/json UnmarshalStrict). This module does the same walk
 * over plain JSON against the field tables generated from the Kubernetes OpenAPI models
 * (fields.generated.ts):
 *
 * - objects with a schema keep only the fields the schema names; maps (labels, annotations, data,
 *   nodeSelector, resource lists, …) accept any key; leaves (strings, numbers, IntOrString,
 *   Quantity, times, `any`/RawExtension) are never looked into;
 * - a value whose shape does not match its schema (a string where an object belongs) is left
 *   alone: that is a type error for validation, not an unknown field;
 * - paths are printed as sigs.k8s.io/json prints them: `spec.template.spec.containers[0].imagePullPolicyy`,
 *   map keys joined with dots (`spec.overhead.cpu`), in document order, at most 100 (its cap).
 *
 * Copy on write: the input is never mutated, and an object without unknown fields is returned
 * as the same reference, so the common case allocates nothing but the (empty) result.
 */
import { FIELD_TYPES, KIND_TYPES } from './fields.generated.js';

/** A step of a path: a field name or map key, or a list index. */
export type PathStep = string | number;

export interface UnknownField {
  /** `spec.template.spec.containers[0].imagePullPolicyy` */
  path: string;
  steps: readonly PathStep[];
}

export interface PruneResult<T> {
  object: T;
  /** in document order; at most MAX_REPORTED */
  unknown: UnknownField[];
}

/** sigs.k8s.io/json stops collecting strict errors after 100. */
export const MAX_REPORTED = 100;

type TypeRef =
  | { kind: 'leaf' }
  | { kind: 'object'; name: string }
  | { kind: 'list'; of: TypeRef }
  | { kind: 'map'; of: TypeRef };

const LEAF: TypeRef = { kind: 'leaf' };

/** The root type of a kind (`apps/v1`, `Deployment` → `V1Deployment`), or undefined when it has no schema. */
export function schemaTypeFor(apiVersion: string, kind: string): string | undefined {
  return KIND_TYPES[`${apiVersion}/${kind}`];
}

/** type → JSON field name → type reference, in fields.generated.ts's notation. */
export type FieldTables = Readonly<Record<string, Readonly<Record<string, string>>>>;

/**
 * Drops every field `typeName`'s schema does not know from `value` (copy on write) and lists
 * where they were. An unknown type name prunes nothing. `tables` defaults to the generated ones.
 */
export function pruneUnknownFields<T>(typeName: string, value: T, tables: FieldTables = FIELD_TYPES): PruneResult<T> {
  const walk = new Walk(compiledTables(tables));
  const object = walk.value(value, { kind: 'object', name: typeName }) as T;
  return { object, unknown: walk.unknown };
}

class Walk {
  readonly unknown: UnknownField[] = [];
  private readonly steps: PathStep[] = [];

  constructor(private readonly types: CompiledTables) {}

  value(value: unknown, ref: TypeRef): unknown {
    switch (ref.kind) {
      case 'leaf': return value;
      case 'object': return isPlainObject(value) ? this.object(value, ref.name) : value;
      case 'list': return Array.isArray(value) ? this.list(value, ref.of) : value;
      case 'map': return isPlainObject(value) ? this.map(value, ref.of) : value;
    }
  }

  private object(obj: Record<string, unknown>, typeName: string): Record<string, unknown> {
    const fields = this.types.get(typeName);
    if (!fields) return obj;
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(obj)) {
      const ref = fields.get(key);
      this.steps.push(key);
      if (!ref) {
        this.report();
        out ??= copyUpTo(obj, key);
      } else {
        const child = obj[key];
        const next = this.value(child, ref);
        if (next !== child) out ??= copyUpTo(obj, key);
        if (out) setKey(out, key, next);
      }
      this.steps.pop();
    }
    return out ?? obj;
  }

  private map(obj: Record<string, unknown>, of: TypeRef): Record<string, unknown> {
    if (of.kind === 'leaf') return obj;
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(obj)) {
      this.steps.push(key);
      const child = obj[key];
      const next = this.value(child, of);
      if (next !== child) out ??= copyUpTo(obj, key);
      if (out) setKey(out, key, next);
      this.steps.pop();
    }
    return out ?? obj;
  }

  private list(items: unknown[], of: TypeRef): unknown[] {
    if (of.kind === 'leaf') return items;
    let out: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
      this.steps.push(i);
      const next = this.value(items[i], of);
      if (next !== items[i]) out ??= items.slice(0, i);
      if (out) out.push(next);
      this.steps.pop();
    }
    return out ?? items;
  }

  private report(): void {
    if (this.unknown.length >= MAX_REPORTED) return;
    const steps = [...this.steps];
    this.unknown.push({ path: formatPath(steps), steps });
  }
}

/** sigs.k8s.io/json's strict field path: keys joined with `.`, list indexes as `[i]`. */
export function formatPath(steps: readonly PathStep[]): string {
  let out = '';
  for (const step of steps) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += out ? `.${step}` : step;
  }
  return out;
}

/** A shallow copy of `obj` holding the keys before `stopAt` (the walk adds the rest itself). */
function copyUpTo(obj: Record<string, unknown>, stopAt: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj)) {
    if (key === stopAt) break;
    setKey(out, key, obj[key]);
  }
  return out;
}

/** Assignment that keeps a `__proto__` key (JSON.parse makes it an own property) an own property. */
function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type CompiledTables = ReadonlyMap<string, ReadonlyMap<string, TypeRef>>;

// Field tables are constant data: each is compiled once, on first use, into maps of parsed refs.
const compiled = new WeakMap<FieldTables, CompiledTables>();

function compiledTables(tables: FieldTables): CompiledTables {
  let types = compiled.get(tables);
  if (!types) {
    const parseRef = (ref: string): TypeRef => {
      if (ref.startsWith('[]')) return { kind: 'list', of: parseRef(ref.slice(2)) };
      if (ref.startsWith('{}')) return { kind: 'map', of: parseRef(ref.slice(2)) };
      return tables[ref] ? { kind: 'object', name: ref } : LEAF;
    };
    types = new Map(Object.entries(tables).map(([name, fields]) => [
      name, new Map(Object.entries(fields).map(([field, ref]) => [field, parseRef(ref)])),
    ]));
    compiled.set(tables, types);
  }
  return types;
}
