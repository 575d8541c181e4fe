/**
 * What every workload controller (ReplicaSet, Deployment, DaemonSet, Job) is built from: the
 * shared client and informers, a logger, an event sink and a clock. Events go through the
 * narrow `WorkloadEvents` interface; the controller-manager wires it to an EventRecorder.
 */
import type { Logger } from 'pino';
import type { KubeObject, OwnerReference } from '../api/object.js';
import type { ApiClient, Informer } from '../client/index.js';
import { EventRecorder, type EventType, type InvolvedObject } from '../client/events.js';
import type { SharedInformers } from './informers.js';

export interface WorkloadEvents {
  event(obj: InvolvedObject, type: EventType, reason: string, message: string): void;
}

export interface WorkloadControllerDeps {
  client: ApiClient;
  informers: SharedInformers;
  log: Logger;
  /** Defaults to an EventRecorder writing core/v1 Events as `<component>`. */
  events?: WorkloadEvents;
  now?: () => number;
  /** Parallel reconciles (different keys); default 4. */
  workers?: number;
}

export function eventsFor(deps: WorkloadControllerDeps, component: string): WorkloadEvents {
  return deps.events ?? new EventRecorder(deps.client, {
    component,
    onError: (err) => deps.log.debug({ err: (err as Error).message }, 'event dropped'),
  });
}

/** Involved-object form of a cached object (list items may lack apiVersion/kind). */
export function involved(obj: KubeObject, apiVersion: string, kind: string): InvolvedObject {
  return { apiVersion, kind, metadata: obj.metadata };
}

/** The owner a controller reference points at, if the cache has it with the same UID. */
export function resolveControllerRef<T extends KubeObject>(
  informer: Informer<T>, namespace: string | undefined, ref: OwnerReference | undefined, kind: string,
): T | undefined {
  if (!ref || ref.kind !== kind) return undefined;
  const owner = informer.get(`${namespace}/${ref.name}`);
  return owner && owner.metadata.uid === ref.uid ? owner : undefined;
}

export function keyOf(obj: KubeObject): string {
  return `${obj.metadata.namespace}/${obj.metadata.name}`;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** RFC 3339 with second precision, as the API serializes metav1.Time. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}
