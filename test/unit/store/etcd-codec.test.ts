import { describe, expect, it } from 'vitest';
import type { IEvent, IKeyValue } from 'etcd3';
import { decodeValue, encodeObject, prefixEnd, toStoreError, toStoreEvent } from '../../../control/store/etcd-codec.js';
import { StoreError } from '../../../control/store/store.js';

function kv(key: string, value: unknown, create: number, mod: number): IKeyValue {
  return {
    key: Buffer.from(key), value: Buffer.from(value === undefined ? '' : JSON.stringify(value)),
    create_revision: String(create), mod_revision: String(mod), version: '1', lease: '0',
  };
}

describe('etcd codec', () => {
  it('stores objects without resourceVersion and reads them back with the given revision', () => {
    const text = encodeObject({ kind: 'Pod', metadata: { name: 'p', resourceVersion: '7' }, spec: { a: 1 } });
    expect(JSON.parse(text)).toEqual({ kind: 'Pod', metadata: { name: 'p' }, spec: { a: 1 } });
    expect(decodeValue(text, '12')).toEqual({ kind: 'Pod', metadata: { name: 'p', resourceVersion: '12' }, spec: { a: 1 } });
    expect(() => decodeValue('not json', 1, '/registry/x')).toThrow('/registry/x');
  });

  it('prefixEnd is the first key after every key with the prefix', () => {
    expect(prefixEnd(Buffer.from('/registry/')).toString()).toBe('/registry0');
    expect([...prefixEnd(Buffer.from([0x61, 0xff]))]).toEqual([0x62]);
    expect([...prefixEnd(Buffer.from([0xff]))]).toEqual([0]);
  });

  it('turns watch events into ADDED / MODIFIED / DELETED with previous states', () => {
    const added = toStoreEvent({ type: 'Put', kv: kv('/r/a', { metadata: { name: 'a' } }, 5, 5) } as IEvent);
    expect(added).toMatchObject({ type: 'ADDED', key: '/r/a', revision: 5, object: { metadata: { name: 'a', resourceVersion: '5' } } });
    expect(added?.previous).toBeUndefined();

    const modified = toStoreEvent({ type: 'PUT' as IEvent['type'], kv: kv('/r/a', { metadata: { name: 'a' }, v: 2 }, 5, 8), prev_kv: kv('/r/a', { metadata: { name: 'a' } }, 5, 5) } as IEvent);
    expect(modified).toMatchObject({ type: 'MODIFIED', revision: 8, object: { v: 2, metadata: { resourceVersion: '8' } }, previous: { metadata: { resourceVersion: '5' } } });

    const deleted = toStoreEvent({ type: 'DELETE' as IEvent['type'], kv: kv('/r/a', undefined, 0, 9), prev_kv: kv('/r/a', { metadata: { name: 'a' }, v: 2 }, 5, 8) } as IEvent);
    expect(deleted).toMatchObject({ type: 'DELETED', revision: 9, object: { v: 2, metadata: { resourceVersion: '9' } }, previous: { v: 2, metadata: { resourceVersion: '8' } } });

    expect(toStoreEvent({ type: 'Put', kv: { ...kv('/r/b', 1, 3, 3), value: Buffer.from('garbage') } } as IEvent)).toBeUndefined();
  });

  it('maps etcd failures to the contract codes', () => {
    const gone = toStoreError(new Error('etcdserver: mvcc: required revision has been compacted'));
    expect(gone).toBeInstanceOf(StoreError);
    expect((gone as StoreError).code).toBe('Gone');
    for (const msg of ['14 UNAVAILABLE: No connection established', '4 DEADLINE_EXCEEDED: Deadline exceeded', 'etcdserver: no leader']) {
      expect((toStoreError(new Error(msg)) as StoreError).code).toBe('Unavailable');
    }
    const tooLarge = toStoreError(new Error('etcdserver: request is too large'));
    expect(tooLarge).not.toBeInstanceOf(StoreError);
    const own = new StoreError('Conflict', 'x');
    expect(toStoreError(own)).toBe(own);
  });
});
