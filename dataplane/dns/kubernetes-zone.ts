/**
 * The cluster zone as a pure function: (view of the cluster, question) → answer. Implements the
 * Kubernetes DNS-based service discovery specification, schema 1.1.0 (records 1-9 of the checklist
 * in shared/notes/dataplane-anchors.md §2a), with CoreDNS's choices where the spec leaves room:
 * TTL 5 s, SRV priority 0 with equal weights, dashed-IP endpoint names, an SOA under
 * `ns.dns.<zone>` in the authority section of NXDOMAIN/NODATA answers.
 *
 * Empty answers are NODATA (NOERROR + SOA) when the name exists with other types, NXDOMAIN when
 * it does not; a headless service with no ready endpoint does not exist (spec row 5).
 * `deps` lists what the answer read, for cache invalidation (see cluster-index.ts).
 */
import type { ClusterView } from './cluster-index.js';
import type { EndpointInfo, ServiceInfo } from './cluster-objects.js';
import { normalizeIp, parseClusterName } from './names.js';
import { rr, type ResourceRecord } from './records.js';
import { isIP } from 'node:net';
import { RCODE, TYPE } from './wire.js';

export const DNS_SCHEMA_VERSION = '1.1.0';

export interface ZoneConfig {
  zone: string;
  /** TTL of cluster records (CoreDNS default 5 s). */
  ttl: number;
  /** TTL and MINIMUM of the SOA that accompanies negative answers. */
  negativeTtl: number;
  serial: number;
}

export interface ZoneAnswer {
  rcode: number;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
  deps: string[];
  /** Set for an ExternalName service: the caller may chase the CNAME target. */
  cnameTarget?: string;
}

const wants = (qtype: number, type: number): boolean => qtype === type || qtype === TYPE.ANY;
const wantsAddress = (qtype: number, ip: string): boolean => wants(qtype, isIP(ip) === 6 ? TYPE.AAAA : TYPE.A);

/** Answers a question for a name inside `cfg.zone` (the caller checked that). */
export function answerZone(view: ClusterView, cfg: ZoneConfig, qname: string, qtype: number): ZoneAnswer {
  const parsed = parseClusterName(qname, cfg.zone)!;
  const z = new ZoneReply(cfg);
  switch (parsed.kind) {
    case 'apex':
      if (wants(qtype, TYPE.SOA)) z.answer(z.soa());
      if (wants(qtype, TYPE.NS)) z.answer(rr.ns(cfg.zone, cfg.ttl, `ns.dns.${cfg.zone}`));
      return z.done(RCODE.NOERROR);
    case 'dns-version':
      if (wants(qtype, TYPE.TXT)) z.answer(rr.txt(qname, cfg.ttl, DNS_SCHEMA_VERSION));
      return z.done(RCODE.NOERROR);
    case 'svc-root':
      return z.done(RCODE.NOERROR);
    case 'namespace':
      z.dep(`ns:${parsed.namespace}`);
      return z.done(view.namespaceExists(parsed.namespace) ? RCODE.NOERROR : RCODE.NXDOMAIN);
    case 'invalid':
      return z.done(RCODE.NXDOMAIN);
    default:
  }
  const { namespace, service } = parsed;
  z.dep(`svc:${namespace}/${service}`);
  const svc = view.service(namespace, service);
  if (!svc) return z.done(RCODE.NXDOMAIN);
  const svcName = `${service}.${namespace}.svc.${cfg.zone}`;

  if (svc.kind === 'external-name') {
    if (parsed.kind !== 'service' || !svc.externalName) return z.done(RCODE.NXDOMAIN);
    z.answer(rr.cname(qname, cfg.ttl, svc.externalName));
    return { ...z.done(RCODE.NOERROR), cnameTarget: svc.externalName };
  }

  const ready = svc.kind === 'headless' ? readyEndpoints(view, svc) : [];
  if (svc.kind === 'headless' && ready.length === 0) return z.done(RCODE.NXDOMAIN);

  if (parsed.kind === 'service') {
    if (svc.kind === 'cluster-ip') {
      for (const ip of svc.clusterIPs) if (wantsAddress(qtype, ip)) z.answer(rr.address(qname, cfg.ttl, ip));
      if (wants(qtype, TYPE.SRV)) z.srv(qname, svc.ports.map((p) => ({ port: p.port, target: svcName, ips: svc.clusterIPs })));
    } else {
      for (const ip of uniqueAddresses(ready)) if (wantsAddress(qtype, ip)) z.answer(rr.address(qname, cfg.ttl, ip));
      if (wants(qtype, TYPE.SRV)) {
        z.srv(qname, ready.flatMap((e) => e.ports.map((p) => ({ port: p.port, target: `${e.hostname}.${svcName}`, ips: e.addresses }))));
      }
    }
    return z.done(RCODE.NOERROR);
  }

  if (parsed.kind === 'endpoint') {
    if (svc.kind !== 'headless') return z.done(RCODE.NXDOMAIN);
    const matches = ready.filter((e) => e.hostname === parsed.endpoint);
    if (matches.length === 0) return z.done(RCODE.NXDOMAIN);
    for (const ip of uniqueAddresses(matches)) if (wantsAddress(qtype, ip)) z.answer(rr.address(qname, cfg.ttl, ip));
    return z.done(RCODE.NOERROR);
  }

  // _<port>._<proto>: named ports only (spec row 3); the port name must exist for the protocol.
  const matchPort = (p: { name: string; protocol: string }): boolean => p.name !== '' && p.name === parsed.port && p.protocol === parsed.protocol;
  const targets = svc.kind === 'cluster-ip'
    ? svc.ports.filter(matchPort).map((p) => ({ port: p.port, target: svcName, ips: svc.clusterIPs }))
    : ready.flatMap((e) => e.ports.filter(matchPort).map((p) => ({ port: p.port, target: `${e.hostname}.${svcName}`, ips: e.addresses })));
  if (targets.length === 0) return z.done(RCODE.NXDOMAIN);
  if (wants(qtype, TYPE.SRV)) z.srv(qname, targets);
  return z.done(RCODE.NOERROR);
}

