/**
 * Building FieldErrors exactly as k8s.io/apimachinery/pkg/util/validation/field does, so that
 * kubectl prints what it prints against kube-apiserver: `Invalid value: -1: must be ...`,
 * `Required value`, `Unsupported value: "Bogus": supported values: "Always", ...`. Bad values are
 * rendered the way Go's fmt renders them (%q for strings, %v for numbers, %#v for maps).
 */
import type { FieldError } from '../errors.js';

/** A value whose Go rendering is already known (e.g. `v1.LabelSelector{...}`). */
export class GoRepr {
  constructor(readonly text: string) {}
}

/** Go's %q for the strings the API carries (JSON escaping is the same for printable text). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** `map[string]string{"a":"b", "c":"d"}` (keys sorted, as Go prints maps); nil when absent. */
export function goStringMap(m: Record<string, unknown> | null | undefined): GoRepr {
  if (m === null || m === undefined) return new GoRepr('map[string]string(nil)');
  const parts = Object.keys(m).sort().map((k) => `${goQuote(k)}:${goQuote(String(m[k]))}`);
  return new GoRepr(`map[string]string{${parts.join(', ')}}`);
}

export function goStringSlice(values: unknown[] | null | undefined): GoRepr {
  if (values === null || values === undefined) return new GoRepr('[]string(nil)');
  return new GoRepr(`[]string{${values.map((v) => goQuote(String(v))).join(', ')}}`);
}

interface SelectorLike {
  matchLabels?: Record<string, unknown> | null;
  matchExpressions?: Array<{ key?: unknown; operator?: unknown; values?: unknown[] | null }> | null;
}

/** How Go prints a *metav1.LabelSelector inside field errors. */
export function goLabelSelector(sel: SelectorLike | null | undefined): GoRepr {
  if (sel === null || sel === undefined) return new GoRepr('null');
  const exprs = sel.matchExpressions;
  let exprText: string;
  if (exprs === null || exprs === undefined) {
    exprText = '[]v1.LabelSelectorRequirement(nil)';
  } else {
    const items = exprs.map((e) => `v1.LabelSelectorRequirement{Key:${goQuote(String(e.key ?? ''))}, Operator:${goQuote(String(e.operator ?? ''))}, Values:${goStringSlice(e.values).text}}`);
    exprText = `[]v1.LabelSelectorRequirement{${items.join(', ')}}`;
  }
  return new GoRepr(`v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels).text}, MatchExpressions:${exprText}}`);
}

/** Renders a bad value the way field.Error does. */
export function goValue(v: unknown): string {
  if (v instanceof GoRepr) return v.text;
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return goStringSlice(v).text;
  if (typeof v === 'object' && Object.values(v as object).every((x) => typeof x === 'string')) {
    return goStringMap(v as Record<string, string>).text;
  }
  // Go would print the struct with %#v; JSON is the readable equivalent for everything else.
  return JSON.stringify(v);
}

function withDetail(head: string, detail?: string): string {
  return detail ? `${head}: ${detail}` : head;
}

export const fieldErrors = {
  invalid(field: string, value: unknown, detail: string): FieldError {
    return { field, reason: 'FieldValueInvalid', message: withDetail(`Invalid value: ${goValue(value)}`, detail) };
  },
  required(field: string, detail = ''): FieldError {
    return { field, reason: 'FieldValueRequired', message: withDetail('Required value', detail) };
  },
  notSupported(field: string, value: unknown, valid: readonly string[]): FieldError {
    const detail = valid.length ? `supported values: ${valid.map(goQuote).join(', ')}` : '';
    return { field, reason: 'FieldValueNotSupported', message: withDetail(`Unsupported value: ${goValue(value)}`, detail) };
  },
  duplicate(field: string, value: unknown): FieldError {
    return { field, reason: 'FieldValueDuplicate', message: `Duplicate value: ${goValue(value)}` };
  },
  forbidden(field: string, detail: string): FieldError {
    return { field, reason: 'FieldValueForbidden', message: withDetail('Forbidden', detail) };
  },
  tooLong(field: string, maxBytes: number): FieldError {
    return { field, reason: 'FieldValueTooLong', message: `Too long: must have at most ${maxBytes} bytes` };
  },
  notFound(field: string, value: unknown): FieldError {
    return { field, reason: 'FieldValueNotFound', message: `Not found: ${goValue(value)}` };
  },
};

/** field.Path helpers: child('spec','replicas'), index(p, 0) → p[0], key(p, 'cpu') → p[cpu]. */
export function child(path: string, ...names: string[]): string {
  return [path, ...names].filter((p) => p !== '').join('.');
}
export function index(path: string, i: number): string {
  return `${path}[${i}]`;
}
export function key(path: string, k: string): string {
  return `${path}[${k}]`;
}
