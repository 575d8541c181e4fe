/**
 * Query-name parsing as pure functions (CoreDNS plugin/kubernetes parse.go): a lowercased name
 * without the trailing dot in, a description of what it asks for out. No lookups here.
 *
 * Shapes under `<zone>` (Kubernetes DNS spec 1.1.0):
 *   <zone>                                  apex (SOA, NS)
 *   dns-version.<zone>                      schema version TXT
 *   svc.<zone>                              empty non-terminal
 *   <ns>.svc.<zone>                         namespace (empty non-terminal when it has services)
 *   <svc>.<ns>.svc.<zone>                   service
 *   <endpoint>.<svc>.<ns>.svc.<zone>        headless endpoint (hostname)
 *   _<port>._<proto>.<svc>.<ns>.svc.<zone>  SRV for a named port
 * Anything else inside the zone is `invalid` (NXDOMAIN); pod records (`pod.<zone>`) were dropped
 * from the spec in 1.1.0 and are not served.
 */
import { isIP } from 'node:net';

export type ClusterName =
  | { kind: 'apex' }
  | { kind: 'dns-version' }
  | { kind: 'svc-root' }
  | { kind: 'namespace'; namespace: string }
  | { kind: 'service'; namespace: string; service: string }
  | { kind: 'endpoint'; namespace: string; service: string; endpoint: string }
  | { kind: 'port'; namespace: string; service: string; port: string; protocol: string }
  | { kind: 'invalid' };

/** Lowercase and drop a trailing dot: the form every function here expects. */
export function normalizeName(name: string): string {
  const n = name.toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

export function inZone(name: string, zone: string): boolean {
  return name === zone || (name.length > zone.length && name.endsWith(zone) && name[name.length - zone.length - 1] === '.');
}

/** What `name` asks for inside `zone`; undefined when the name is outside the zone. */
export function parseClusterName(name: string, zone: string): ClusterName | undefined {
  if (!inZone(name, zone)) return undefined;
  if (name === zone) return { kind: 'apex' };
  const labels = name.slice(0, name.length - zone.length - 1).split('.');
  if (labels.length === 1 && labels[0] === 'dns-version') return { kind: 'dns-version' };
  if (labels[labels.length - 1] !== 'svc') return { kind: 'invalid' };
  // labels, right to left: svc, <ns>, <svc>, then <endpoint> or _<proto> _<port>
  const n = labels.length;
  if (n === 1) return { kind: 'svc-root' };
  const namespace = labels[n - 2]!;
  if (n === 2) return { kind: 'namespace', namespace };
  const service = labels[n - 3]!;
  if (n === 3) return { kind: 'service', namespace, service };
  if (n === 4) return { kind: 'endpoint', namespace, service, endpoint: labels[0]! };
  if (n === 5 && labels[0]!.startsWith('_') && labels[1]!.startsWith('_') && labels[0]!.length > 1 && labels[1]!.length > 1) {
    return { kind: 'port', namespace, service, port: labels[0]!.slice(1), protocol: labels[1]!.slice(1) };
  }
  return { kind: 'invalid' };
}

/**
 * For `<prefix>.<ns>.svc.<zone>` (prefix non-empty): the namespace and prefix, i.e. what a pod
 * in <ns> produced by appending its first search domain (autopath).
 */
export function splitSearchName(name: string, zone: string): { namespace: string; prefix: string } | undefined {
  if (!inZone(name, zone) || name === zone) return undefined;
  const labels = name.slice(0, name.length - zone.length - 1).split('.');
  if (labels.length < 3 || labels[labels.length - 1] !== 'svc') return undefined;
  return { namespace: labels[labels.length - 2]!, prefix: labels.slice(0, -2).join('.') };
}

/** The IP a full reverse name stands for (`4.3.2.1.in-addr.arpa`, 32 nibbles `.ip6.arpa`). */
export function parseReverseName(name: string): string | undefined {
  if (name.endsWith('.in-addr.arpa')) {
    const parts = name.slice(0, -'.in-addr.arpa'.length).split('.');
    if (parts.length !== 4) return undefined;
    for (const p of parts) if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    return parts.reverse().join('.');
  }
  if (name.endsWith('.ip6.arpa')) {
    const nibbles = name.slice(0, -'.ip6.arpa'.length).split('.');
    if (nibbles.length !== 32) return undefined;
    for (const x of nibbles) if (!/^[0-9a-f]$/.test(x)) return undefined;
    const hex = nibbles.reverse().join('');
    const groups: string[] = [];
    for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
    return normalizeIp(groups.join(':'));
  }
  return undefined;
}

/** The reverse name of an IP (IPv6 written out in full, as the spec asks). */
export function reverseName(ip: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`;
  const bytes = ipv6Bytes(ip);
  const nibbles: string[] = [];
  for (const b of bytes) nibbles.push((b >> 4).toString(16), (b & 15).toString(16));
  return `${nibbles.reverse().join('.')}.ip6.arpa`;
}

/** Canonical text of an IP (RFC 5952 for IPv6) so that index keys compare equal. */
export function normalizeIp(ip: string): string {
  const family = isIP(ip);
  if (family === 4) return ip.split('.').map((p) => String(Number(p))).join('.');
  if (family !== 6) return ip;
  const bytes = ipv6Bytes(ip);
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

function ipv6Bytes(ip: string): number[] {
  let text = ip;
  const out: number[] = [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    text = text.slice(0, -v4[1]!.length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') as [string, string] : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  for (const g of groups) {
    const n = parseInt(g || '0', 16);
    out.push((n >> 8) & 255, n & 255);
  }
  return out;
}

/** CoreDNS's "system-chosen unique id" for an endpoint without a hostname: the dashed IP. */
export function dashedIp(ip: string): string {
  return normalizeIp(ip).replace(/[.:]/g, '-');
}
