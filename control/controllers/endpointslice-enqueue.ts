/**
 * Event → Service keys, shared by the EndpointSlice and Endpoints controllers: a pod event wakes
 * the Services (of its namespace) that select it before or after the change; a Service event
 * wakes itself. The earliest unprocessed event time per Service is kept as the change's trigger
 * time (endpoints.kubernetes.io/last-change-trigger-time → the proxy's programming latency).
 */
import type { KubeObject } from '../api/object.js';
import type { Informer, WorkQueue } from '../client/index.js';
import { podEndpointFingerprint, selects } from './endpointslice-pods.js';

export const BY_NAMESPACE = 'endpoints:by-namespace';

export function ensureNamespaceIndex(inf: Informer<KubeObject>): void {
  try {
    inf.addIndex(BY_NAMESPACE, (o) => [o.metadata.namespace ?? '']);
  } catch {
    // already added by the other endpoints controller sharing this informer
  }
}

export class ServiceTriggers {
  private readonly times = new Map<string, number>();

  constructor(private readonly queue: WorkQueue<string>, private readonly now: () => number = Date.now) {}

  enqueue(key: string): void {
    if (!this.times.has(key)) this.times.set(key, this.now());
    this.queue.add(key);
  }

  /** The trigger time to write for `key` (RFC 3339, ms precision). */
  triggerTime(key: string): string {
    return new Date(this.times.get(key) ?? this.now()).toISOString();
  }

  done(key: string): void {
    this.times.delete(key);
  }

  wire(services: Informer<KubeObject>, pods: Informer<KubeObject>): void {
    const keyOf = (o: KubeObject) => `${o.metadata.namespace}/${o.metadata.name}`;
    services.onAdd((s) => this.enqueue(keyOf(s))).onUpdate((_, s) => this.enqueue(keyOf(s))).onDelete((s) => this.enqueue(keyOf(s)));
    const forPod = (pod: KubeObject, old?: KubeObject) => {
      for (const svc of services.byIndex(BY_NAMESPACE, pod.metadata.namespace ?? '')) {
        if (selects(svc, pod) || (old && selects(svc, old))) this.enqueue(keyOf(svc));
      }
    };
    pods.onAdd((p) => forPod(p)).onDelete((p) => forPod(p)).onUpdate((old, p) => {
      if (podEndpointFingerprint(old) !== podEndpointFingerprint(p)) forPod(p, old);
    });
  }
}
