/**
 * networking.k8s.io/v1 Ingress and IngressClass validation (pkg/apis/networking/validation).
 */
import { isIP } from 'node:net';
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { GoRepr, child, fieldErrors, index } from './field-error.js';
import { type JsonRecord, arr, isRecord, rec, records, str } from './json-shape.js';
import { isDNS1035Label, isDNS1123Subdomain, isValidPortName, isValidPortNum, isWildcardDNS1123Subdomain } from './names.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];

function validateBackend(backend: JsonRecord, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const resource = rec(backend.resource);
  const service = rec(backend.service);
  if (resource && service) return [fieldErrors.invalid(path, '', 'cannot set both resource and service backends')];
  if (resource) {
    if (!str(resource.kind)) errs.push(fieldErrors.required(child(path, 'resource', 'kind')));
    if (!str(resource.name)) errs.push(fieldErrors.required(child(path, 'resource', 'name')));
    return errs;
  }
  if (!service) return [fieldErrors.invalid(path, '', 'resource or service backend is required')];
  const name = str(service.name);
  if (!name) errs.push(fieldErrors.required(child(path, 'service', 'name')));
  else for (const m of isDNS1035Label(name)) errs.push(fieldErrors.invalid(child(path, 'service', 'name'), name, m));
  const port = rec(service.port) ?? {};
  const portName = str(port.name);
  const portNumber = typeof port.number === 'number' ? port.number : 0;
  if (portName && portNumber) errs.push(fieldErrors.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName) for (const m of isValidPortName(portName)) errs.push(fieldErrors.invalid(child(path, 'service', 'port', 'name'), portName, m));
  else if (portNumber) for (const m of isValidPortNum(portNumber)) errs.push(fieldErrors.invalid(child(path, 'service', 'port', 'number'), portNumber, m));
  else errs.push(fieldErrors.required(path, 'port name or number is required'));
  return errs;
}

function validatePath(p: JsonRecord, path: string): FieldError[] {
  const pathType = p.pathType;
  if (pathType === undefined || pathType === null) return [fieldErrors.required(child(path, 'pathType'), 'pathType must be specified')];
  const errs: FieldError[] = [];
  const value = str(p.path);
  switch (pathType) {
    case 'Exact':
    case 'Prefix':
      if (!value.startsWith('/')) errs.push(fieldErrors.invalid(child(path, 'path'), value, 'must be an absolute path'));
      for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) errs.push(fieldErrors.invalid(child(path, 'path'), value, `must not contain '${seq}'`));
      for (const suf of INVALID_PATH_SUFFIXES) if (value.endsWith(suf)) errs.push(fieldErrors.invalid(child(path, 'path'), value, `cannot end with '${suf}'`));
      break;
    case 'ImplementationSpecific':
      if (value && !value.startsWith('/')) errs.push(fieldErrors.invalid(child(path, 'path'), value, 'must be an absolute path'));
      break;
    default:
      errs.push(fieldErrors.notSupported(child(path, 'pathType'), pathType, PATH_TYPES));
  }
  errs.push(...validateBackend(rec(p.backend) ?? {}, child(path, 'backend')));
  return errs;
}

function hostErrors(host: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (isIP(host) !== 0) errs.push(fieldErrors.invalid(path, host, 'must be a DNS name, not an IP address'));
  const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
  for (const m of msgs) errs.push(fieldErrors.invalid(path, host, m));
  return errs;
}

export function validateIngress(obj: KubeObject): FieldError[] {
  const spec: JsonRecord = isRecord(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const rules = records(spec.rules);
  if (rules.length === 0 && !isRecord(spec.defaultBackend)) {
    errs.push(fieldErrors.invalid('spec', new GoRepr('[]networking.IngressRule(nil)'), 'either `defaultBackend` or `rules` must be specified'));
  }
  if (isRecord(spec.defaultBackend)) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  rules.forEach((rule, i) => {
    const p = index('spec.rules', i);
    const host = str(rule.host);
    if (host) errs.push(...hostErrors(host, child(p, 'host')));
    const http = rec(rule.http);
    if (http) {
      const paths = records(http.paths);
      if (paths.length === 0) errs.push(fieldErrors.required(child(p, 'http', 'paths')));
      paths.forEach((hp, j) => errs.push(...validatePath(hp, index(child(p, 'http', 'paths'), j))));
    }
  });
  records(spec.tls).forEach((tls, i) => {
    const p = index('spec.tls', i);
    arr(tls.hosts).forEach((h, j) => {
      const hp = index(child(p, 'hosts'), j);
      const host = str(h);
      const msgs = host.includes('*') ? isWildcardDNS1123Subdomain(host) : isDNS1123Subdomain(host);
      for (const m of msgs) errs.push(fieldErrors.invalid(hp, host, m));
    });
    const secret = str(tls.secretName);
    if (secret) for (const m of isDNS1123Subdomain(secret)) errs.push(fieldErrors.invalid(child(p, 'secretName'), secret, m));
  });
  if (typeof spec.ingressClassName === 'string') {
    for (const m of isDNS1123Subdomain(spec.ingressClassName)) errs.push(fieldErrors.invalid('spec.ingressClassName', spec.ingressClassName, m));
  }
  return errs;
}

const MAX_CONTROLLER_LEN = 250;

export function validateIngressClass(obj: KubeObject): FieldError[] {
  const spec: JsonRecord = isRecord(obj.spec) ? obj.spec : {};
  const errs: FieldError[] = [];
  const controller = str(spec.controller);
  if (!controller) errs.push(fieldErrors.required('spec.controller'));
  else if (controller.length > MAX_CONTROLLER_LEN) errs.push(fieldErrors.tooLong('spec.controller', MAX_CONTROLLER_LEN));
  else {
    const [domain, ...rest] = controller.split('/');
    if (rest.length === 0 || rest.join('/') === '' || isDNS1123Subdomain(domain ?? '').length > 0) {
      errs.push(fieldErrors.invalid('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    }
  }
  const params = rec(spec.parameters);
  if (params) {
    if (!str(params.kind)) errs.push(fieldErrors.required('spec.parameters.kind'));
    if (!str(params.name)) errs.push(fieldErrors.required('spec.parameters.name'));
    const scope = params.scope;
    if (scope !== undefined && scope !== 'Cluster' && scope !== 'Namespace') errs.push(fieldErrors.notSupported('spec.parameters.scope', scope, ['Cluster', 'Namespace']));
    if (scope === 'Namespace' && !str(params.namespace)) errs.push(fieldErrors.required('spec.parameters.namespace', '`parameters.scope` is set to "Namespace"'));
    if (scope === 'Cluster' && str(params.namespace)) errs.push(fieldErrors.forbidden('spec.parameters.namespace', '`parameters.scope` is set to "Cluster"'));
  }
  return errs;
}

export function validateIngressClassUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
  const a = str(rec(next.spec)?.controller);
  const b = str(rec(prev.spec)?.controller);
  return a === b ? [] : [fieldErrors.invalid('spec.controller', a, 'field is immutable')];
}
