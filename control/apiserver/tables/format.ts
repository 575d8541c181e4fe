/**
 * Cell formatting shared by the printers, ported from the Go helpers kube-apiserver's printers use
 * (k8s.io/apimachinery duration.HumanDuration, labels.FormatLabels, metav1.FormatLabelSelector,
 * pkg/printers/internalversion layoutContainerCells/listWithMoreString). Output must match
 * byte for byte: users compare `kubectl get` output with what they see on real clusters.
 */

/** duration.HumanDuration: `5s`, `3m2s`, `10m`, `2h5m`, `10h`, `3d4h`, `45d`, `2y10d`, `9y`. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  // Up to two seconds in the future is clock skew between machines, shown as "0s".
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    const d = Math.trunc(hours / 24);
    return h === 0 ? `${d}d` : `${d}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  const years = Math.trunc(hours / 24 / 365);
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    return dy === 0 ? `${years}y` : `${years}y${dy}d`;
  }
  return `${years}y`;
}

/** translateTimestampSince: the age of a timestamp, `<unknown>` when it is unset or unparsable. */
export function since(timestamp: string | undefined | null, now: Date): string {
  const t = parseTime(timestamp);
  return t === undefined ? '<unknown>' : humanDuration(now.getTime() - t);
}

export function parseTime(timestamp: string | undefined | null): number | undefined {
  if (!timestamp) return undefined;
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? undefined : t;
}

/** labels.FormatLabels: `k=v,k2=v2` sorted by key, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

export interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/**
 * LabelSelectorAsSelector(sel).String(): requirements sorted by key, set values sorted,
 * `''` for an empty or absent selector, undefined for an invalid one.
 */
export function labelSelectorString(selector: LabelSelector | undefined | null): string | undefined {
  if (!selector) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) reqs.push({ key, text: `${key}=${value}` });
  for (const expr of selector.matchExpressions ?? []) {
    const values = [...(expr.values ?? [])].sort();
    switch (expr.operator) {
      case 'In': reqs.push({ key: expr.key, text: `${expr.key} in (${values.join(',')})` }); break;
      case 'NotIn': reqs.push({ key: expr.key, text: `${expr.key} notin (${values.join(',')})` }); break;
      case 'Exists': reqs.push({ key: expr.key, text: expr.key }); break;
      case 'DoesNotExist': reqs.push({ key: expr.key, text: `!${expr.key}` }); break;
      default: return undefined;
    }
  }
  // Go sorts requirements with a stable sort by key only.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** metav1.FormatLabelSelector: like labelSelectorString but `<none>` when empty, `<error>` when invalid. */
export function formatLabelSelector(selector: LabelSelector | undefined | null): string {
  const s = labelSelectorString(selector);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

export interface ContainerLike {
  name?: string;
  image?: string;
}

/** layoutContainerCells: container names and images, each comma-joined. */
export function containerCells(containers: ContainerLike[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** listWithMoreString: the first `max` items, then `+ N more...`; `<unset>` when empty. */
export function listWithMore(items: string[], max = 3): string {
  if (items.length > max) return `${items.slice(0, max).join(',')} + ${items.length - max} more...`;
  return items.length === 0 ? '<unset>' : items.join(',');
}

/** The load-balancer status stringer: unique IPs (else hostnames), sorted, comma-joined. */
export function loadBalancerAddresses(ingress: { ip?: string; hostname?: string }[] | undefined): string {
  const set = new Set<string>();
  for (const i of ingress ?? []) {
    if (i.ip) set.add(i.ip);
    else if (i.hostname) set.add(i.hostname);
  }
  // Server-side printing is always "wide", so the 16-character clipping never applies.
  return [...set].sort().join(',');
}

/** The condition with `type`, if any (first match, as the Go helpers do). */
export function findCondition<C extends { type?: string }>(conditions: C[] | undefined, type: string): C | undefined {
  return (conditions ?? []).find((c) => c.type === type);
}
