/**
 * Label selectors (k8s.io/apimachinery/pkg/labels): the query-string syntax of `?labelSelector=`
 * (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>3`, `a<3`, comma = AND),
 * the structured `{matchLabels, matchExpressions}` form of object specs, matching, and
 * printing back to the canonical string (what Scale `status.selector` and tables show).
 */
import { errors } from '../errors.js';
import { isQualifiedName, isValidLabelValue } from '../validation/names.js';

export type LabelOperator =
  | 'Equals' | 'DoubleEquals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'GreaterThan' | 'LessThan';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** A parsed selector: requirements are ANDed. `nothing` selects no object at all (a nil spec selector). */
export interface LabelSelector {
  requirements: LabelRequirement[];
  nothing?: boolean;
}

/** The API shape (metav1.LabelSelector). */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] | null }> | null;
}

export const EVERYTHING: LabelSelector = Object.freeze({ requirements: [] }) as LabelSelector;
export const NOTHING: LabelSelector = Object.freeze({ requirements: [], nothing: true }) as LabelSelector;

// ---------------------------------------------------------------------------------------------
// String syntax

type TokenKind = 'ident' | 'in' | 'notin' | '=' | '==' | '!=' | '!' | '>' | '<' | '(' | ')' | ',' | 'end';
interface Token { kind: TokenKind; text: string }

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i]!;
    if (/\s/.test(ch)) { i++; continue; }
    if (SPECIAL.has(ch)) {
      const two = input.slice(i, i + 2);
      if (two === '==' || two === '!=') { tokens.push({ kind: two, text: two }); i += 2; continue; }
      tokens.push({ kind: ch as TokenKind, text: ch });
      i++;
      continue;
    }
    let j = i;
    while (j < input.length && !SPECIAL.has(input[j]!) && !/\s/.test(input[j]!)) j++;
    const word = input.slice(i, j);
    tokens.push({ kind: word === 'in' ? 'in' : word === 'notin' ? 'notin' : 'ident', text: word });
    i = j;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

function describe(t: Token): string {
  return t.kind === 'end' ? 'end of string' : t.text;
}

function parseError(text: string, detail: string): never {
  throw errors.badRequest(`unable to parse requirement: ${detail} (in label selector "${text}")`);
}

/**
 * Parses `?labelSelector=` text. Empty text selects everything. Throws ApiError 400 naming the
 * problem (unexpected token, empty value set, invalid key or value).
 */
export function parseLabelSelector(text: string): LabelSelector {
  const tokens = lex(text);
  if (tokens.length === 1) return { requirements: [] };
  let pos = 0;
  const peek = () => tokens[pos]!;
  const next = () => tokens[pos++]!;
  const requirements: LabelRequirement[] = [];

  for (;;) {
    let negated = false;
    if (peek().kind === '!') { next(); negated = true; }
    const keyTok = next();
    if (keyTok.kind !== 'ident') parseError(text, `found '${describe(keyTok)}', expected: identifier`);
    const key = keyTok.text;
    let req: LabelRequirement;
    const op = peek();
    if (negated) {
      if (op.kind !== ',' && op.kind !== 'end') parseError(text, `found '${describe(op)}', expected: ',' or 'end of string'`);
      req = { key, operator: 'DoesNotExist', values: [] };
    } else if (op.kind === ',' || op.kind === 'end') {
      req = { key, operator: 'Exists', values: [] };
    } else if (op.kind === 'in' || op.kind === 'notin') {
      next();
      const open = next();
      if (open.kind !== '(') parseError(text, `found '${describe(open)}', expected: '('`);
      const values: string[] = [];
      for (;;) {
        const t = next();
        if (t.kind === 'ident' || t.kind === 'in' || t.kind === 'notin') {
          values.push(t.text);
          const sep = next();
          if (sep.kind === ')') break;
          if (sep.kind !== ',') parseError(text, `found '${describe(sep)}', expected: ',' or ')'`);
        } else if (t.kind === ')') {
          break;
        } else if (t.kind === ',') {
          values.push(''); // `in (a,,b)`: kube reads an empty value between commas
        } else {
          parseError(text, `found '${describe(t)}', expected: ',', ')' or identifier`);
        }
      }
      if (values.length === 0) parseError(text, `for 'in', 'notin' operators, values set can't be empty`);
      req = { key, operator: op.kind === 'in' ? 'In' : 'NotIn', values };
    } else if (op.kind === '=' || op.kind === '==' || op.kind === '!=' || op.kind === '>' || op.kind === '<') {
      next();
      let value = '';
      const v = peek();
      if (v.kind === 'ident' || v.kind === 'in' || v.kind === 'notin') { value = v.text; next(); }
      const operator: LabelOperator = op.kind === '=' ? 'Equals' : op.kind === '==' ? 'DoubleEquals' : op.kind === '!=' ? 'NotEquals'
        : op.kind === '>' ? 'GreaterThan' : 'LessThan';
      if ((operator === 'GreaterThan' || operator === 'LessThan') && !/^-?\d+$/.test(value)) {
        parseError(text, `for 'Gt', 'Lt' operators, the value must be an integer`);
      }
      req = { key, operator, values: [value] };
    } else {
      parseError(text, `found '${describe(op)}', expected: in, notin, =, ==, !=, gt, lt`);
    }
    checkRequirement(req, text);
    requirements.push(req);
    const sep = next();
    if (sep.kind === 'end') break;
    if (sep.kind !== ',') parseError(text, `found '${describe(sep)}', expected: ',' or 'end of string'`);
  }
  return { requirements: sortByKey(requirements) };
}

