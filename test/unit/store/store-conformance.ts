/**
 * One behavioural suite for every Store implementation (MemoryStore, EtcdStore). Each test gets
 * a fresh store from the factory and its own key prefix, so implementations backed by a shared
 * etcd need no cleanup between tests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../control/api/object.js';
import { StoreError, type Store, type StoreErrorCode, type StoreEvent } from '../../../control/store/store.js';

export type CompactableStore = Store & { compact(revision: number): Promise<void> };

export interface StoreFactoryOptions {
  /** Upper bound on events an implementation may keep in memory for watches (EtcdStore's window). */
  watchCacheSize?: number;
}

export type StoreFactory = (opts: StoreFactoryOptions) => Promise<CompactableStore>;

let prefixCounter = 0;

function obj(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, ...extra };
}

function rv(o: KubeObject): number {
  return Number(o.metadata.resourceVersion);
}

async function expectStoreError(p: Promise<unknown>, code: StoreErrorCode): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err, `expected StoreError ${code}`).toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe(code);
}

export interface Recorder {
  events: StoreEvent[];
  errors: StoreError[];
  stop(): void;
  /** Resolves when `predicate` holds over the recorded events (polls), rejects after timeoutMs. */
  until(predicate: (events: StoreEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  untilError(timeoutMs?: number): Promise<StoreError>;
}

export function record(store: Store, prefix: string, fromRevision: number): Recorder {
  const events: StoreEvent[] = [];
  const errors: StoreError[] = [];
  const handle = store.watch(prefix, fromRevision, {
    onEvent: (ev) => { events.push(ev); },
    onError: (err) => { errors.push(err); },
  });
  const poll = async (ok: () => boolean, what: string, timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; events=${JSON.stringify(events.map((e) => [e.type, e.key, e.revision]))} errors=${errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return {
    events,
    errors,
    stop: () => handle.stop(),
    until: (predicate, timeoutMs = 5_000) => poll(() => predicate(events), 'events', timeoutMs),
    untilError: async (timeoutMs = 5_000) => {
      await poll(() => errors.length > 0, 'an error', timeoutMs);
      return errors[0];
    },
  };
}

export function storeConformance(name: string, factory: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    const open: CompactableStore[] = [];
    const make = async (opts: StoreFactoryOptions = {}): Promise<{ store: CompactableStore; p: string }> => {
      const store = await factory(opts);
      open.push(store);
      return { store, p: `/registry/conformance/${process.pid}-${Date.now()}-${prefixCounter++}/` };
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
    });

    describe('create / get', () => {
      it('create stores the object and returns it with resourceVersion = the new revision', async () => {
        const { store, p } = await make();
        const before = await store.currentRevision();
        const created = await store.create(`${p}a`, obj('a', { data: { k: 'v' } }));
        expect(rv(created)).toBeGreaterThan(before);
        expect(rv(created)).toBe(await store.currentRevision());
        expect(created.data).toEqual({ k: 'v' });
        expect(await store.get(`${p}a`)).toEqual(created);
      });

      it('create ignores a resourceVersion supplied by the caller', async () => {
        const { store, p } = await make();
        const input = obj('a');
        input.metadata.resourceVersion = '999999999';
        const created = await store.create(`${p}a`, input);
        expect(created.metadata.resourceVersion).toBe(String(await store.currentRevision()));
        expect(input.metadata.resourceVersion).toBe('999999999'); // the caller's object is not edited
      });

      it('create of an existing key fails AlreadyExists and changes nothing', async () => {
        const { store, p } = await make();
        const first = await store.create(`${p}a`, obj('a', { data: { n: '1' } }));
        const revision = await store.currentRevision();
        await expectStoreError(store.create(`${p}a`, obj('a', { data: { n: '2' } })), 'AlreadyExists');
        expect(await store.currentRevision()).toBe(revision);
        expect(await store.get(`${p}a`)).toEqual(first);
      });

      it('get of a missing key resolves undefined', async () => {
        const { store, p } = await make();
        expect(await store.get(`${p}missing`)).toBeUndefined();
      });

      it('objects read back are copies: editing one does not change the store', async () => {
        const { store, p } = await make();
        await store.create(`${p}a`, obj('a', { data: { k: 'v' } }));
        const read = await store.get(`${p}a`) as KubeObject;
        (read.data as Record<string, string>).k = 'changed';
        expect((await store.get(`${p}a`))?.data).toEqual({ k: 'v' });
      });
    });

    describe('update', () => {
      it('update with the current revision (CAS) succeeds with a higher revision', async () => {
        const { store, p } = await make();
        const created = await store.create(`${p}a`, obj('a'));
        const updated = await store.update(`${p}a`, obj('a', { data: { x: '1' } }), rv(created));
        expect(rv(updated)).toBeGreaterThan(rv(created));
        expect(await store.get(`${p}a`)).toEqual(updated);
      });

      it('update with a stale revision fails Conflict and keeps the newer state', async () => {
        const { store, p } = await make();
        const created = await store.create(`${p}a`, obj('a'));
        const updated = await store.update(`${p}a`, obj('a', { data: { x: '1' } }), rv(created));
        await expectStoreError(store.update(`${p}a`, obj('a', { data: { x: '2' } }), rv(created)), 'Conflict');
        expect(await store.get(`${p}a`)).toEqual(updated);
      });

      it('update without an expected revision overwrites unconditionally', async () => {
        const { store, p } = await make();
        await store.create(`${p}a`, obj('a'));
        await store.update(`${p}a`, obj('a', { data: { x: '1' } }));
        const last = await store.update(`${p}a`, obj('a', { data: { x: '2' } }));
        expect((await store.get(`${p}a`))?.data).toEqual({ x: '2' });
        expect(rv(last)).toBe(await store.currentRevision());
      });

      it('update of a missing key fails NotFound, with or without an expected revision, and creates nothing', async () => {
        const { store, p } = await make();
        const revision = await store.currentRevision();
        await expectStoreError(store.update(`${p}a`, obj('a')), 'NotFound');
        await expectStoreError(store.update(`${p}a`, obj('a'), revision), 'NotFound');
        await expectStoreError(store.update(`${p}a`, obj('a'), 0), 'NotFound');
        expect(await store.get(`${p}a`)).toBeUndefined();
        expect(await store.currentRevision()).toBe(revision);
      });
    });

    describe('delete', () => {
      it('delete returns the last state with resourceVersion = the deletion revision', async () => {
        const { store, p } = await make();
        const created = await store.create(`${p}a`, obj('a', { data: { k: 'v' } }));
        const deleted = await store.delete(`${p}a`, rv(created));
        expect(rv(deleted)).toBeGreaterThan(rv(created));
        expect(rv(deleted)).toBe(await store.currentRevision());
        expect(deleted.data).toEqual({ k: 'v' });
        expect(await store.get(`${p}a`)).toBeUndefined();
      });

      it('delete with a stale revision fails Conflict and the object survives', async () => {
        const { store, p } = await make();
        const created = await store.create(`${p}a`, obj('a'));
        const updated = await store.update(`${p}a`, obj('a', { data: { x: '1' } }));
        await expectStoreError(store.delete(`${p}a`, rv(created)), 'Conflict');
        expect(await store.get(`${p}a`)).toEqual(updated);
      });

      it('delete of a missing key fails NotFound, with or without an expected revision', async () => {
        const { store, p } = await make();
        await expectStoreError(store.delete(`${p}a`), 'NotFound');
        await expectStoreError(store.delete(`${p}a`, 5), 'NotFound');
        const created = await store.create(`${p}b`, obj('b'));
        await store.delete(`${p}b`);
        await expectStoreError(store.delete(`${p}b`, rv(created)), 'NotFound');
      });

      it('a deleted key can be created again, at a new revision', async () => {
        const { store, p } = await make();
        const first = await store.create(`${p}a`, obj('a'));
        await store.delete(`${p}a`);
        const again = await store.create(`${p}a`, obj('a', { data: { gen: '2' } }));
        expect(rv(again)).toBeGreaterThan(rv(first));
        expect((await store.get(`${p}a`))?.data).toEqual({ gen: '2' });
      });

      it('every successful write takes a new, higher revision', async () => {
        const { store, p } = await make();
        const seen: number[] = [];
        seen.push(rv(await store.create(`${p}a`, obj('a'))));
        seen.push(rv(await store.create(`${p}b`, obj('b'))));
        seen.push(rv(await store.update(`${p}a`, obj('a', { data: {} }))));
        seen.push(rv(await store.delete(`${p}b`)));
        seen.push(rv(await store.create(`${p}b`, obj('b'))));
        for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
      });
    });

    describe('list', () => {
      it('lists only keys under the prefix, sorted by key, with the revision of the read', async () => {
        const { store, p } = await make();
        for (const k of ['ns1/c', 'ns1/a', 'ns1/b', 'ns10/a', 'ns2/a']) await store.create(`${p}${k}`, obj(k));
        const result = await store.list(`${p}ns1/`);
        expect(result.items.map((i) => i.metadata.name)).toEqual(['ns1/a', 'ns1/b', 'ns1/c']);
        expect(result.revision).toBe(await store.currentRevision());
        for (const item of result.items) expect(rv(item)).toBeLessThanOrEqual(result.revision);
        const all = await store.list(p);
        expect(all.items.map((i) => i.metadata.name)).toEqual(['ns1/a', 'ns1/b', 'ns1/c', 'ns10/a', 'ns2/a']);
      });

      it('an empty list still carries the current revision', async () => {
        const { store, p } = await make();
        await store.create(`${p}other/x`, obj('x'));
        const result = await store.list(`${p}none/`);
        expect(result.items).toEqual([]);
        expect(result.revision).toBe(await store.currentRevision());
      });

      it('list + watch from its revision reconstructs the exact state under concurrent writes', async () => {
        const { store, p } = await make();
        const writes: Promise<unknown>[] = [];
        for (let i = 0; i < 40; i++) writes.push(store.create(`${p}k${i}`, obj(`k${i}`, { data: { v: '0' } })));
        const listed = await store.list(p); // taken while creates are in flight
        const rec = record(store, p, listed.revision);
        for (let i = 0; i < 40; i++) {
          writes.push(store.update(`${p}k${i}`, obj(`k${i}`, { data: { v: '1' } })).catch(() => undefined));
          if (i % 3 === 0) writes.push(store.delete(`${p}k${i}`).catch(() => undefined));
        }
        await Promise.all(writes);
        const marker = await store.create(`${p}zz-marker`, obj('marker'));
        await rec.until((evs) => evs.some((e) => e.revision === rv(marker)));
        const state = new Map(listed.items.map((i) => [i.metadata.name as string, i]));
        for (const ev of rec.events) {
          if (ev.type === 'DELETED') state.delete(ev.object.metadata.name as string);
          else state.set(ev.object.metadata.name as string, ev.object);
        }
        const final = await store.list(p);
        expect([...state.values()].sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name))))
          .toEqual(final.items);
        rec.stop();
      });
    });

