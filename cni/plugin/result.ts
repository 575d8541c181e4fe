// The ADD result (SPEC.md "Success"), built from an attachment plan, and merged into a prevResult when the
// plugin runs after another one in a chain ("must pass through or amend prevResult").
import type { AttachmentPlan } from './attachment-plan.js';
import type { DnsConfig } from './config.js';
import { versionAtLeast } from './version.js';

export interface CniInterface {
  name: string;
  mac?: string;
  mtu?: number;
  sandbox?: string;
}

export interface CniIpConfig {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniResult {
  cniVersion: string;
  interfaces: CniInterface[];
  ips: CniIpConfig[];
  routes: CniRoute[];
  dns: DnsConfig;
}

export function buildResult(cniVersion: string, p: AttachmentPlan, sandbox: string, dns: DnsConfig | undefined): CniResult {
  // interfaces[].mtu is a 1.1.0 field.
  const withMtu = versionAtLeast(cniVersion, '1.1.0');
  const iface = (i: CniInterface): CniInterface => (withMtu ? { ...i, mtu: p.mtu } : i);
  return {
    cniVersion,
    interfaces: [
      iface({ name: p.bridge, mac: p.bridgeMac }),
      iface({ name: p.hostVeth, mac: p.hostMac }),
      iface({ name: p.podIf, mac: p.podMac, sandbox }),
    ],
    ips: [{ address: p.podCidr, gateway: p.gateway, interface: 2 }],
    routes: [{ dst: '0.0.0.0/0', gw: p.gateway }],
    dns: dns ?? {},
  };
}

/** Appends ours to a previous plugin's result, shifting our interface indexes past its interfaces. */
export function amendPrevResult(prev: Record<string, unknown>, ours: CniResult): CniResult {
  const prevIfs = Array.isArray(prev['interfaces']) ? (prev['interfaces'] as CniInterface[]) : [];
  const prevIps = Array.isArray(prev['ips']) ? (prev['ips'] as CniIpConfig[]) : [];
  const prevRoutes = Array.isArray(prev['routes']) ? (prev['routes'] as CniRoute[]) : [];
  const prevDns = typeof prev['dns'] === 'object' && prev['dns'] !== null ? (prev['dns'] as DnsConfig) : {};
  return {
    ...ours,
    interfaces: [...prevIfs, ...ours.interfaces],
    ips: [...prevIps, ...ours.ips.map((ip) => (ip.interface === undefined ? ip : { ...ip, interface: ip.interface + prevIfs.length }))],
    routes: [...prevRoutes, ...ours.routes],
    dns: { ...prevDns, ...ours.dns },
  };
}