function checkRequirement(req: LabelRequirement, text: string): void {
  const keyErrs = isQualifiedName(req.key);
  if (keyErrs.length) parseError(text, `invalid label key "${req.key}": ${keyErrs.join('; ')}`);
  if (req.operator === 'GreaterThan' || req.operator === 'LessThan') return;
  for (const v of req.values) {
    const valErrs = isValidLabelValue(v);
    if (valErrs.length) parseError(text, `invalid label value "${v}" for key "${req.key}": ${valErrs.join('; ')}`);
  }
}

function sortByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return [...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Structured form

/**
 * metav1.LabelSelectorAsSelector: a missing (null/undefined) selector selects nothing, an empty
 * one everything. Throws ApiError 400 for an unknown operator or a bad values list.
 */
export function labelSelectorFromSpec(ls: LabelSelectorSpec | null | undefined): LabelSelector {
  if (ls === null || ls === undefined) return { requirements: [], nothing: true };
  const reqs: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(ls.matchLabels ?? {})) reqs.push({ key, operator: 'Equals', values: [String(value)] });
  for (const expr of ls.matchExpressions ?? []) {
    const values = expr.values ?? [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) throw errors.badRequest(`values: Invalid value: []string{}: for 'in', 'notin' operators, values set can't be empty`);
        reqs.push({ key: expr.key, operator: expr.operator, values: [...values] });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) throw errors.badRequest(`values: Invalid value: ${JSON.stringify(values)}: values set must be empty for exists and does not exist`);
        reqs.push({ key: expr.key, operator: expr.operator, values: [] });
        break;
      default:
        throw errors.badRequest(`"${expr.operator}" is not a valid label selector operator`);
    }
  }
  return { requirements: sortByKey(reqs) };
}

// ---------------------------------------------------------------------------------------------
// Matching and printing

function requirementMatches(r: LabelRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key]! : undefined;
  switch (r.operator) {
    case 'Equals':
    case 'DoubleEquals':
    case 'In':
      return has && r.values.includes(value!);
    case 'NotEquals':
    case 'NotIn':
      return !has || !r.values.includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'GreaterThan':
    case 'LessThan': {
      if (!has || !/^-?\d+$/.test(value!)) return false;
      const lv = Number(value);
      const rv = Number(r.values[0]);
      return r.operator === 'GreaterThan' ? lv > rv : lv < rv;
    }
  }
}

/** True when every requirement holds for `labels` (an empty selector matches everything). */
export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | null | undefined): boolean {
  if (sel.nothing) return false;
  const l = labels ?? {};
  return sel.requirements.every((r) => requirementMatches(r, l));
}

export function isEverything(sel: LabelSelector): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}

function requirementToString(r: LabelRequirement): string {
  switch (r.operator) {
    case 'Exists': return r.key;
    case 'DoesNotExist': return `!${r.key}`;
    case 'Equals': return `${r.key}=${r.values[0] ?? ''}`;
    case 'DoubleEquals': return `${r.key}==${r.values[0] ?? ''}`;
    case 'NotEquals': return `${r.key}!=${r.values[0] ?? ''}`;
    case 'GreaterThan': return `${r.key}>${r.values[0] ?? ''}`;
    case 'LessThan': return `${r.key}<${r.values[0] ?? ''}`;
    case 'In':
    case 'NotIn':
      return `${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${[...r.values].sort().join(',')})`;
  }
}

/** The canonical string of a parsed selector ('' for everything and for nothing, as kube prints). */
export function labelSelectorToString(sel: LabelSelector): string {
  return sel.requirements.map(requirementToString).join(',');
}

/**
 * The string form of an API selector, e.g. `app=web,tier in (a,b),!canary` — what kube puts in
 * Scale `status.selector`. A missing or empty selector gives ''. Throws like labelSelectorFromSpec.
 */
export function formatLabelSelector(spec: LabelSelectorSpec | null | undefined): string {
  return labelSelectorToString(labelSelectorFromSpec(spec));
}
