import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../control/api/errors.js';
import type { KubeObject } from '../../../control/api/object.js';
import type { ResourceInfo } from '../../../control/api/resources.js';
import { EventRecorder, type EventSink } from '../../../control/client/events.js';

/** A behaving event store: create/merge-patch over a Map, with switchable failures. */
class FakeEvents {
  readonly events = new Map<string, KubeObject>();
  failWith: ApiError | undefined;
  delay = 0;

  sink(): EventSink {
    const create = async <T extends KubeObject>(_info: ResourceInfo, obj: T): Promise<T> => {
      await new Promise((r) => setTimeout(r, this.delay));
      if (this.failWith) throw this.failWith;
      const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
      if (this.events.has(key)) throw new ApiError(409, 'AlreadyExists', 'exists');
      this.events.set(key, structuredClone(obj));
      return obj;
    };
    const patch = async <T extends KubeObject>(_info: ResourceInfo, ns: string | undefined, name: string, body: unknown): Promise<T> => {
      await new Promise((r) => setTimeout(r, this.delay));
      if (this.failWith) throw this.failWith;
      const key = `${ns}/${name}`;
      const cur = this.events.get(key);
      if (!cur) throw new ApiError(404, 'NotFound', 'not found');
      const next = { ...cur, ...(body as object) } as KubeObject;
      this.events.set(key, next);
      return next as T;
    };
    return { create, patch } as unknown as EventSink;
  }

  list(): KubeObject[] {
    return [...this.events.values()];
  }
}

const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop', uid: 'u1', resourceVersion: '7' } };
const node: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'n-uid' } };

function clock(start = Date.parse('2024-05-01T10:00:00Z')): { now: () => Date; advance(ms: number): void } {
  let t = start;
  return { now: () => new Date(t), advance: (ms) => { t += ms; } };
}

describe('EventRecorder', () => {
  it('creates a core/v1 Event that describes the involved object', async () => {
    const fake = new FakeEvents();
    const rec = new EventRecorder(fake.sink(), { component: 'default-scheduler', now: clock().now });
    rec.event(pod, 'Warning', 'FailedScheduling', '0/2 nodes are available.');
    await rec.flush();
    const [ev] = fake.list();
    expect(ev.metadata.namespace).toBe('shop');
    expect(ev.metadata.name).toMatch(/^web-1\.[0-9a-f]+$/);
    expect(ev).toMatchObject({
      involvedObject: { kind: 'Pod', apiVersion: 'v1', name: 'web-1', namespace: 'shop', uid: 'u1' },
      reason: 'FailedScheduling', type: 'Warning', message: '0/2 nodes are available.', count: 1,
      source: { component: 'default-scheduler' },
      firstTimestamp: '2024-05-01T10:00:00Z', lastTimestamp: '2024-05-01T10:00:00Z',
    });
  });

  it('aggregates repeats into one Event with count and lastTimestamp, keeping firstTimestamp', async () => {
    const fake = new FakeEvents();
    fake.delay = 2;
    const c = clock();
    const rec = new EventRecorder(fake.sink(), { component: 'default-scheduler', now: c.now });
    rec.event(pod, 'Warning', 'FailedScheduling', 'no fit');
    rec.event(pod, 'Warning', 'FailedScheduling', 'no fit'); // concurrent repeat: serialized, not a second create
    await rec.flush();
    c.advance(60_000);
    rec.event(pod, 'Warning', 'FailedScheduling', 'no fit');
    await rec.flush();
    expect(fake.list()).toHaveLength(1);
    expect(fake.list()[0]).toMatchObject({ count: 3, firstTimestamp: '2024-05-01T10:00:00Z', lastTimestamp: '2024-05-01T10:01:00Z' });
  });

  it('keeps different reasons or messages apart', async () => {
    const fake = new FakeEvents();
    const rec = new EventRecorder(fake.sink(), { component: 'x', now: clock().now });
    rec.event(pod, 'Normal', 'Scheduled', 'a');
    rec.event(pod, 'Normal', 'Scheduled', 'b');
    rec.event(pod, 'Normal', 'Other', 'a');
    await rec.flush();
    expect(fake.list()).toHaveLength(3);
    expect(new Set(fake.list().map((e) => e.metadata.name)).size).toBe(3);
  });

  it('puts events about cluster-scoped objects in default and sets source.host', async () => {
    const fake = new FakeEvents();
    const rec = new EventRecorder(fake.sink(), { component: 'node-controller', host: 'ctl', now: clock().now });
    rec.event(node, 'Normal', 'NodeNotReady', 'Node n1 status is now: NodeNotReady');
    await rec.flush();
    expect(fake.list()[0]).toMatchObject({ metadata: { namespace: 'default' }, source: { component: 'node-controller', host: 'ctl' } });
    expect((fake.list()[0].involvedObject as { namespace?: string }).namespace).toBeUndefined();
  });

  it('creates a new Event when the aggregated one has vanished', async () => {
    const fake = new FakeEvents();
    const rec = new EventRecorder(fake.sink(), { component: 'x', now: clock().now });
    rec.event(pod, 'Normal', 'R', 'm');
    await rec.flush();
    fake.events.clear();
    rec.event(pod, 'Normal', 'R', 'm');
    await rec.flush();
    expect(fake.list()).toHaveLength(1);
    expect(fake.list()[0]).toMatchObject({ count: 1 });
  });

  it('never throws into the caller and reports failures to onError', async () => {
    const fake = new FakeEvents();
    fake.failWith = new ApiError(503, 'ServiceUnavailable', 'down');
    const seen: unknown[] = [];
    const rec = new EventRecorder(fake.sink(), { component: 'x', onError: (e) => { seen.push(e); throw new Error('bad reporter'); } });
    expect(() => rec.event(pod, 'Normal', 'R', 'm')).not.toThrow();
    await rec.flush();
    expect(seen).toHaveLength(1);
    fake.failWith = undefined;
    rec.event(pod, 'Normal', 'R', 'm');
    await rec.flush();
    expect(fake.list()).toHaveLength(1);
  });
});
