/**
 * The two files the kubelet bind-mounts into every container of a pod:
 * - /etc/resolv.conf by dnsPolicy (upstream pkg/kubelet/network/dns): ClusterFirst → the cluster
 *   DNS with the `<ns>.svc.<domain> svc.<domain> <domain>` search path and ndots:5; Default →
 *   the node's resolv.conf; None → only spec.dnsConfig. dnsConfig is merged into the others
 *   (nameservers appended, max 3; searches appended, deduplicated; options override by name).
 * - /etc/hosts: localhost lines, the pod's IP with its hostname (FQDN first when a subdomain is
 *   set), then spec.hostAliases.
 */
import type { PodSpec } from './pod-types.js';

export interface ClusterDnsConfig {
  clusterDNS: string[];
  clusterDomain: string;
  /** the node's own /etc/resolv.conf text (dnsPolicy Default) */
  hostResolvConf: string;
}

interface ResolvConf {
  nameservers: string[];
  searches: string[];
  options: Array<{ name: string; value?: string }>;
}

const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search' || key === 'domain') out.searches = rest;
    else if (key === 'options') {
      for (const o of rest) {
        const [name, value] = o.split(':', 2);
        out.options.push(value === undefined ? { name: name! } : { name: name!, value });
      }
    }
  }
  return out;
}

function merge(base: ResolvConf, cfg: PodSpec['dnsConfig']): ResolvConf {
  if (!cfg) return base;
  const searches = [...base.searches];
  for (const s of cfg.searches ?? []) if (!searches.includes(s)) searches.push(s);
  const options = [...base.options];
  for (const o of cfg.options ?? []) {
    const i = options.findIndex((x) => x.name === o.name);
    if (i >= 0) options[i] = o;
    else options.push(o);
  }
  return { nameservers: [...base.nameservers, ...(cfg.nameservers ?? [])], searches, options };
}

export function resolvConf(spec: Pick<PodSpec, 'dnsPolicy' | 'dnsConfig' | 'hostNetwork'>, namespace: string, dns: ClusterDnsConfig): string {
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  const clusterFirst = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !spec.hostNetwork);
  let base: ResolvConf;
  if (policy === 'None') base = { nameservers: [], searches: [], options: [] };
  else if (clusterFirst && dns.clusterDNS.length) {
    const d = dns.clusterDomain;
    base = { nameservers: [...dns.clusterDNS], searches: [`${namespace}.svc.${d}`, `svc.${d}`, d], options: [{ name: 'ndots', value: '5' }] };
  } else base = parseResolvConf(dns.hostResolvConf);
  const r = merge(base, spec.dnsConfig);
  const lines = r.nameservers.slice(0, MAX_NAMESERVERS).map((n) => `nameserver ${n}`);
  if (r.searches.length) lines.push(`search ${r.searches.slice(0, MAX_SEARCHES).join(' ')}`);
  if (r.options.length) lines.push(`options ${r.options.map((o) => (o.value === undefined ? o.name : `${o.name}:${o.value}`)).join(' ')}`);
  return lines.join('\n') + '\n';
}

/** The pod's hostname: spec.hostname or the pod name, at most 63 characters, no trailing '-'/'.'. */
export function podHostname(podName: string, spec: Pick<PodSpec, 'hostname'>): string {
  const h = spec.hostname || podName;
  return h.length > 63 ? h.slice(0, 63).replace(/[-.]+$/, '') : h;
}

export function hostsFile(podName: string, namespace: string, podIP: string | undefined, spec: Pick<PodSpec, 'hostname' | 'subdomain' | 'hostAliases'>, clusterDomain: string): string {
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  const hostname = podHostname(podName, spec);
  if (podIP) {
    lines.push(spec.subdomain
      ? `${podIP}\t${hostname}.${spec.subdomain}.${namespace}.svc.${clusterDomain}\t${hostname}`
      : `${podIP}\t${hostname}`);
  }
  if (spec.hostAliases?.length) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of spec.hostAliases) lines.push(`${a.ip}\t${(a.hostnames ?? []).join('\t')}`);
  }
  return lines.join('\n') + '\n';
}
