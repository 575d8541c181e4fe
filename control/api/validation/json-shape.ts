/**
 * Narrowing helpers for loosely typed API bodies. Objects arrive as parsed JSON; defaulting and
 * validation must not crash on a wrong shape (a string where an object belongs), so every read
 * goes through these guards.
 */
export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The record at `v`, or undefined when absent or not an object. */
export function rec(v: unknown): JsonRecord | undefined {
  return isRecord(v) ? v : undefined;
}

/** The array at `v`, or []. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The object items of the array at `v`. */
export function records(v: unknown): JsonRecord[] {
  return arr(v).filter(isRecord);
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** parent[key] as a record, created (replacing a non-object) when missing. */
export function ensureRecord(parent: JsonRecord, key: string): JsonRecord {
  const cur = parent[key];
  if (isRecord(cur)) return cur;
  const created: JsonRecord = {};
  parent[key] = created;
  return created;
}

/** Sets parent[key] = value only when the field is absent (undefined or null). */
export function setDefault(parent: JsonRecord, key: string, value: unknown): void {
  if (parent[key] === undefined || parent[key] === null) parent[key] = value;
}

/** Sets parent[key] = value when the field is absent or the empty string (Go's "" zero value). */
export function setDefaultString(parent: JsonRecord, key: string, value: string): void {
  if (parent[key] === undefined || parent[key] === null || parent[key] === '') parent[key] = value;
}

/** Structural equality for JSON values: key order and undefined-vs-missing do not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === undefined || a === null || b === undefined || b === null) return (a ?? null) === (b ?? null);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) if (!jsonEqual(a[k], b[k])) return false;
    return true;
  }
  return false;
}