    describe('watch', () => {
      it('replays changes after a past revision, then continues live, in order and exactly once', async () => {
        const { store, p } = await make();
        const a = await store.create(`${p}a`, obj('a'));
        const a2 = await store.update(`${p}a`, obj('a', { data: { v: '2' } }), rv(a));
        const b = await store.create(`${p}b`, obj('b'));
        const delA = await store.delete(`${p}a`);
        const rec = record(store, p, rv(a));
        await rec.until((evs) => evs.length >= 3);
        const c = await store.create(`${p}c`, obj('c'));
        const b2 = await store.update(`${p}b`, obj('b', { data: { v: '2' } }));
        await rec.until((evs) => evs.length >= 5);
        await new Promise((r) => setTimeout(r, 50)); // nothing extra may follow
        expect(rec.events.map((e) => [e.type, e.key, e.revision])).toEqual([
          ['MODIFIED', `${p}a`, rv(a2)],
          ['ADDED', `${p}b`, rv(b)],
          ['DELETED', `${p}a`, rv(delA)],
          ['ADDED', `${p}c`, rv(c)],
          ['MODIFIED', `${p}b`, rv(b2)],
        ]);
        const [modA, , deletedA, , modB] = rec.events;
        expect(modA.object).toEqual(a2);
        expect(modA.previous).toEqual(a);
        expect(deletedA.object).toEqual({ ...a2, metadata: { ...a2.metadata, resourceVersion: String(rv(delA)) } });
        expect(deletedA.previous).toEqual(a2);
        expect(modB.previous).toEqual(b);
        expect(rec.errors).toEqual([]);
        rec.stop();
      });

      it('fromRevision 0 means from now: only later changes arrive', async () => {
        const { store, p } = await make();
        await store.create(`${p}old`, obj('old'));
        const rec = record(store, p, 0);
        await new Promise((r) => setTimeout(r, 50));
        const fresh = await store.create(`${p}new`, obj('new'));
        await rec.until((evs) => evs.length >= 1);
        await new Promise((r) => setTimeout(r, 50));
        expect(rec.events.map((e) => e.revision)).toEqual([rv(fresh)]);
        rec.stop();
      });

      it('a fromRevision not reached yet delivers only changes after it', async () => {
        const { store, p } = await make();
        const now = await store.currentRevision();
        const rec = record(store, p, now + 1);
        await store.create(`${p}skipped`, obj('skipped')); // revision now + 1
        const next = await store.create(`${p}next`, obj('next'));
        await rec.until((evs) => evs.length >= 1);
        await new Promise((r) => setTimeout(r, 50));
        expect(rec.events.map((e) => e.key)).toEqual([`${p}next`]);
        expect(rec.events[0].revision).toBe(rv(next));
        rec.stop();
      });

      it('only keys under the watched prefix are delivered', async () => {
        const { store, p } = await make();
        const rec = record(store, `${p}ns1/`, await store.currentRevision());
        await store.create(`${p}ns10/x`, obj('x'));
        await store.create(`${p}ns2/y`, obj('y'));
        const mine = await store.create(`${p}ns1/z`, obj('z'));
        await rec.until((evs) => evs.length >= 1);
        await new Promise((r) => setTimeout(r, 50));
        expect(rec.events.map((e) => e.revision)).toEqual([rv(mine)]);
        rec.stop();
      });

      it('stop() ends delivery', async () => {
        const { store, p } = await make();
        const rec = record(store, p, await store.currentRevision());
        await store.create(`${p}a`, obj('a'));
        await rec.until((evs) => evs.length === 1);
        rec.stop();
        await store.create(`${p}b`, obj('b'));
        await new Promise((r) => setTimeout(r, 100));
        expect(rec.events).toHaveLength(1);
        expect(rec.errors).toEqual([]);
      });

      it('a watch started in the middle of concurrent writes misses nothing and repeats nothing', async () => {
        const { store, p } = await make();
        const revisions: number[] = [];
        const writes: Promise<void>[] = [];
        for (let i = 0; i < 150; i++) {
          writes.push(store.create(`${p}k${i}`, obj(`k${i}`)).then((o) => { revisions.push(rv(o)); }));
        }
        while (revisions.length < 40) await new Promise((r) => setTimeout(r, 1));
        const from = Math.max(...revisions);
        const rec = record(store, p, from);
        for (let i = 0; i < 150; i++) {
          writes.push(store.update(`${p}k${i}`, obj(`k${i}`, { data: { n: '1' } })).then((o) => { revisions.push(rv(o)); }));
        }
        await Promise.all(writes);
        const expected = revisions.filter((r) => r > from).sort((x, y) => x - y);
        await rec.until((evs) => evs.length >= expected.length, 10_000);
        await new Promise((r) => setTimeout(r, 50));
        expect(rec.events.map((e) => e.revision)).toEqual(expected);
        rec.stop();
      });

      it('a watch from a revision older than the in-memory window still gets every change', async () => {
        const { store, p } = await make({ watchCacheSize: 4 });
        const first = await store.create(`${p}a`, obj('a', { data: { n: '0' } }));
        const expected: number[] = [];
        for (let n = 1; n <= 20; n++) expected.push(rv(await store.update(`${p}a`, obj('a', { data: { n: String(n) } }))));
        const rec = record(store, p, rv(first));
        await rec.until((evs) => evs.length >= 20);
        const live = await store.delete(`${p}a`);
        expected.push(rv(live));
        await rec.until((evs) => evs.length >= 21);
        await new Promise((r) => setTimeout(r, 50));
        expect(rec.events.map((e) => e.revision)).toEqual(expected);
        expect(rec.events.at(-1)?.type).toBe('DELETED');
        expect(rec.errors).toEqual([]);
        rec.stop();
      });

      it('after compaction a watch from before the compaction point fails Gone; later ones work', async () => {
        const { store, p } = await make({ watchCacheSize: 4 });
        const first = await store.create(`${p}a`, obj('a'));
        for (let n = 0; n < 10; n++) await store.update(`${p}a`, obj('a', { data: { n: String(n) } }));
        const compactedAt = await store.currentRevision();
        await store.compact(compactedAt);
        const old = record(store, p, rv(first));
        const err = await old.untilError();
        expect(err.code, err.message).toBe('Gone');
        expect(old.events).toEqual([]);
        const current = record(store, p, compactedAt);
        const next = await store.update(`${p}a`, obj('a', { data: { n: 'after' } }));
        await current.until((evs) => evs.length >= 1);
        expect(current.events.map((e) => e.revision)).toEqual([rv(next)]);
        expect((await store.list(p)).items).toHaveLength(1);
        current.stop();
      });
    });
  });
}
