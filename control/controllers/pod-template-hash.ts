/**
 * Pod template identity for Deployments (and DaemonSet revisions): the `pod-template-hash`
 * label and semantic template equality.
 *
 * Upstream hashes the template with FNV-32a over a deterministic dump of the Go struct and renders
 * the 32-bit sum's decimal digits with `rand.SafeEncodeString` (the alphabet without vowels and
 * look-alikes, so a hash never spells a word). We hash a canonical JSON form instead of a spew
 * dump, so the values differ from upstream's, but the shape (`web-6d4f8c5b9x`) and the
 * guarantees are the same:
 *
 * - Equal templates hash equally, where "equal" is SEMANTIC (pitfall P11 in the notes): the
 *   template `kubectl rollout undo` writes back carries `metadata.creationTimestamp: null` and
 *   `resources: {}`, possibly without fields the server defaults; those must compare equal to the
 *   stored ReplicaSet's template so the old ReplicaSet is re-activated instead of a new one
 *   created. The canonical form therefore applies the pod-spec defaults, drops nulls and empty
 *   maps/lists (Go's semantic DeepEqual treats nil and empty alike) and ignores the
 *   `pod-template-hash` label itself.
 * - A collision count (status.collisionCount) is mixed in, so a clash with a foreign ReplicaSet
 *   of the same name is resolved by bumping it, as upstream does.
 */
import { clone } from '../api/object.js';
import { defaultPodSpec } from '../api/defaults/pod-spec.js';
import type { PodTemplateSpec } from './workload-types.js';

export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';

/** k8s.io/apimachinery/pkg/util/rand: no vowels, no 0/1/3 (look like o/l/e). */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Keys whose empty object still means something (a pointer to an empty struct in Go). */
const PRESENCE_KEYS = new Set(['emptyDir']);

export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHABET[s.charCodeAt(i) % SAFE_ALPHABET.length];
  return out;
}

/** FNV-1a, 32 bit. */
export function fnv32a(data: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (const b of data) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function prune(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => prune(v)).filter((v) => v !== undefined);
    return items.length ? items : undefined;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = prune((value as Record<string, unknown>)[k], k);
      if (v !== undefined) out[k] = v;
    }
    if (Object.keys(out).length === 0 && !(key && PRESENCE_KEYS.has(key))) return undefined;
    return out;
  }
  if (value === null || value === undefined) return undefined;
  return value;
}

/**
 * The canonical form of a pod template: defaulted, without the hash label, without the fields the
 * server sets on read-back (creationTimestamp), nulls and empty maps/lists dropped, keys sorted.
 */
export function canonicalTemplate(template: PodTemplateSpec | undefined): unknown {
  const t = clone(template ?? {}) as PodTemplateSpec & Record<string, unknown>;
  const meta = (t.metadata ?? {}) as Record<string, unknown>;
  delete meta.creationTimestamp;
  const labels = meta.labels as Record<string, string> | undefined;
  if (labels) delete labels[POD_TEMPLATE_HASH_LABEL];
  t.metadata = meta;
  const spec = (t.spec ?? {}) as Record<string, unknown>;
  defaultPodSpec(spec);
  t.spec = spec as PodTemplateSpec['spec'];
  return prune(t) ?? {};
}

/** JSON with sorted keys (prune already sorts; this keeps the function safe on its own). */
function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** upstream controller.ComputeHash: the pod-template-hash label value for `template`. */
export function computeTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  const bytes = Buffer.from(stableStringify(canonicalTemplate(template)), 'utf8');
  let h = fnv32a(bytes);
  if (collisionCount !== undefined && collisionCount !== null) {
    const extra = Buffer.alloc(4);
    extra.writeUInt32LE(collisionCount >>> 0);
    h = fnv32a(extra, h);
  }
  return safeEncodeString(String(h));
}

/** upstream deploymentutil.EqualIgnoreHash, with semantic (defaults-aware) comparison. */
export function templatesEqualIgnoringHash(a: PodTemplateSpec | undefined, b: PodTemplateSpec | undefined): boolean {
  return stableStringify(canonicalTemplate(a)) === stableStringify(canonicalTemplate(b));
}
