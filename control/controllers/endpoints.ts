/**
 * EndpointsController: the legacy core/v1 Endpoints object (name = Service name) for Services
 * with a selector, for tools that still read it (kubectl describe svc, older clients). Ready pods
 * go to `addresses`, the others to `notReadyAddresses`; terminating pods are left out unless the
 * Service publishes not-ready addresses. Subsets group addresses by their resolved ports.
 * Endpoints of Services without a selector are written by their owner and left alone; the
 * Endpoints of a deleted Service are deleted.
 */
import type { Logger } from 'pino';
import { clone, type KubeObject } from '../api/object.js';
import { ApiError } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import { WorkQueue, runWorkers, type ApiClient } from '../client/index.js';
import type { SharedInformers } from './informers.js';
import type { Controller } from './namespace.js';
import {
  compareIPs, endpointHostname, endpointPorts, hasSelector, inheritedLabels, isPodReady, podIP, podIncluded, podNodeName,
  portsKey, selects, serviceSpec, type EndpointPortJson,
} from './endpointslice-pods.js';
import { BY_NAMESPACE, ServiceTriggers, ensureNamespaceIndex } from './endpointslice-enqueue.js';
import { TRIGGER_TIME_ANNOTATION } from './endpointslice-desired.js';

const SERVICES = findResource('', 'v1', 'services')!;
const PODS = findResource('', 'v1', 'pods')!;
const ENDPOINTS = findResource('', 'v1', 'endpoints')!;

interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

interface Subset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPortJson[];
}

export function desiredSubsets(svc: KubeObject, pods: readonly KubeObject[]): Subset[] {
  const publishNotReady = serviceSpec(svc).publishNotReadyAddresses === true;
  const groups = new Map<string, { ports: EndpointPortJson[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }>();
  for (const pod of pods) {
    if (!selects(svc, pod) || !podIncluded(pod, publishNotReady)) continue;
    const ports = endpointPorts(svc, pod);
    if ((serviceSpec(svc).ports ?? []).length > 0 && ports.length === 0) continue;
    const addr: EndpointAddress = { ip: podIP(pod)!, targetRef: { kind: 'Pod', namespace: pod.metadata.namespace ?? '', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' } };
    const hostname = endpointHostname(pod, svc);
    if (hostname) addr.hostname = hostname;
    const node = podNodeName(pod);
    if (node) addr.nodeName = node;
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, g = { ports, ready: [], notReady: [] });
    (publishNotReady || isPodReady(pod) ? g.ready : g.notReady).push(addr);
  }
  const byIP = (a: EndpointAddress, b: EndpointAddress) => compareIPs(a.ip, b.ip);
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, g]) => {
    const s: Subset = {};
    if (g.ready.length) s.addresses = g.ready.sort(byIP);
    if (g.notReady.length) s.notReadyAddresses = g.notReady.sort(byIP);
    if (g.ports.length) s.ports = g.ports;
    return s;
  });
}

export function buildEndpointsController(deps: { client: ApiClient; informers: SharedInformers; log: Logger }): Controller {
  const { client, log } = deps;
  const services = deps.informers.for(SERVICES);
  const pods = deps.informers.for(PODS);
  const endpoints = deps.informers.for(ENDPOINTS);
  ensureNamespaceIndex(services);
  ensureNamespaceIndex(pods);
  const queue = new WorkQueue<string>();
  const triggers = new ServiceTriggers(queue);
  triggers.wire(services, pods);
  endpoints.onDelete((e) => triggers.enqueue(`${e.metadata.namespace}/${e.metadata.name}`));
  let workers: Promise<void> | undefined;

  async function reconcile(key: string): Promise<void> {
    const [namespace, name] = key.split('/') as [string, string];
    const svc = services.get(key);
    const current = endpoints.get(key);
    if (!svc) {
      if (current) {
        try {
          await client.delete(ENDPOINTS, namespace, name);
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
      }
      triggers.done(key);
      return;
    }
    if (!hasSelector(svc)) {
      triggers.done(key);
      return;
    }
    const subsets = desiredSubsets(svc, pods.byIndex(BY_NAMESPACE, namespace));
    const labels = inheritedLabels(svc);
    const same = current && JSON.stringify(current.subsets ?? []) === JSON.stringify(subsets) && JSON.stringify(current.metadata.labels ?? {}) === JSON.stringify(labels);
    if (!same) {
      const meta = current ? clone(current.metadata) : { name, namespace };
      meta.labels = labels;
      meta.annotations = { ...(meta.annotations ?? {}), [TRIGGER_TIME_ANNOTATION]: triggers.triggerTime(key) };
      delete meta.managedFields;
      const obj: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: meta, subsets };
      if (current) await client.update(ENDPOINTS, obj);
      else await client.create(ENDPOINTS, obj);
    }
    triggers.done(key);
  }

  return {
    start() {
      workers = runWorkers(queue, 2, reconcile, {
        onError: (key, err) => {
          if (err instanceof ApiError && (err.code === 409 || err.code === 404)) return; // cache behind: retried
          log.warn({ service: key, err: (err as Error).message }, 'endpoints sync failed; retrying');
        },
      });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}
