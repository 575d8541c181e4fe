/**
 * Container validation (pkg/apis/core/validation: validateContainerCommon and what it calls):
 * name, image, ports, env, volume mounts, pull and termination-message policies, resources,
 * probes. Name uniqueness across the pod is checked by the caller (pod-spec.ts).
 */
import type { FieldError } from '../errors.js';
import { tryParseQuantity, QUANTITY_SYNTAX_MESSAGE } from '../quantity.js';
import { child, fieldErrors, index, key } from './field-error.js';
import { type JsonRecord, isRecord, rec, records, str } from './json-shape.js';
import {
  NEGATIVE_ERROR, isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isQualifiedName, isValidPortName, isValidPortNum,
} from './names.js';

export const PORT_PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;

/** An int-or-string port (targetPort, probe ports): a number in range or an IANA service name. */
export function validatePortNumOrName(port: unknown, path: string): FieldError[] {
  if (typeof port === 'number') return isValidPortNum(port).map((m) => fieldErrors.invalid(path, port, m));
  if (typeof port === 'string') {
    // "8080" in JSON is still a string for kube: a name, which then fails the name rules
    return isValidPortName(port).map((m) => fieldErrors.invalid(path, port, m));
  }
  return [fieldErrors.required(path)];
}

export function nonNegative(errs: FieldError[], path: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value)) errs.push(fieldErrors.invalid(path, value, 'must be an integer'));
  else if (value < 0) errs.push(fieldErrors.invalid(path, value, NEGATIVE_ERROR));
}

function validatePorts(ports: unknown, path: string, hostNetwork: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  records(ports).forEach((p, i) => {
    const pp = index(path, i);
    const name = str(p.name);
    if (name) {
      const msgs = isValidPortName(name);
      if (msgs.length) for (const m of msgs) errs.push(fieldErrors.invalid(child(pp, 'name'), name, m));
      else if (names.has(name)) errs.push(fieldErrors.duplicate(child(pp, 'name'), name));
      else names.add(name);
    }
    if (p.containerPort === undefined || p.containerPort === null || p.containerPort === 0) {
      errs.push(fieldErrors.required(child(pp, 'containerPort')));
    } else {
      for (const m of isValidPortNum(p.containerPort as number)) errs.push(fieldErrors.invalid(child(pp, 'containerPort'), p.containerPort, m));
    }
    if (p.hostPort !== undefined && p.hostPort !== null && p.hostPort !== 0) {
      for (const m of isValidPortNum(p.hostPort as number)) errs.push(fieldErrors.invalid(child(pp, 'hostPort'), p.hostPort, m));
      if (hostNetwork && p.hostPort !== p.containerPort) {
        errs.push(fieldErrors.invalid(child(pp, 'hostPort'), p.hostPort, 'must match `containerPort` when `hostNetwork` is true'));
      }
    }
    if (!p.protocol) errs.push(fieldErrors.required(child(pp, 'protocol')));
    else if (!(PORT_PROTOCOLS as readonly unknown[]).includes(p.protocol)) errs.push(fieldErrors.notSupported(child(pp, 'protocol'), p.protocol, PORT_PROTOCOLS));
  });
  return errs;
}

const ENV_FIELD_PATHS = [
  'metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName',
  'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs',
];

function validateKeySelector(ref: JsonRecord, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!str(ref.name)) errs.push(fieldErrors.required(child(path, 'name')));
  else for (const m of isDNS1123Subdomain(str(ref.name))) errs.push(fieldErrors.invalid(child(path, 'name'), ref.name, m));
  if (!str(ref.key)) errs.push(fieldErrors.required(child(path, 'key')));
  else for (const m of isConfigMapKey(str(ref.key))) errs.push(fieldErrors.invalid(child(path, 'key'), ref.key, m));
  return errs;
}

