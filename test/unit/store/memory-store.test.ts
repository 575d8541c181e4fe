import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../fakes/memory-store.js';
import { StoreError } from '../../../control/store/store.js';
import { record, storeConformance } from './store-conformance.js';

storeConformance('MemoryStore', async () => new MemoryStore());

describe('MemoryStore extras', () => {
  it('setAvailable(false) fails calls and ends watches with Unavailable; true restores service', async () => {
    const store = new MemoryStore();
    const created = await store.create('/registry/core/configmaps/default/a', { metadata: { name: 'a' } });
    const rec = record(store, '/registry/', 0);
    store.setAvailable(false);
    expect((await rec.untilError()).code).toBe('Unavailable');
    for (const call of [store.get('/registry/x'), store.list('/registry/'), store.currentRevision(), store.ping(),
      store.update('/registry/core/configmaps/default/a', { metadata: { name: 'a' } })]) {
      const err = await call.then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('Unavailable');
    }
    const late = record(store, '/registry/', 0);
    expect((await late.untilError()).code).toBe('Unavailable');
    store.setAvailable(true);
    expect(await store.get('/registry/core/configmaps/default/a')).toEqual(created);
    await store.close();
  });

  it('historyLimit compacts the oldest history: watches from before it get Gone', async () => {
    const store = new MemoryStore({ historyLimit: 3 });
    const first = await store.create('/registry/x/a', { metadata: { name: 'a' } });
    for (let i = 0; i < 5; i++) await store.update('/registry/x/a', { metadata: { name: 'a' }, n: i });
    const rec = record(store, '/registry/', Number(first.metadata.resourceVersion));
    expect((await rec.untilError()).code).toBe('Gone');
    await store.close();
  });

  it('close() ends open watches and later calls fail Unavailable', async () => {
    const store = new MemoryStore();
    const rec = record(store, '/registry/', 0);
    await store.close();
    expect((await rec.untilError()).code).toBe('Unavailable');
    await expect(store.get('/registry/a')).rejects.toMatchObject({ code: 'Unavailable' });
  });
});
