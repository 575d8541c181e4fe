/**
 * Smaller kinds: Namespace, Node, Event, Endpoints, EndpointSlice, NetworkPolicy and
 * HorizontalPodAutoscaler — the rules the controllers and data plane rely on.
 */
import { isIP } from 'node:net';
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { PORT_PROTOCOLS } from './containers.js';
import { child, fieldErrors, index } from './field-error.js';
import { type JsonRecord, arr, isRecord, jsonEqual, rec, records, str } from './json-shape.js';
import { validateLabelSelector } from './label-selector.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, isValidPortNum } from './names.js';

const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateNamespace(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of arr(rec(obj.spec)?.finalizers)) {
    const name = str(f);
    const p = 'spec.finalizers';
    if (!name.includes('/')) {
      if (!STANDARD_FINALIZERS.has(name)) errs.push(fieldErrors.invalid(p, name, 'name is neither a standard finalizer name nor is it fully qualified'));
    } else {
      for (const m of isQualifiedName(name)) errs.push(fieldErrors.invalid(p, name, m));
    }
  }
  return errs;
}

/** `10.244.1.0/24`-style CIDR check. */
export function isCIDR(value: string): boolean {
  const [ip, bits, ...rest] = value.split('/');
  if (rest.length || ip === undefined || bits === undefined || !/^\d+$/.test(bits)) return false;
  const family = isIP(ip);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateNode(obj: KubeObject): FieldError[] {
  const spec: JsonRecord = isRecord(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  arr(spec.podCIDRs).forEach((c, i) => {
    if (!isCIDR(str(c))) errs.push(fieldErrors.invalid(index('spec.podCIDRs', i), c, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  if (str(spec.podCIDR) && !isCIDR(str(spec.podCIDR))) {
    errs.push(fieldErrors.invalid('spec.podCIDR', spec.podCIDR, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  }
  const seen = new Set<string>();
  records(spec.taints).forEach((t, i) => {
    const p = index('spec.taints', i);
    for (const m of isQualifiedName(str(t.key))) errs.push(fieldErrors.invalid(child(p, 'key'), str(t.key), m));
    if (t.value !== undefined) for (const m of isValidLabelValue(str(t.value))) errs.push(fieldErrors.invalid(child(p, 'value'), str(t.value), m));
    if (!t.effect) errs.push(fieldErrors.required(child(p, 'effect')));
    else if (!TAINT_EFFECTS.includes(str(t.effect))) errs.push(fieldErrors.notSupported(child(p, 'effect'), t.effect, TAINT_EFFECTS));
    const k = `${str(t.key)}:${str(t.effect)}`;
    if (seen.has(k)) errs.push(fieldErrors.duplicate(p, t));
    seen.add(k);
  });
  return errs;
}

/** The node-ipam contract: podCIDR(s) and providerID only ever go from unset to set. */
export function validateNodeUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
  const a = rec(next.spec) ?? {};
  const b = rec(prev.spec) ?? {};
  const errs: FieldError[] = [];
  const oldCIDRs = arr(b.podCIDRs);
  if (oldCIDRs.length > 0 && !jsonEqual(arr(a.podCIDRs), oldCIDRs)) {
    errs.push(fieldErrors.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  } else if (str(b.podCIDR) && str(a.podCIDR) !== str(b.podCIDR)) {
    errs.push(fieldErrors.forbidden('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (str(b.providerID) && str(a.providerID) !== str(b.providerID)) {
    errs.push(fieldErrors.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

export function validateEvent(obj: KubeObject): FieldError[] {
  const involved = rec(obj.involvedObject);
  const ns = str(involved?.namespace);
  if (ns && obj.metadata.namespace && ns !== obj.metadata.namespace) {
    return [fieldErrors.invalid('involvedObject.namespace', ns, 'does not match event.namespace')];
  }
  return [];
}

function validateEndpointPorts(ports: JsonRecord[], path: string, requireName: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = index(path, i);
    const name = str(p.name);
    if (requireName && !name) errs.push(fieldErrors.required(child(pp, 'name')));
    if (name) {
      for (const m of isDNS1123Label(name)) errs.push(fieldErrors.invalid(child(pp, 'name'), name, m));
      if (names.has(name)) errs.push(fieldErrors.duplicate(child(pp, 'name'), name));
      names.add(name);
    }
    if (p.port !== undefined && p.port !== null) for (const m of isValidPortNum(p.port as number)) errs.push(fieldErrors.invalid(child(pp, 'port'), p.port, m));
    if (!p.protocol) errs.push(fieldErrors.required(child(pp, 'protocol')));
    else if (!(PORT_PROTOCOLS as readonly unknown[]).includes(p.protocol)) errs.push(fieldErrors.notSupported(child(pp, 'protocol'), p.protocol, PORT_PROTOCOLS));
  });
  return errs;
}

export function validateEndpoints(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  records(obj.subsets).forEach((subset, i) => {
    const p = index('subsets', i);
    for (const list of ['addresses', 'notReadyAddresses']) {
      records(subset[list]).forEach((a, j) => {
        const ip = str(a.ip);
        if (isIP(ip) === 0) errs.push(fieldErrors.invalid(child(index(child(p, list), j), 'ip'), ip, 'must be a valid IP address'));
      });
    }
    const ports = records(subset.ports);
    errs.push(...validateEndpointPorts(ports, child(p, 'ports'), ports.length > 1));
  });
  return errs;
}

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];

export function validateEndpointSlice(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const type = obj.addressType;
  if (!type) errs.push(fieldErrors.required('addressType'));
  else if (!ADDRESS_TYPES.includes(str(type))) errs.push(fieldErrors.notSupported('addressType', type, ADDRESS_TYPES));
  records(obj.endpoints).forEach((ep, i) => {
    const p = index('endpoints', i);
    const addresses = arr(ep.addresses);
    if (addresses.length === 0) errs.push(fieldErrors.required(child(p, 'addresses'), 'must contain at least 1 address'));
    else if (addresses.length > 100) errs.push(fieldErrors.invalid(child(p, 'addresses'), addresses.length, 'must not contain more than 100 addresses'));
    addresses.forEach((a, j) => {
      const ap = index(child(p, 'addresses'), j);
      const addr = str(a);
      if (type === 'IPv4' && isIP(addr) !== 4) errs.push(fieldErrors.invalid(ap, addr, 'must be a valid IPv4 address'));
      if (type === 'IPv6' && isIP(addr) !== 6) errs.push(fieldErrors.invalid(ap, addr, 'must be a valid IPv6 address'));
    });
  });
  errs.push(...validateEndpointPorts(records(obj.ports), 'ports', false));
  return errs;
}

export function validateEndpointSliceUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
  return next.addressType === prev.addressType ? [] : [fieldErrors.invalid('addressType', next.addressType ?? '', 'field is immutable')];
}

export function validateNetworkPolicy(obj: KubeObject): FieldError[] {
  const spec: JsonRecord = isRecord(obj.spec) ? obj.spec : {};
  const errs = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  arr(spec.policyTypes).forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(fieldErrors.notSupported(index('spec.policyTypes', i), t, ['Egress', 'Ingress']));
  });
  return errs;
}

export function validateHorizontalPodAutoscaler(obj: KubeObject): FieldError[] {
  const spec: JsonRecord = isRecord(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const ref = rec(spec.scaleTargetRef) ?? {};
  if (!str(ref.kind)) errs.push(fieldErrors.required('spec.scaleTargetRef.kind'));
  if (!str(ref.name)) errs.push(fieldErrors.required('spec.scaleTargetRef.name'));
  const min = typeof spec.minReplicas === 'number' ? spec.minReplicas : 1;
  if (min < 1) errs.push(fieldErrors.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = spec.maxReplicas;
  if (typeof max !== 'number' || max < 1) errs.push(fieldErrors.invalid('spec.maxReplicas', max ?? 0, 'must be greater than 0'));
  else if (max < min) errs.push(fieldErrors.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  return errs;
}