function validateEnvValueFrom(ev: JsonRecord, path: string): FieldError[] {
  const from = rec(ev.valueFrom);
  if (!from) return [];
  const errs: FieldError[] = [];
  let sources = 0;
  const fieldRef = rec(from.fieldRef);
  if (fieldRef) {
    sources++;
    const fp = str(fieldRef.fieldPath);
    const p = child(path, 'fieldRef');
    if (!str(fieldRef.apiVersion)) errs.push(fieldErrors.required(child(p, 'apiVersion')));
    if (!fp) errs.push(fieldErrors.required(child(p, 'fieldPath')));
    else if (!ENV_FIELD_PATHS.includes(fp) && !/^metadata\.(labels|annotations)\['[^']+'\]$/.test(fp)) {
      errs.push(fieldErrors.notSupported(child(p, 'fieldPath'), fp, ENV_FIELD_PATHS));
    }
  }
  const resourceFieldRef = rec(from.resourceFieldRef);
  if (resourceFieldRef) {
    sources++;
    if (!str(resourceFieldRef.resource)) errs.push(fieldErrors.required(child(path, 'resourceFieldRef', 'resource')));
  }
  for (const kind of ['configMapKeyRef', 'secretKeyRef']) {
    const ref = rec(from[kind]);
    if (ref) {
      sources++;
      errs.push(...validateKeySelector(ref, child(path, kind)));
    }
  }
  if (sources === 0) errs.push(fieldErrors.invalid(path, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  else if (str(ev.value)) errs.push(fieldErrors.invalid(path, '', 'may not be specified when `value` is not empty'));
  else if (sources > 1) errs.push(fieldErrors.invalid(path, '', 'may not have more than one field specified at a time'));
  return errs;
}

function validateEnv(env: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  records(env).forEach((ev, i) => {
    const p = index(path, i);
    const name = str(ev.name);
    if (!name) errs.push(fieldErrors.required(child(p, 'name')));
    else for (const m of isEnvVarName(name)) errs.push(fieldErrors.invalid(child(p, 'name'), name, m));
    errs.push(...validateEnvValueFrom(ev, child(p, 'valueFrom')));
  });
  return errs;
}

function validateVolumeMounts(mounts: unknown, volumes: ReadonlySet<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  records(mounts).forEach((m, i) => {
    const p = index(path, i);
    const name = str(m.name);
    if (!name) errs.push(fieldErrors.required(child(p, 'name')));
    if (!volumes.has(name)) errs.push(fieldErrors.notFound(child(p, 'name'), name));
    const mountPath = str(m.mountPath);
    if (!mountPath) errs.push(fieldErrors.required(child(p, 'mountPath')));
    if (mountPoints.has(mountPath)) errs.push(fieldErrors.invalid(child(p, 'mountPath'), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    const subPath = str(m.subPath);
    if (subPath && (subPath.startsWith('/') || subPath.split('/').includes('..'))) {
      errs.push(fieldErrors.invalid(child(p, 'subPath'), subPath, subPath.startsWith('/') ? 'must be a relative path' : "must not contain '..'"));
    }
  });
  return errs;
}

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

function validateResourceName(name: string, path: string): FieldError[] {
  if (name.includes('/')) return isQualifiedName(name).map((m) => fieldErrors.invalid(path, name, m));
  if (STANDARD_CONTAINER_RESOURCES.has(name) || name.startsWith('hugepages-')) return [];
  return [fieldErrors.invalid(path, name, 'must be a standard resource for containers')];
}

/** ValidateContainerResourceRequirements: names, parseable non-negative quantities, requests ≤ limits. */
export function validateResources(resources: unknown, path: string): FieldError[] {
  const r = rec(resources);
  if (!r) return [];
  const errs: FieldError[] = [];
  const parsed: Record<'limits' | 'requests', Record<string, number>> = { limits: {}, requests: {} };
  for (const kind of ['limits', 'requests'] as const) {
    const list = rec(r[kind]);
    if (!list) continue;
    for (const name of Object.keys(list).sort()) {
      const p = key(child(path, kind), name);
      errs.push(...validateResourceName(name, p));
      const raw = list[name];
      const value = tryParseQuantity(raw);
      if (value === undefined) errs.push(fieldErrors.invalid(p, raw, QUANTITY_SYNTAX_MESSAGE));
      else if (value < 0) errs.push(fieldErrors.invalid(p, String(raw), NEGATIVE_ERROR));
      else parsed[kind][name] = value;
    }
  }
  for (const name of Object.keys(parsed.requests).sort()) {
    const limit = parsed.limits[name];
    if (limit !== undefined && parsed.requests[name]! > limit) {
      const req = rec(r.requests)![name];
      const lim = rec(r.limits)![name];
      errs.push(fieldErrors.invalid(child(path, 'requests'), String(req), `must be less than or equal to ${name} limit of ${String(lim)}`));
    }
  }
  return errs;
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];

function validateProbe(probe: unknown, path: string, successMustBeOne: boolean): FieldError[] {
  const p = rec(probe);
  if (!p) return [];
  const errs: FieldError[] = [];
  const handlers = PROBE_HANDLERS.filter((h) => isRecord(p[h]));
  if (handlers.length === 0) errs.push(fieldErrors.required(path, 'must specify a handler type'));
  for (const extra of handlers.slice(1)) errs.push(fieldErrors.forbidden(child(path, extra), 'may not specify more than 1 handler type'));
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) nonNegative(errs, child(path, f), p[f]);
  if (successMustBeOne && typeof p.successThreshold === 'number' && p.successThreshold !== 1) {
    errs.push(fieldErrors.invalid(child(path, 'successThreshold'), p.successThreshold, 'must be 1'));
  }
  const http = rec(p.httpGet);
  if (http) {
    errs.push(...validatePortNumOrName(http.port, child(path, 'httpGet', 'port')));
    if (http.scheme !== undefined && http.scheme !== 'HTTP' && http.scheme !== 'HTTPS') {
      errs.push(fieldErrors.notSupported(child(path, 'httpGet', 'scheme'), http.scheme, ['HTTP', 'HTTPS']));
    }
  }
  const tcp = rec(p.tcpSocket);
  if (tcp) errs.push(...validatePortNumOrName(tcp.port, child(path, 'tcpSocket', 'port')));
  const grpc = rec(p.grpc);
  if (grpc) for (const m of isValidPortNum(grpc.port as number)) errs.push(fieldErrors.invalid(child(path, 'grpc', 'port'), grpc.port ?? 0, m));
  const exec = rec(p.exec);
  if (exec && (!Array.isArray(exec.command) || exec.command.length === 0)) errs.push(fieldErrors.required(child(path, 'exec', 'command')));
  return errs;
}

export interface ContainerContext {
  volumes: ReadonlySet<string>;
  hostNetwork: boolean;
  /** init containers may not have liveness/readiness/startup probes (unless restartable sidecars) */
  init: boolean;
}

/** validateContainerCommon plus the probe rules of regular containers. */
export function validateContainer(c: JsonRecord, path: string, ctx: ContainerContext): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(c.name);
  if (!name) errs.push(fieldErrors.required(child(path, 'name')));
  else for (const m of isDNS1123Label(name)) errs.push(fieldErrors.invalid(child(path, 'name'), name, m));
  if (!str(c.image)) errs.push(fieldErrors.required(child(path, 'image')));
  const tmp = c.terminationMessagePolicy;
  if (!tmp) errs.push(fieldErrors.required(child(path, 'terminationMessagePolicy')));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(fieldErrors.notSupported(child(path, 'terminationMessagePolicy'), tmp, ['File', 'FallbackToLogsOnError']));
  }
  errs.push(...validatePorts(c.ports, child(path, 'ports'), ctx.hostNetwork));
  errs.push(...validateEnv(c.env, child(path, 'env')));
  errs.push(...validateVolumeMounts(c.volumeMounts, ctx.volumes, child(path, 'volumeMounts')));
  const pull = c.imagePullPolicy;
  if (!pull) errs.push(fieldErrors.required(child(path, 'imagePullPolicy')));
  else if (pull !== 'Always' && pull !== 'IfNotPresent' && pull !== 'Never') {
    errs.push(fieldErrors.notSupported(child(path, 'imagePullPolicy'), pull, ['Always', 'IfNotPresent', 'Never']));
  }
  errs.push(...validateResources(c.resources, child(path, 'resources')));
  const sidecar = ctx.init && c.restartPolicy === 'Always';
  if (ctx.init && !sidecar) {
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (c[probe] !== undefined && c[probe] !== null) errs.push(fieldErrors.forbidden(child(path, probe), 'may not be set for init containers without restartPolicy=Always'));
    }
  } else {
    errs.push(...validateProbe(c.livenessProbe, child(path, 'livenessProbe'), true));
    errs.push(...validateProbe(c.readinessProbe, child(path, 'readinessProbe'), false));
    errs.push(...validateProbe(c.startupProbe, child(path, 'startupProbe'), true));
  }
  return errs;
}
