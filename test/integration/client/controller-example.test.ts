/**
 * The README's example, run as written (informer → queue → workers re-reading the cache) against
 * the fake API server, with KUBECONFIG pointing at a temp kubeconfig.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findResource } from '../../../control/api/resources.js';
import { ApiClient, Informer, WorkQueue, loadKubeconfig, runWorkers, splitKey } from '../../../control/client/index.js';
import { FakeApiServer } from './fake-apiserver.js';

let server: FakeApiServer;
let dir: string;
const savedKubeconfig = process.env.KUBECONFIG;

beforeAll(async () => {
  server = new FakeApiServer();
  await server.listen();
  dir = mkdtempSync(join(tmpdir(), 'tug-client-example-'));
  writeFileSync(join(dir, 'config'), `current-context: t
clusters: [{name: c, cluster: {server: "${server.url}"}}]
users: [{name: u, user: {}}]
contexts: [{name: t, context: {cluster: c, user: u}}]
`);
  process.env.KUBECONFIG = join(dir, 'config');
});
afterAll(async () => {
  if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedKubeconfig;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

it('README example: labels every matching pod once and keeps doing so for new pods', async () => {
  server.upsert({ metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } } });
  server.upsert({ metadata: { name: 'db-1', namespace: 'default', labels: { app: 'db' } } });
  server.failNext('other', 1, 500); // the first patch fails and is retried by the queue

  // ---- the example, as in README.md ----
  const PODS = findResource('', 'v1', 'pods')!;
  const client = new ApiClient(loadKubeconfig());
  const pods = new Informer(client, PODS, { labelSelector: 'app=web' });
  const queue = new WorkQueue();

  pods.onAdd((p) => queue.add(`${p.metadata.namespace}/${p.metadata.name}`));
  pods.onUpdate((_old, p) => queue.add(`${p.metadata.namespace}/${p.metadata.name}`));
  pods.onDelete((p) => queue.add(`${p.metadata.namespace}/${p.metadata.name}`));
  pods.start();

  await pods.waitForSync();

  const workers = runWorkers(queue, 2, async (key) => {
    const pod = pods.get(key);
    if (!pod) return;
    if (pod.metadata.labels?.seen === 'true') return;
    const { namespace, name } = splitKey(key);
    await client.patch(PODS, namespace, name, { metadata: { labels: { seen: 'true' } } }, 'merge');
  });
  // ---- end of the example ----

  try {
    server.upsert({ metadata: { name: 'web-2', namespace: 'default', labels: { app: 'web' } } });
    const deadline = Date.now() + 5000;
    const seen = () => [...server.objects.values()].filter((o) => o.metadata.labels?.seen === 'true').map((o) => o.metadata.name).sort();
    while (seen().length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(seen()).toEqual(['web-1', 'web-2']);
    expect(server.objects.get('default/db-1')!.metadata.labels).toEqual({ app: 'db' });
    const patches = server.requests.filter((r) => r.method === 'PATCH');
    expect(patches.length).toBe(3); // web-1 failed once, then web-1 and web-2
  } finally {
    pods.stop();
    queue.shutDown();
    await workers;
    client.close();
  }
});
