/**
 * ApiClient verbs over real HTTP against FakeApiServer: paths, bodies, headers, and the mapping
 * of every failure to ApiError (Status bodies, refused connections, timeouts), plus raw watch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../control/api/errors.js';
import type { KubeObject, WatchEvent } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import { ApiClient } from '../../../control/client/client.js';
import { FakeApiServer } from './fake-apiserver.js';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;

describe('ApiClient against a fake API server', () => {
  let server: FakeApiServer;
  let client: ApiClient;

  beforeAll(async () => {
    server = new FakeApiServer();
    await server.listen();
    client = new ApiClient({ server: server.url, token: 'plain-token', userAgent: 'tug-test/1' });
  });
  afterAll(async () => {
    client.close();
    await server.close();
  });

  const last = () => server.requests.at(-1)!;

  it('creates, gets, updates (with CAS) and updates status', async () => {
    const web: KubeObject = { metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    const created = await client.create(PODS, web);
    expect(last().method).toBe('POST');
    expect(last().path).toBe('/api/v1/namespaces/default/pods');
    expect(JSON.parse(last().body)).toMatchObject({ apiVersion: 'v1', kind: 'Pod' });
    expect(last().headers['content-type']).toBe('application/json');
    expect(last().headers.authorization).toBe('Bearer plain-token');
    expect(last().headers['user-agent']).toBe('tug-test/1');
    expect(created.metadata.resourceVersion).toBe(server.currentRv());

    const got = await client.get(PODS, 'default', 'web');
    expect(got).toEqual(created);

    const updated = await client.update(PODS, { ...got, metadata: { ...got.metadata, labels: { v: '2' } } });
    expect(last().method).toBe('PUT');
    expect(updated.metadata.labels).toEqual({ v: '2' });
    // The old resourceVersion is now stale: 409 Conflict rebuilt from the Status body.
    const err = await client.update(PODS, got).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 409, reason: 'Conflict', details: { name: 'web', kind: 'pods' } });
    expect((err as ApiError).message).toContain('the object has been modified');

    await client.updateStatus(PODS, { ...updated, status: { phase: 'Running' } });
    expect(last().path).toBe('/api/v1/namespaces/default/pods/web/status');
    expect((await client.get(PODS, 'default', 'web')).status).toEqual({ phase: 'Running' });
  });

  it('maps error Status bodies: 404 NotFound, 409 AlreadyExists; refuses a namespaced create without namespace', async () => {
    await expect(client.get(PODS, 'default', 'missing')).rejects.toMatchObject({
      code: 404, reason: 'NotFound', message: 'pods "missing" not found', details: { name: 'missing', kind: 'pods' },
    });
    await client.create(PODS, { metadata: { name: 'dup', namespace: 'default' } });
    await expect(client.create(PODS, { metadata: { name: 'dup', namespace: 'default' } })).rejects.toMatchObject({ code: 409, reason: 'AlreadyExists' });
    const before = server.requests.length;
    await expect(client.create(PODS, { metadata: { name: 'x' } })).rejects.toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(server.requests.length).toBe(before); // rejected before any request
  });

  it('patches with the content type of each patch kind and passes fieldManager/force', async () => {
    await client.create(PODS, { metadata: { name: 'p', namespace: 'default', labels: { a: '1', b: '2' } } });
    const patched = await client.patch(PODS, 'default', 'p', { metadata: { labels: { b: null, c: '3' } } }, 'merge');
    expect(last().headers['content-type']).toBe('application/merge-patch+json');
    expect(patched.metadata.labels).toEqual({ a: '1', c: '3' });

    const expectations = [
      ['strategic', 'application/strategic-merge-patch+json'],
      ['json', 'application/json-patch+json'],
      ['apply', 'application/apply-patch+yaml'],
    ] as const;
    for (const [type, contentType] of expectations) {
      // the fake only speaks merge patch: its 415 Status comes back as an ApiError
      await expect(client.patch(PODS, 'default', 'p', type === 'json' ? [] : {}, type, { fieldManager: 'tug', force: type === 'apply' }))
        .rejects.toMatchObject({ code: 415, reason: 'UnsupportedMediaType' });
      expect(last().headers['content-type']).toBe(contentType);
      expect(last().query.get('fieldManager')).toBe('tug');
    }
    expect(last().query.get('force')).toBe('true');
    await client.patch(PODS, 'default', 'p', {}, 'apply').catch(() => undefined);
    expect(last().query.get('fieldManager')).toBe('tugboat'); // apply needs a manager
  });

  it('deletes with DeleteOptions and posts subresources', async () => {
    await client.create(PODS, { metadata: { name: 'b', namespace: 'default' }, spec: {} });
    const status = await client.createSubresource(PODS, 'default', 'b', 'binding', {
      apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b' }, target: { apiVersion: 'v1', kind: 'Node', name: 'n1' },
    });
    expect(last().path).toBe('/api/v1/namespaces/default/pods/b/binding');
    expect(status).toMatchObject({ kind: 'Status', status: 'Success' });
    expect((await client.get(PODS, 'default', 'b')).spec).toEqual({ nodeName: 'n1' });

    const deleted = await client.delete(PODS, 'default', 'b', { propagationPolicy: 'Background', gracePeriodSeconds: 0, preconditions: { uid: 'u' } });
    expect(last().method).toBe('DELETE');
    expect(JSON.parse(last().body)).toEqual({ kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', gracePeriodSeconds: 0, preconditions: { uid: 'u' } });
    expect((deleted as KubeObject).metadata.name).toBe('b');
    await expect(client.delete(PODS, 'default', 'b')).rejects.toMatchObject({ code: 404 });
    expect(last().body).toBe('');
  });

  it('lists with selectors, limit and resourceVersion in the query', async () => {
    const list = await client.list(PODS, { namespace: 'default', labelSelector: 'a=1', fieldSelector: 'metadata.name=p', limit: 10, resourceVersion: '0' });
    expect(last().path).toBe('/api/v1/namespaces/default/pods');
    expect(Object.fromEntries(last().query)).toEqual({ labelSelector: 'a=1', fieldSelector: 'metadata.name=p', limit: '10', resourceVersion: '0' });
    expect(list.items.map((o) => o.metadata.name)).toEqual(['p']);
    expect(list.metadata.resourceVersion).toBe(server.currentRv());
    await client.list(PODS);
    expect(last().path).toBe('/api/v1/pods');
    expect(last().query.toString()).toBe('');
    await client.get(NODES, undefined, 'n1').catch(() => undefined);
    expect(last().path).toBe('/api/v1/nodes/n1');
  });

  it('raw request returns body and headers; unknown paths throw the server Status', async () => {
    const res = await client.request('GET', '/version');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json()).toMatchObject({ gitVersion: 'v1.32.0-tugboat-fake' });
    await expect(client.request('GET', '/nope')).rejects.toMatchObject({ code: 404, reason: 'NotFound' });
  });

  it('times out slow requests as 504 and reports refused connections as 503', async () => {
    const impatient = new ApiClient({ server: server.url, timeoutMs: 150 });
    const started = Date.now();
    await expect(impatient.request('GET', '/hang')).rejects.toMatchObject({ code: 504, reason: 'Timeout' });
    expect(Date.now() - started).toBeLessThan(2000);
    impatient.close();

    const closed = new FakeApiServer();
    const port = await closed.listen();
    await closed.close();
    const nowhere = new ApiClient({ server: `http://127.0.0.1:${port}` });
    const err = await nowhere.get(PODS, 'default', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
    expect((err as ApiError).message).toContain('ECONNREFUSED');
    nowhere.close();
  });

  it('watch: streams events, ends once with ERROR/HTTP errors or cleanly, and stop() delivers nothing more', async () => {
    server.splitWrites = true;
    try {
      const events: WatchEvent[] = [];
      let ended: { err?: ApiError } | undefined;
      const rv = server.currentRv();
      const h = client.watch(PODS, { namespace: 'default', resourceVersion: rv, labelSelector: 'w=1' },
        (e) => events.push(e), (err) => { ended = { err }; });
      await waitFor(() => server.openWatches() === 1);
      expect(server.watchRequests().at(-1)!.query.get('labelSelector')).toBe('w=1');
      await client.create(PODS, { metadata: { name: 'w1', namespace: 'default', labels: { w: '1', note: 'ünïcødé' } } });
      await client.create(PODS, { metadata: { name: 'w2', namespace: 'default', labels: { w: '2' } } }); // filtered out
      await client.delete(PODS, 'default', 'w1');
      await waitFor(() => events.length === 2);
      expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED w1', 'DELETED w1']);
      expect(events[0].object.metadata.labels?.note).toBe('ünïcødé');

      server.endWatches();
      await waitFor(() => ended !== undefined);
      expect(ended).toEqual({ err: undefined });
      h.stop(); // after the end: harmless

      // ERROR event on an open stream
      let err410: ApiError | undefined;
      client.watch(PODS, { resourceVersion: server.currentRv() }, () => undefined, (e) => { err410 = e; });
      await waitFor(() => server.openWatches() === 1);
      server.expireWatches();
      await waitFor(() => err410 !== undefined);
      expect(err410).toMatchObject({ code: 410, reason: 'Expired' });

      // HTTP 410 on a watch from a compacted resourceVersion
      server.compact();
      let http410: ApiError | undefined;
      client.watch(PODS, { resourceVersion: '1' }, () => undefined, (e) => { http410 = e; });
      await waitFor(() => http410 !== undefined);
      expect(http410).toMatchObject({ code: 410, reason: 'Expired', message: expect.stringContaining('too old resource version') });

      // stop(): no events, no onEnd
      const late: string[] = [];
      const h2 = client.watch(PODS, { resourceVersion: server.currentRv() }, (e) => late.push(e.type), () => late.push('END'));
      await waitFor(() => server.openWatches() === 1);
      h2.stop();
      await waitFor(() => server.openWatches() === 0);
      await client.create(PODS, { metadata: { name: 'after-stop', namespace: 'default' } });
      await new Promise((r) => setTimeout(r, 100));
      expect(late).toEqual([]);
    } finally {
      server.splitWrites = false;
    }
  });

  it('watch: a malformed line ends the watch with a 500 instead of being skipped', async () => {
    let ended: ApiError | undefined;
    const seen: string[] = [];
    client.watch(PODS, { resourceVersion: server.currentRv() }, (e) => seen.push(e.object.metadata.name ?? ''), (e) => { ended = e; });
    await waitFor(() => server.openWatches() === 1);
    server.sendRaw('{"type":"ADDED","object":{"metadata":{"name":"ok"}}}');
    server.sendRaw('{"type":"ADDED","object":');
    await waitFor(() => ended !== undefined);
    expect(seen).toEqual(['ok']);
    expect(ended).toMatchObject({ code: 500, reason: 'InternalError', message: expect.stringContaining('malformed watch event') });
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
