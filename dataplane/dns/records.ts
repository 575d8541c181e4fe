/**
 * Resource records in dns2's object shape (so dns2 encodes them unchanged) and their zone-file
 * text, which is how tests state expected answers (CoreDNS handler_test.go style).
 */
import { isIP } from 'node:net';
import { TYPE, TYPE_NAMES } from './wire.js';

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  address?: string;
  domain?: string;
  data?: string | string[];
  priority?: number;
  weight?: number;
  port?: number;
  target?: string;
  ns?: string;
  primary?: string;
  admin?: string;
  serial?: number;
  refresh?: number;
  retry?: number;
  expiration?: number;
  minimum?: number;
}

const IN = 1;

export const rr = {
  address(name: string, ttl: number, ip: string): ResourceRecord {
    return { name, type: isIP(ip) === 6 ? TYPE.AAAA : TYPE.A, class: IN, ttl, address: ip };
  },
  cname(name: string, ttl: number, target: string): ResourceRecord {
    return { name, type: TYPE.CNAME, class: IN, ttl, domain: target };
  },
  ptr(name: string, ttl: number, target: string): ResourceRecord {
    return { name, type: TYPE.PTR, class: IN, ttl, domain: target };
  },
  txt(name: string, ttl: number, text: string): ResourceRecord {
    return { name, type: TYPE.TXT, class: IN, ttl, data: [text] };
  },
  srv(name: string, ttl: number, priority: number, weight: number, port: number, target: string): ResourceRecord {
    return { name, type: TYPE.SRV, class: IN, ttl, priority, weight, port, target };
  },
  ns(name: string, ttl: number, ns: string): ResourceRecord {
    return { name, type: TYPE.NS, class: IN, ttl, ns };
  },
  soa(zone: string, ttl: number, serial: number, minimum: number): ResourceRecord {
    return {
      name: zone, type: TYPE.SOA, class: IN, ttl, primary: `ns.dns.${zone}`, admin: `hostmaster.${zone}`,
      serial, refresh: 7200, retry: 1800, expiration: 86400, minimum,
    };
  },
};

const fqdn = (n: string | undefined): string => (n ?? '').replace(/\.$/, '') + '.';

/** One record as a zone-file line: `name. TTL IN TYPE data`. Names are lowercased. */
export function zoneLine(r: ResourceRecord): string {
  const type = TYPE_NAMES[r.type] ?? `TYPE${r.type}`;
  let data: string;
  switch (r.type) {
    case TYPE.A: case TYPE.AAAA: data = r.address ?? ''; break;
    case TYPE.CNAME: case TYPE.PTR: data = fqdn(r.domain).toLowerCase(); break;
    case TYPE.NS: data = fqdn(r.ns).toLowerCase(); break;
    case TYPE.TXT: data = (Array.isArray(r.data) ? r.data : [r.data ?? '']).map((s) => JSON.stringify(s)).join(' '); break;
    case TYPE.SRV: data = `${r.priority} ${r.weight} ${r.port} ${fqdn(r.target).toLowerCase()}`; break;
    case TYPE.SOA: data = `${fqdn(r.primary)} ${fqdn(r.admin)} ${r.serial} ${r.refresh} ${r.retry} ${r.expiration} ${r.minimum}`; break;
    default: data = '';
  }
  return `${fqdn(r.name).toLowerCase()}\t${r.ttl}\tIN\t${type}\t${data}`;
}

/** Records as sorted zone text (order-independent comparison). */
export function zoneText(records: readonly ResourceRecord[]): string {
  return records.map(zoneLine).sort().join('\n');
}
