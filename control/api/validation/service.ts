/**
 * Service validation (pkg/apis/core/validation ValidateService / ValidateServiceUpdate): type,
 * ports (names, numbers, protocols, targetPorts, duplicates), selector, session affinity,
 * traffic policies, cluster IPs, ExternalName. NodePort range checks belong to the allocator.
 */
import { isIP } from 'node:net';
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { PORT_PROTOCOLS, validatePortNumOrName } from './containers.js';
import { GoRepr, child, fieldErrors, goQuote, goStringSlice, index } from './field-error.js';
import { type JsonRecord, arr, isRecord, rec, records, str } from './json-shape.js';
import { isDNS1123Label, isDNS1123Subdomain, isValidPortNum } from './names.js';
import { validateLabels } from './object-meta.js';

export const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'] as const;
const KUBELET_PORT = 10250;

function validateServicePort(p: JsonRecord, requireName: boolean, names: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(p.name);
  if (requireName && !name) errs.push(fieldErrors.required(child(path, 'name')));
  else if (name) {
    for (const m of isDNS1123Label(name)) errs.push(fieldErrors.invalid(child(path, 'name'), name, m));
    if (names.has(name)) errs.push(fieldErrors.duplicate(child(path, 'name'), name));
    else names.add(name);
  }
  for (const m of isValidPortNum(p.port as number)) errs.push(fieldErrors.invalid(child(path, 'port'), p.port ?? 0, m));
  if (!p.protocol) errs.push(fieldErrors.required(child(path, 'protocol')));
  else if (!(PORT_PROTOCOLS as readonly unknown[]).includes(p.protocol)) errs.push(fieldErrors.notSupported(child(path, 'protocol'), p.protocol, PORT_PROTOCOLS));
  errs.push(...validatePortNumOrName(p.targetPort, child(path, 'targetPort')));
  if (p.nodePort !== undefined && p.nodePort !== null && p.nodePort !== 0) {
    for (const m of isValidPortNum(p.nodePort as number)) errs.push(fieldErrors.invalid(child(path, 'nodePort'), p.nodePort, m));
  }
  return errs;
}

/** How Go prints the (protocol, port) key of a duplicate service port. */
function goServicePortKey(p: JsonRecord): GoRepr {
  return new GoRepr(`core.ServicePort{Name:"", Protocol:${goQuote(str(p.protocol))}, AppProtocol:(*string)(nil), Port:${Number(p.port ?? 0)}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`);
}

function externallyAccessible(spec: JsonRecord): boolean {
  return spec.type === 'LoadBalancer' || spec.type === 'NodePort' || (spec.type === 'ClusterIP' && arr(spec.externalIPs).length > 0);
}

