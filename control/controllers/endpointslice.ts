/**
 * EndpointSliceController: keeps discovery.k8s.io/v1 EndpointSlices for every Service with a
 * selector (see endpointslice-desired.ts for what goes in them). Services without a selector are
 * left alone: their slices belong to whoever writes them (the API server's `kubernetes` slice,
 * the node DNS's kube-dns slices, a user's manual endpoints).
 *
 * Reconcile re-reads the caches. Right after this controller writes, its slice cache may lag its
 * own writes; acting on that view would create duplicates, so a Service whose cache does not yet
 * show our last writes is retried a moment later (upstream's EndpointSliceTracker).
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import { EventRecorder, WorkQueue, runWorkers, type ApiClient } from '../client/index.js';
import type { SharedInformers } from './informers.js';
import type { Controller } from './namespace.js';
import { hasSelector } from './endpointslice-pods.js';
import { CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, desiredEndpointGroups, planSliceWrites } from './endpointslice-desired.js';
import { BY_NAMESPACE, ServiceTriggers, ensureNamespaceIndex } from './endpointslice-enqueue.js';

const SERVICES = findResource('', 'v1', 'services')!;
const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
const BY_SERVICE = 'endpointslice:by-service';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

class StaleCacheError extends Error {}

/** Expected state of slices we wrote, until the informer shows it. */
class WriteTracker {
  private readonly expected = new Map<string, Map<string, number | 'deleted'>>();

  record(service: string, slice: string, rv: number | 'deleted'): void {
    let m = this.expected.get(service);
    if (!m) this.expected.set(service, m = new Map());
    m.set(slice, rv);
  }

  stale(service: string, cached: readonly KubeObject[]): boolean {
    const m = this.expected.get(service);
    if (!m) return false;
    const byName = new Map(cached.map((s) => [s.metadata.name, s]));
    for (const [name, want] of m) {
      const have = byName.get(name);
      if (want === 'deleted' ? have !== undefined : !have || Number(have.metadata.resourceVersion) < want) return true;
      m.delete(name);
    }
    if (m.size === 0) this.expected.delete(service);
    return false;
  }

  forget(service: string): void {
    this.expected.delete(service);
  }
}

export function buildEndpointSliceController(deps: { client: ApiClient; informers: SharedInformers; log: Logger }): Controller {
  const { client, log } = deps;
  const services = deps.informers.for(SERVICES);
  const pods = deps.informers.for(PODS);
  const nodes = deps.informers.for(NODES);
  const slices = deps.informers.for(SLICES);
  ensureNamespaceIndex(services);
  ensureNamespaceIndex(pods);
  slices.addIndex(BY_SERVICE, (s) => {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    return svc && s.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME ? [`${s.metadata.namespace}/${svc}`] : [];
  });
  const queue = new WorkQueue<string>();
  const triggers = new ServiceTriggers(queue);
  triggers.wire(services, pods);
  const sliceOwner = (s: KubeObject) => {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (svc && s.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME) triggers.enqueue(`${s.metadata.namespace}/${svc}`);
  };
  // Someone else editing or deleting our slices: put them back.
  slices.onUpdate((_, s) => sliceOwner(s)).onDelete(sliceOwner);
  nodes.onUpdate((old, n) => {
    if (old.metadata.labels?.[ZONE_LABEL] !== n.metadata.labels?.[ZONE_LABEL]) for (const s of services.list()) triggers.enqueue(`${s.metadata.namespace}/${s.metadata.name}`);
  });
  const tracker = new WriteTracker();
  const events = new EventRecorder(client, { component: CONTROLLER_NAME, onError: () => undefined });
  let workers: Promise<void> | undefined;

  const zoneOf = (node: string) => nodes.get(node)?.metadata.labels?.[ZONE_LABEL];

  async function reconcile(key: string): Promise<void> {
    const svc = services.get(key);
    const existing = slices.byIndex(BY_SERVICE, key);
    if (tracker.stale(key, existing)) throw new StaleCacheError(`slice cache of ${key} is behind our writes`);
    const [namespace] = key.split('/');
    if (!svc || !hasSelector(svc)) {
      // Deleted (the garbage collector would also remove them) or no longer ours to manage.
      if (!svc) for (const s of existing) await remove(key, s);
      if (!svc) tracker.forget(key);
      triggers.done(key);
      return;
    }
    const groups = desiredEndpointGroups(svc, pods.byIndex(BY_NAMESPACE, namespace!), zoneOf);
    const writes = planSliceWrites(svc, groups, existing, triggers.triggerTime(key));
    for (const w of writes) {
      if (w.op === 'delete') {
        await remove(key, w.slice);
      } else {
        const written = w.op === 'create' ? await client.create(SLICES, w.slice) : await client.update(SLICES, w.slice);
        tracker.record(key, written.metadata.name!, Number(written.metadata.resourceVersion));
      }
    }
    triggers.done(key);
    if (writes.length) log.debug({ service: key, writes: writes.map((w) => `${w.op} ${w.slice.metadata.name ?? '(new)'}`) }, 'endpoint slices updated');
  }

  async function remove(key: string, slice: KubeObject): Promise<void> {
    try {
      await client.delete(SLICES, slice.metadata.namespace, slice.metadata.name!);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
    tracker.record(key, slice.metadata.name!, 'deleted');
  }

  return {
    start() {
      workers = runWorkers(queue, 4, reconcile, {
        onError: (key, err) => {
          if (err instanceof StaleCacheError || (err instanceof ApiError && err.code === 409)) return;
          log.warn({ service: key, err: (err as Error).message }, 'endpoint slice sync failed; retrying');
          const svc = services.get(key);
          if (svc) events.event({ apiVersion: 'v1', kind: 'Service', metadata: svc.metadata }, 'Warning', 'FailedToUpdateEndpointSlices', `Error updating Endpoint Slices for Service ${key}: ${(err as Error).message}`);
        },
      });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}