/** PTR answer for an IP owned by the cluster; undefined when the cluster does not own it. */
export function answerReverse(view: ClusterView, cfg: ZoneConfig, qname: string, ip: string, qtype: number): ZoneAnswer | undefined {
  const owners = view.ipOwners(normalizeIp(ip));
  if (owners.length === 0) return undefined;
  const z = new ZoneReply(cfg);
  z.dep(`ip:${normalizeIp(ip)}`);
  if (wants(qtype, TYPE.PTR)) {
    const seen = new Set<string>();
    for (const o of owners) {
      const svcName = `${o.service.name}.${o.service.namespace}.svc.${cfg.zone}`;
      const target = o.hostname ? `${o.hostname}.${svcName}` : svcName;
      if (!seen.has(target)) z.answer(rr.ptr(qname, cfg.ttl, target));
      seen.add(target);
    }
  }
  return z.done(RCODE.NOERROR);
}

function readyEndpoints(view: ClusterView, svc: ServiceInfo): EndpointInfo[] {
  return view.endpoints(svc.namespace, svc.name).filter((e) => e.ready || svc.publishNotReady);
}

function uniqueAddresses(eps: EndpointInfo[]): string[] {
  return [...new Set(eps.flatMap((e) => e.addresses))];
}

/** Accumulates one answer; negative answers get the zone's SOA in the authority section. */
class ZoneReply {
  private readonly answers: ResourceRecord[] = [];
  private readonly additionals: ResourceRecord[] = [];
  private readonly deps: string[] = [];

  constructor(private readonly cfg: ZoneConfig) {}

  soa(): ResourceRecord {
    return rr.soa(this.cfg.zone, this.cfg.negativeTtl, this.cfg.serial, this.cfg.negativeTtl);
  }

  answer(r: ResourceRecord): void {
    this.answers.push(r);
  }

  dep(d: string): void {
    this.deps.push(d);
  }

  /** SRV records with equal weights summing to ~100, and the targets' addresses as additionals. */
  srv(qname: string, targets: { port: number; target: string; ips: string[] }[]): void {
    // One record per (port, target); a target's addresses are merged (dual-stack endpoints
    // appear once per address family slice).
    const unique = new Map<string, { port: number; target: string; ips: Set<string> }>();
    for (const t of targets) {
      const k = `${t.port} ${t.target}`;
      const u = unique.get(k);
      if (u) for (const ip of t.ips) u.ips.add(ip);
      else unique.set(k, { port: t.port, target: t.target, ips: new Set(t.ips) });
    }
    const weight = Math.max(1, Math.floor(100 / Math.max(1, unique.size)));
    const extra = new Set<string>();
    for (const t of unique.values()) {
      this.answers.push(rr.srv(qname, this.cfg.ttl, 0, weight, t.port, t.target));
      for (const ip of t.ips) {
        const k = `${t.target} ${ip}`;
        if (!extra.has(k)) this.additionals.push(rr.address(t.target, this.cfg.ttl, ip));
        extra.add(k);
      }
    }
  }

  done(rcode: number): ZoneAnswer {
    const negative = rcode === RCODE.NXDOMAIN || (rcode === RCODE.NOERROR && this.answers.length === 0);
    return {
      rcode,
      answers: this.answers,
      authorities: negative ? [this.soa()] : [],
      additionals: negative ? [] : this.additionals,
      deps: this.deps,
    };
  }
}
