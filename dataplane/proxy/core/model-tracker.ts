/**
 * Feeds informer events into change trackers and applies the pending changes to the model the
 * planners read. Handlers call the on* methods (cheap: a conversion and a compare); the sync loop
 * calls `commit()` and gets the keys of the Services whose rules must be rewritten.
 */
import type { KubeObject } from '../../../control/api/object.js';
import { ChangeTracker, sameValue } from './change-tracker.js';
import { mergeSlices, sliceServiceKey, sliceTriggerTime } from './endpoint-slices.js';
import { serviceKeyOf, servicePortsFromService } from './service-ports.js';
import type { ProxyModel, ServiceEndpoints, ServicePort } from './types.js';

export interface Commit {
  changed: Set<string>;
  /** last-change-trigger-times (ms) of the endpoint changes in this commit. */
  triggerTimes: number[];
}

export class ModelTracker {
  private readonly services = new Map<string, readonly ServicePort[]>();
  private readonly endpoints = new Map<string, ServiceEndpoints>();
  private readonly serviceChanges = new ChangeTracker<readonly ServicePort[]>(sameValue);
  private readonly endpointChanges = new ChangeTracker<ServiceEndpoints>(sameValue);
  /** Service key → slice name → slice (the EndpointSliceCache). */
  private readonly slices = new Map<string, Map<string, KubeObject>>();
  private readonly triggerTimes = new Map<string, number>();

  onService(old: KubeObject | undefined, cur: KubeObject | undefined): boolean {
    const obj = cur ?? old;
    if (!obj) return false;
    return this.serviceChanges.update(serviceKeyOf(obj), old ? servicePortsFromService(old) : undefined, cur ? servicePortsFromService(cur) : undefined);
  }

  onSlice(old: KubeObject | undefined, cur: KubeObject | undefined): boolean {
    let pending = false;
    // A slice relabelled to another Service leaves the first one and joins the second.
    const oldKey = old ? sliceServiceKey(old) : undefined;
    const curKey = cur ? sliceServiceKey(cur) : undefined;
    if (oldKey && old && oldKey !== curKey) pending = this.replaceSlice(oldKey, old.metadata.name!, undefined) || pending;
    if (curKey && cur) {
      pending = this.replaceSlice(curKey, cur.metadata.name!, cur) || pending;
      const t = sliceTriggerTime(cur);
      if (t !== undefined) this.triggerTimes.set(curKey, Math.min(t, this.triggerTimes.get(curKey) ?? Infinity));
    }
    return pending;
  }

  hasPending(): boolean {
    return this.serviceChanges.pendingCount() + this.endpointChanges.pendingCount() > 0;
  }

  model(): ProxyModel {
    return { services: this.services, endpoints: this.endpoints };
  }

  commit(): Commit {
    const changed = new Set<string>();
    for (const [key, c] of this.serviceChanges.drain()) {
      changed.add(key);
      if (c.current && c.current.length) this.services.set(key, c.current);
      else this.services.delete(key);
    }
    const triggerTimes: number[] = [];
    for (const [key, c] of this.endpointChanges.drain()) {
      changed.add(key);
      if (c.current && c.current.size) this.endpoints.set(key, c.current);
      else this.endpoints.delete(key);
      const t = this.triggerTimes.get(key);
      if (t !== undefined) triggerTimes.push(t);
    }
    this.triggerTimes.clear();
    return { changed, triggerTimes };
  }

  private replaceSlice(serviceKey: string, name: string, slice: KubeObject | undefined): boolean {
    let set = this.slices.get(serviceKey);
    const before = set ? mergeSlices([...set.values()]) : undefined;
    if (slice) {
      if (!set) this.slices.set(serviceKey, set = new Map());
      set.set(name, slice);
    } else if (set) {
      set.delete(name);
      if (set.size === 0) this.slices.delete(serviceKey);
    }
    const after = set && set.size ? mergeSlices([...set.values()]) : undefined;
    return this.endpointChanges.update(serviceKey, before, after);
  }
}
