/**
 * ClusterIP and NodePort allocation inside the Service write path (as kube-apiserver's REST
 * storage does it), so the created object already carries its addresses.
 *
 * State is the set of addresses held by stored Services, rebuilt from a LIST when the server
 * starts; afterwards every create/update/delete keeps it current. So an address is never handed
 * out twice, also across restarts. (One API server per cluster: several servers would need the
 * allocation itself stored in etcd, as upstream's IPAddress objects do.)
 *
 * Dynamic ClusterIPs come from the upper part of the range (KEP-3070), leaving low addresses
 * (10.96.0.1 kubernetes, 10.96.0.10 kube-dns) for static requests.
 */
import type { KubeObject } from '../../api/object.js';
import type { FieldError } from '../../api/errors.js';
import { errors, fieldErrorsToCauses } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { Admission } from '../registry/admission.js';
import { cidrContains, cidrSize, formatCidr, formatIpv4, mustParseCidr, parseIpv4, type Ipv4Cidr } from '../../api/ipv4.js';

interface ServicePort { name?: string; port: number; nodePort?: number; protocol?: string }
interface ServiceSpec { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: ServicePort[] }

export interface ServiceAllocatorOptions {
  serviceCidr: string;
  nodePortRange: [number, number];
  random?: () => number;
}

export interface ServiceAllocator extends Admission {
  /** Marks everything the given stored Services hold (called once at start with a LIST). */
  seed(services: readonly KubeObject[]): void;
  allocatedClusterIPs(): number;
}

function specOf(obj: KubeObject): ServiceSpec {
  if (!obj.spec || typeof obj.spec !== 'object') obj.spec = {};
  return obj.spec as ServiceSpec;
}

function wantsNodePorts(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || spec.type === 'LoadBalancer';
}

function wantsClusterIP(spec: ServiceSpec): boolean {
  return spec.type !== 'ExternalName' && spec.clusterIP !== 'None';
}