function validateClusterIPs(spec: JsonRecord, errs: FieldError[]): void {
  const ips = arr(spec.clusterIPs);
  const clusterIP = str(spec.clusterIP);
  if (clusterIP && ips.length > 0 && ips[0] !== clusterIP) {
    errs.push(fieldErrors.invalid('spec.clusterIPs', goStringSlice(ips), 'first value must match `clusterIP`'));
  }
  ips.forEach((ip, i) => {
    const p = index('spec.clusterIPs', i);
    if (ip === 'None') {
      if (i > 0 || ips.length > 1) errs.push(fieldErrors.invalid(p, ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
      return;
    }
    if (typeof ip !== 'string' || isIP(ip) === 0) errs.push(fieldErrors.invalid(p, ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });
  if (clusterIP && clusterIP !== 'None' && ips.length === 0 && isIP(clusterIP) === 0) {
    errs.push(fieldErrors.invalid('spec.clusterIP', clusterIP, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  }
  const policy = spec.ipFamilyPolicy;
  if (policy !== undefined && policy !== null && !['SingleStack', 'PreferDualStack', 'RequireDualStack'].includes(str(policy))) {
    errs.push(fieldErrors.notSupported('spec.ipFamilyPolicy', policy, ['PreferDualStack', 'RequireDualStack', 'SingleStack']));
  }
  arr(spec.ipFamilies).forEach((f, i) => {
    if (f !== 'IPv4' && f !== 'IPv6') errs.push(fieldErrors.notSupported(index('spec.ipFamilies', i), f, ['IPv4', 'IPv6']));
  });
}

export function validateService(svc: KubeObject): FieldError[] {
  const spec: JsonRecord = isRecord(svc.spec) ? svc.spec : {};
  const errs: FieldError[] = [];
  const type = spec.type;
  const headless = spec.clusterIP === 'None';
  const ports = records(spec.ports);
  if (ports.length === 0 && !headless && type !== 'ExternalName') errs.push(fieldErrors.required('spec.ports'));

  switch (type) {
    case 'LoadBalancer':
      ports.forEach((p, i) => {
        if (p.port === KUBELET_PORT) errs.push(fieldErrors.invalid(index('spec.ports', i), p.port, `may not expose port ${KUBELET_PORT} externally since it is used by kubelet`));
      });
      if (headless) errs.push(fieldErrors.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for LoadBalancer services"));
      break;
    case 'NodePort':
      if (headless) errs.push(fieldErrors.invalid('spec.clusterIPs[0]', 'None', "may not be set to 'None' for NodePort services"));
      break;
    case 'ExternalName': {
      if (str(spec.clusterIP) || arr(spec.clusterIPs).length > 0) errs.push(fieldErrors.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'));
      if (arr(spec.ipFamilies).length > 0) errs.push(fieldErrors.forbidden('spec.ipFamilies', 'may not be set for ExternalName services'));
      if (spec.ipFamilyPolicy !== undefined && spec.ipFamilyPolicy !== null) errs.push(fieldErrors.forbidden('spec.ipFamilyPolicy', 'may not be set for ExternalName services'));
      // a trailing dot marks the CNAME as fully qualified
      const cname = str(spec.externalName).replace(/\.$/, '');
      if (cname) for (const m of isDNS1123Subdomain(cname)) errs.push(fieldErrors.invalid('spec.externalName', cname, m));
      else errs.push(fieldErrors.required('spec.externalName'));
      break;
    }
  }

  const names = new Set<string>();
  ports.forEach((p, i) => errs.push(...validateServicePort(p, ports.length > 1, names, index('spec.ports', i))));
  if (spec.selector !== undefined && spec.selector !== null) errs.push(...validateLabels(spec.selector, 'spec.selector'));

  const affinity = spec.sessionAffinity;
  if (!affinity) errs.push(fieldErrors.required('spec.sessionAffinity'));
  else if (affinity !== 'ClientIP' && affinity !== 'None') errs.push(fieldErrors.notSupported('spec.sessionAffinity', affinity, ['ClientIP', 'None']));
  if (affinity === 'ClientIP') {
    const timeout = rec(rec(spec.sessionAffinityConfig)?.clientIP)?.timeoutSeconds;
    const p = 'spec.sessionAffinityConfig.clientIP.timeoutSeconds';
    if (timeout === undefined || timeout === null) errs.push(fieldErrors.required(p));
    else if (typeof timeout !== 'number' || timeout <= 0 || timeout > 86400) errs.push(fieldErrors.invalid(p, timeout, 'must be greater than 0 and less than 86400'));
  } else if (affinity === 'None' && spec.sessionAffinityConfig !== undefined && spec.sessionAffinityConfig !== null) {
    errs.push(fieldErrors.forbidden('spec.sessionAffinityConfig', 'must not be set when session affinity is None'));
  }

  if (type !== 'ExternalName') validateClusterIPs(spec, errs);
  arr(spec.externalIPs).forEach((ip, i) => {
    if (typeof ip !== 'string' || isIP(ip) === 0) errs.push(fieldErrors.invalid(index('spec.externalIPs', i), ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  });

  if (!type) errs.push(fieldErrors.required('spec.type'));
  else if (!(SERVICE_TYPES as readonly unknown[]).includes(type)) errs.push(fieldErrors.notSupported('spec.type', type, SERVICE_TYPES));

  if (type === 'ClusterIP') {
    ports.forEach((p, i) => {
      if (p.nodePort) errs.push(fieldErrors.forbidden(child(index('spec.ports', i), 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
    });
  }
  const seenNodePorts = new Set<string>();
  const seenPorts = new Set<string>();
  ports.forEach((p, i) => {
    if (p.nodePort) {
      const k = `${str(p.protocol)}/${String(p.nodePort)}`;
      if (seenNodePorts.has(k)) errs.push(fieldErrors.duplicate(child(index('spec.ports', i), 'nodePort'), p.nodePort));
      seenNodePorts.add(k);
    }
    const k = `${str(p.protocol)}/${String(p.port)}`;
    if (seenPorts.has(k)) errs.push(fieldErrors.duplicate(index('spec.ports', i), goServicePortKey(p)));
    seenPorts.add(k);
  });

  const etp = spec.externalTrafficPolicy;
  if (!externallyAccessible(spec)) {
    if (etp) errs.push(fieldErrors.invalid('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
  } else if (!etp) {
    errs.push(fieldErrors.required('spec.externalTrafficPolicy'));
  } else if (etp !== 'Cluster' && etp !== 'Local') {
    errs.push(fieldErrors.notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  }
  const itp = spec.internalTrafficPolicy;
  if ((itp === undefined || itp === null) && (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP')) {
    errs.push(fieldErrors.required('spec.internalTrafficPolicy'));
  } else if (itp !== undefined && itp !== null && itp !== 'Cluster' && itp !== 'Local') {
    errs.push(fieldErrors.notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  }
  return errs;
}

/**
 * A ClusterIP, once allocated, does not change (except to or from ExternalName, or between two
 * headless forms). An empty clusterIP in the update is not a change: the API server restores the
 * allocated one, as kube's service registry does.
 */
export function validateServiceUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
  const a: JsonRecord = isRecord(next.spec) ? next.spec : {};
  const b: JsonRecord = isRecord(prev.spec) ? prev.spec : {};
  if (a.type === 'ExternalName' || b.type === 'ExternalName') return [];
  if (a.clusterIP === 'None' && b.clusterIP === 'None') return [];
  const oldIP = str(b.clusterIP);
  const newIP = str(a.clusterIP);
  if (oldIP && newIP && oldIP !== newIP) {
    const ips = arr(a.clusterIPs).length ? arr(a.clusterIPs) : [newIP];
    return [fieldErrors.invalid('spec.clusterIPs[0]', goStringSlice(ips), 'may not change once set')];
  }
  return [];
}
