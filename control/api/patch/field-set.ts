/**
 * A set of field paths, the unit of server-side-apply ownership, and its FieldsV1 encoding.
 *
 * FieldsV1 is a tree whose keys name path elements: `f:<field>`, `k:<json of the list-map keys>`
 * (keyed list element), `v:<json>` (element of a set list), `i:<index>`; `{}` marks a leaf and
 * `".": {}` marks an inner node that is itself a member (e.g. a list element that also has
 * owned children). A FieldSet mirrors that tree; set operations return new sets.
 */
import { isObject } from './json-value.js';

export class FieldSet {
  member = false;
  readonly children = new Map<string, FieldSet>();

  static fromFieldsV1(fields: unknown): FieldSet {
    const set = parseNode(fields);
    set.member = false; // the root is the object itself, never a member
    return set;
  }

  /** The FieldsV1 object for this set (the root itself is never a member). */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.member && this.children.size > 0) out['.'] = {};
    for (const key of [...this.children.keys()].sort(compareElementKeys)) {
      const child = this.children.get(key)!;
      if (!child.isEmpty()) out[key] = child.toFieldsV1();
    }
    return out;
  }

  /** The node at `path`, created on the way when `create` is set. */
  node(path: readonly string[], create: true): FieldSet;
  node(path: readonly string[], create?: false): FieldSet | undefined;
  node(path: readonly string[], create = false): FieldSet | undefined {
    let node: FieldSet = this;
    for (const key of path) {
      let next = node.children.get(key);
      if (!next) {
        if (!create) return undefined;
        next = new FieldSet();
        node.children.set(key, next);
      }
      node = next;
    }
    return node;
  }

  insert(path: readonly string[]): void {
    this.node(path, true).member = true;
  }

  has(path: readonly string[]): boolean {
    return this.node(path)?.member ?? false;
  }

  /** True when no member is at or below this node. */
  isEmpty(): boolean {
    if (this.member) return false;
    for (const child of this.children.values()) if (!child.isEmpty()) return false;
    return true;
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    out.member ||= other.member;
    for (const [key, child] of other.children) {
      const mine = out.children.get(key);
      out.children.set(key, mine ? mine.union(child) : child.copy());
    }
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !other.member;
    for (const [key, child] of this.children) {
      const theirs = other.children.get(key);
      const rest = theirs ? child.difference(theirs) : child.copy();
      if (!rest.isEmpty()) out.children.set(key, rest);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && other.member;
    for (const [key, child] of this.children) {
      const theirs = other.children.get(key);
      if (!theirs) continue;
      const both = child.intersection(theirs);
      if (!both.isEmpty()) out.children.set(key, both);
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /** Every member path, depth first in encoding order. */
  members(prefix: string[] = []): string[][] {
    const out: string[][] = [];
    if (this.member && prefix.length > 0) out.push(prefix);
    for (const key of [...this.children.keys()].sort(compareElementKeys)) {
      out.push(...this.children.get(key)!.members([...prefix, key]));
    }
    return out;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    for (const [key, child] of this.children) out.children.set(key, child.copy());
    return out;
  }
}

function parseNode(fields: unknown): FieldSet {
  const set = new FieldSet();
  if (!isObject(fields)) return set;
  for (const [key, value] of Object.entries(fields)) {
    if (key === '.') set.member = true;
    else set.children.set(key, parseNode(value));
  }
  if (set.children.size === 0) set.member = true; // `{}` is a leaf
  return set;
}

/** structured-merge-diff orders path elements: fields, then keys, then values, then indexes. */
function compareElementKeys(a: string, b: string): number {
  const rank = (k: string) => ['f', 'k', 'v', 'i'].indexOf(k[0] ?? '');
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  if (a[0] === 'i' && b[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Renders a path the way kube-apiserver prints it in conflict messages (fieldpath.Path.String):
 * `.spec.template.spec.containers[name="nginx"].image`, `[containerPort=80,protocol="TCP"]`,
 * `[="finalizer"]`, `[0]`.
 */
export function renderFieldPath(path: readonly string[]): string {
  return path.map((key) => {
    const body = key.slice(2);
    switch (key.slice(0, 2)) {
      case 'f:': return `.${body}`;
      case 'k:': {
        const fields = parseJson(body);
        if (!isObject(fields)) return `[${body}]`;
        return `[${Object.keys(fields).sort().map((k) => `${k}=${JSON.stringify(fields[k])}`).join(',')}]`;
      }
      case 'v:': return `[=${body}]`;
      case 'i:': return `[${body}]`;
      default: return `.${key}`;
    }
  }).join('');
}

/** The member paths of a FieldsV1 value, rendered like kube-apiserver renders them. */
export function fieldPathsOf(fieldsV1: unknown): string[] {
  return FieldSet.fromFieldsV1(fieldsV1).members().map(renderFieldPath);
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