export function buildServiceAllocator(opts: ServiceAllocatorOptions): ServiceAllocator {
  const range: Ipv4Cidr = mustParseCidr(opts.serviceCidr);
  const rangeSize = cidrSize(range);
  const rangeText = formatCidr(range);
  const random = opts.random ?? Math.random;
  const ips = new Set<number>();
  const nodePorts = new Set<number>();
  const [minPort, maxPort] = opts.nodePortRange;
  const firstUsable = range.network + 1;
  const lastUsable = range.network + rangeSize - 2;
  const dynamicStart = Math.min(firstUsable + Math.max(16, Math.min(256, Math.floor(rangeSize / 16))), lastUsable);

  function pickIp(): number | undefined {
    const span = lastUsable - dynamicStart + 1;
    const start = Math.floor(random() * span);
    for (let i = 0; i < span; i++) {
      const ip = dynamicStart + ((start + i) % span);
      if (!ips.has(ip)) return ip;
    }
    for (let ip = firstUsable; ip < dynamicStart; ip++) if (!ips.has(ip)) return ip;
    return undefined;
  }

  function pickPort(): number | undefined {
    const span = maxPort - minPort + 1;
    const start = Math.floor(random() * span);
    for (let i = 0; i < span; i++) {
      const p = minPort + ((start + i) % span);
      if (!nodePorts.has(p)) return p;
    }
    return undefined;
  }

  function invalid(obj: KubeObject, errs: FieldError[]) {
    return errors.invalid('Service', '', obj.metadata.name ?? '', fieldErrorsToCauses(errs));
  }

  /** Reserves what `spec` asks for beyond what `held` already holds; returns what it reserved. */
  function reserve(obj: KubeObject, held: { ip?: number; ports: Set<number> }, dryRun: boolean): { ip?: number; ports: number[] } {
    const spec = specOf(obj);
    const taken: { ip?: number; ports: number[] } = { ports: [] };
    const errs: FieldError[] = [];
    if (wantsClusterIP(spec)) {
      const requested = spec.clusterIP || spec.clusterIPs?.[0];
      if (requested) {
        const n = parseIpv4(requested);
        if (n === undefined) {
          errs.push({ field: 'spec.clusterIPs[0]', reason: 'FieldValueInvalid', message: `Invalid value: "${requested}": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)` });
        } else if (n !== held.ip) {
          if (!cidrContains(range, n) || n === range.network || n === range.network + rangeSize - 1) {
            errs.push({ field: 'spec.clusterIPs[0]', reason: 'FieldValueInvalid', message: `Invalid value: "${requested}": failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${rangeText}` });
          } else if (ips.has(n)) {
            errs.push({ field: 'spec.clusterIPs[0]', reason: 'FieldValueInvalid', message: `Invalid value: "${requested}": failed to allocate IP ${requested}: provided IP is already allocated` });
          } else {
            taken.ip = n;
          }
        }
      } else if (held.ip === undefined) {
        const n = pickIp();
        if (n === undefined) throw errors.internal(`failed to allocate a serviceIP: range is full`);
        taken.ip = n;
      }
    }
    if (wantsNodePorts(spec)) {
      const seen = new Set<number>();
      (spec.ports ?? []).forEach((p, i) => {
        if (p.nodePort) {
          if (p.nodePort < minPort || p.nodePort > maxPort) {
            errs.push({ field: `spec.ports[${i}].nodePort`, reason: 'FieldValueInvalid', message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${minPort}-${maxPort}` });
          } else if (!held.ports.has(p.nodePort) && !seen.has(p.nodePort) && nodePorts.has(p.nodePort)) {
            errs.push({ field: `spec.ports[${i}].nodePort`, reason: 'FieldValueInvalid', message: `Invalid value: ${p.nodePort}: provided port is already allocated` });
          } else if (!held.ports.has(p.nodePort) && !seen.has(p.nodePort)) {
            taken.ports.push(p.nodePort);
          }
          seen.add(p.nodePort);
        }
      });
    }
    if (errs.length) throw invalid(obj, errs);
    // Commit: addresses become visible in the object and in the sets (unless dry run).
    if (taken.ip !== undefined) {
      spec.clusterIP = formatIpv4(taken.ip);
      spec.clusterIPs = [spec.clusterIP];
    } else if (wantsClusterIP(spec) && held.ip !== undefined) {
      spec.clusterIP = formatIpv4(held.ip);
      spec.clusterIPs = [spec.clusterIP];
    }
    if (spec.clusterIP === 'None') spec.clusterIPs = ['None'];
    if (!dryRun) {
      if (taken.ip !== undefined) ips.add(taken.ip);
      for (const p of taken.ports) nodePorts.add(p);
    }
    if (wantsNodePorts(spec)) {
      for (const p of spec.ports ?? []) {
        if (!p.nodePort) {
          const port = pickPort();
          if (port === undefined) throw errors.internal('failed to allocate a nodePort: range is full');
          p.nodePort = port;
          taken.ports.push(port);
          if (!dryRun) nodePorts.add(port);
        }
      }
    }
    return taken;
  }

  function held(obj: KubeObject): { ip?: number; ports: Set<number> } {
    const spec = (obj.spec ?? {}) as ServiceSpec;
    const ip = spec.clusterIP && spec.clusterIP !== 'None' ? parseIpv4(spec.clusterIP) : undefined;
    const ports = new Set<number>();
    if (wantsNodePorts(spec)) for (const p of spec.ports ?? []) if (p.nodePort) ports.add(p.nodePort);
    return { ip, ports };
  }

  function release(h: { ip?: number; ports: Iterable<number> }): void {
    if (h.ip !== undefined) ips.delete(h.ip);
    for (const p of h.ports) nodePorts.delete(p);
  }

  const isServices = (info: ResourceInfo) => info.group === '' && info.resource === 'services';

  return {
    seed(services) {
      for (const s of services) {
        const h = held(s);
        if (h.ip !== undefined) ips.add(h.ip);
        for (const p of h.ports) nodePorts.add(p);
      }
    },
    allocatedClusterIPs: () => ips.size,
    create(info, obj, dryRun) {
      if (!isServices(info)) return;
      reserve(obj, { ports: new Set() }, dryRun);
    },
    rollbackCreate(info, obj) {
      if (!isServices(info)) return;
      release(held(obj));
    },
    update(info, obj, old, dryRun) {
      if (!isServices(info)) return;
      const oldSpec = (old.spec ?? {}) as ServiceSpec;
      const spec = specOf(obj);
      // clusterIP is immutable once set, except when moving to/from ExternalName.
      if (spec.type !== 'ExternalName' && oldSpec.type !== 'ExternalName' && oldSpec.clusterIP && spec.clusterIP !== undefined && spec.clusterIP !== '' && spec.clusterIP !== oldSpec.clusterIP) {
        throw invalid(obj, [{ field: 'spec.clusterIPs[0]', reason: 'FieldValueInvalid', message: `Invalid value: "${spec.clusterIP}": may not change once set` }]);
      }
      if (!spec.clusterIP && oldSpec.clusterIP && spec.type !== 'ExternalName') spec.clusterIP = oldSpec.clusterIP;
      const before = held(old);
      // keep existing node ports for ports that did not name one
      if (wantsNodePorts(spec) && wantsNodePorts(oldSpec)) {
        for (const p of spec.ports ?? []) {
          if (!p.nodePort) {
            const prev = oldSpec.ports?.find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
            if (prev?.nodePort) p.nodePort = prev.nodePort;
          }
        }
      }
      const heldBefore = { ip: wantsClusterIP(spec) ? before.ip : undefined, ports: before.ports };
      reserve(obj, heldBefore, dryRun);
      if (dryRun) return;
      const after = held(obj);
      release({ ip: before.ip !== undefined && before.ip !== after.ip ? before.ip : undefined, ports: [...before.ports].filter((p) => !after.ports.has(p)) });
    },
    deleted(info, obj) {
      if (!isServices(info)) return;
      release(held(obj));
    },
  };
}
