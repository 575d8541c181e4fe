/**
 * Field selectors (k8s.io/apimachinery/pkg/fields): `a=b`, `a==b`, `a!=b`, comma = AND, with
 * backslash escapes (`\,` `\=` `\\`) in values. Parsing is bound to a resource because each
 * resource accepts only its own field labels (`field label not supported: x` otherwise).
 */
import { errors } from '../errors.js';
import type { KubeObject } from '../object.js';
import type { ResourceInfo } from '../resources.js';
import { isSelectableField, readSelectableField } from './selectable-fields.js';

export interface FieldRequirement {
  field: string;
  operator: 'Equals' | 'DoubleEquals' | 'NotEquals';
  value: string;
}

export interface FieldSelector {
  resource: Pick<ResourceInfo, 'group' | 'resource'>;
  requirements: FieldRequirement[];
}

/** Splits on unescaped commas, keeping escapes for the term parser. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let start = 0;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (escaped) { escaped = false; continue; }
    if (ch === '\\') { escaped = true; continue; }
    if (ch === ',') { terms.push(text.slice(start, i)); start = i + 1; }
  }
  terms.push(text.slice(start));
  return terms;
}

const OPERATORS: Array<[string, FieldRequirement['operator']]> = [['!=', 'NotEquals'], ['==', 'DoubleEquals'], ['=', 'Equals']];

/** The first operator from the left wins (kube's splitTerm), ignoring escaped characters. */
function splitTerm(term: string): { lhs: string; op: FieldRequirement['operator']; rhs: string } | undefined {
  let escaped = false;
  for (let i = 0; i < term.length; i++) {
    if (escaped) { escaped = false; continue; }
    if (term[i] === '\\') { escaped = true; continue; }
    for (const [sym, op] of OPERATORS) {
      if (term.startsWith(sym, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + sym.length) };
    }
  }
  return undefined;
}

function unescapeValue(value: string, selector: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch !== '\\') { out += ch; continue; }
    const nextCh = value[i + 1];
    if (nextCh === '\\' || nextCh === ',' || nextCh === '=') { out += nextCh; i++; continue; }
    throw errors.badRequest(`invalid field selector: '${selector}': invalid escape sequence`);
  }
  return out;
}

/**
 * Parses `?fieldSelector=` text for `info`'s resource. Empty text selects everything. Throws
 * ApiError 400 on syntax errors and on fields the resource does not support.
 */
export function parseFieldSelector(text: string, info: Pick<ResourceInfo, 'group' | 'resource'>): FieldSelector {
  const requirements: FieldRequirement[] = [];
  for (const term of splitTerms(text)) {
    if (term.trim() === '') continue;
    const parts = splitTerm(term);
    if (!parts) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = parts.lhs.trim();
    if (!isSelectableField(info, field)) throw errors.badRequest(`field label not supported: ${field}`);
    requirements.push({ field, operator: parts.op, value: unescapeValue(parts.rhs, text) });
  }
  return { resource: { group: info.group, resource: info.resource }, requirements };
}

/** True when the object satisfies every requirement. */
export function matchesFields(sel: FieldSelector, obj: KubeObject): boolean {
  return sel.requirements.every((r) => {
    const actual = readSelectableField(sel.resource, obj, r.field);
    return r.operator === 'NotEquals' ? actual !== r.value : actual === r.value;
  });
}

/** `metadata.name=x` as the only requirement: lets callers turn a single-object watch into a key lookup. */
export function exactNameFromFieldSelector(sel: FieldSelector): string | undefined {
  const only = sel.requirements.length === 1 ? sel.requirements[0]! : undefined;
  return only && only.field === 'metadata.name' && only.operator !== 'NotEquals' ? only.value : undefined;
}

function escapeValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/=/g, '\\=');
}

/** The canonical string (requirements in the given order, values escaped). */
export function fieldSelectorToString(sel: FieldSelector): string {
  return sel.requirements
    .map((r) => `${r.field}${r.operator === 'NotEquals' ? '!=' : r.operator === 'DoubleEquals' ? '==' : '='}${escapeValue(r.value)}`)
    .join(',');
}
