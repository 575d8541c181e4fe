/**
 * Informer over real HTTP against FakeApiServer: ordered delivery, re-watch on stream end,
 * relist on 410 (both forms) with deletes for vanished objects, recovery from 500s and refused
 * connections, selectors passed through, and a TLS + bearer-token connection from a kubeconfig.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiError } from '../../../control/api/errors.js';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import { ApiClient } from '../../../control/client/client.js';
import { loadKubeconfig } from '../../../control/client/config.js';
import { Informer } from '../../../control/client/informer.js';
import { FakeApiServer } from './fake-apiserver.js';

const PODS = findResource('', 'v1', 'pods')!;
const FAST = { backoff: { initialMs: 20, maxMs: 200 } };

function pod(name: string, opts: { ns?: string; labels?: Record<string, string>; node?: string; image?: string } = {}): KubeObject {
  return {
    metadata: { name, namespace: opts.ns ?? 'default', labels: opts.labels },
    spec: { nodeName: opts.node, containers: [{ name: 'app', image: opts.image ?? 'nginx:1' }] },
  };
}

async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Records handler calls as 'add name@rv', 'update name@rv->rv', 'delete name@rv'. */
function record(inf: Informer) {
  const events: string[] = [];
  const errors: unknown[] = [];
  inf.onAdd((o) => events.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`));
  inf.onUpdate((a, b) => events.push(`update ${b.metadata.name}@${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`));
  inf.onDelete((o) => events.push(`delete ${o.metadata.name}@${o.metadata.resourceVersion}`));
  inf.onError((e) => errors.push(e));
  return { events, errors };
}

/** Wait for sync, but never longer than 5 s (a hung test tells less than a failed one). */
async function synced(inf: Informer): Promise<void> {
  expect(await inf.waitForSync(AbortSignal.timeout(5000))).toBe(true);
}

const names = (inf: Informer) => inf.list().map((o) => o.metadata.name).sort();

describe('Informer against a fake API server (plain HTTP)', () => {
  let server: FakeApiServer;
  let client: ApiClient;
  let informer: Informer | undefined;

  beforeAll(async () => {
    server = new FakeApiServer();
    await server.listen();
  });
  afterEach(() => {
    informer?.stop();
    informer = undefined;
    client?.close();
  });
  afterAll(async () => {
    await server.close();
  });

  function fresh(): void {
    server.objects.clear();
    server.requests.length = 0;
    server.splitWrites = false;
    server.expiredAs = 'http';
    client = new ApiClient({ server: server.url });
  }

  it('lists, then delivers every watch event in order, and serves a frozen cache', async () => {
    fresh();
    server.splitWrites = true; // event lines arrive in pieces
    server.upsert(pod('a'));
    server.upsert(pod('b'));
    informer = new Informer(client, PODS, FAST);
    const { events } = record(informer);
    informer.start();
    await synced(informer);
    expect(informer.hasSynced()).toBe(true);
    const a1 = server.objects.get('default/a')!.metadata.resourceVersion;
    const b1 = server.objects.get('default/b')!.metadata.resourceVersion;
    expect(events).toEqual([`add a@${a1}`, `add b@${b1}`]);
    await eventually(() => expect(server.openWatches()).toBe(1));
    expect(server.watchRequests()[0].query.get('resourceVersion')).toBe(server.currentRv());

    const expected = [...events];
    const c = server.upsert(pod('c'));
    expected.push(`add c@${c.metadata.resourceVersion}`);
    const a2 = server.upsert(pod('a', { image: 'nginx:2' }));
    expected.push(`update a@${a1}->${a2.metadata.resourceVersion}`);
    const a3 = server.upsert(pod('a', { image: 'nginx:3' }));
    expected.push(`update a@${a2.metadata.resourceVersion}->${a3.metadata.resourceVersion}`);
    const bGone = server.remove('default', 'b')!;
    expected.push(`delete b@${bGone.metadata.resourceVersion}`);
    // A MODIFIED event whose resourceVersion did not change is not an update.
    server.sendRaw(JSON.stringify({ type: 'MODIFIED', object: server.objects.get('default/c') }));
    const c2 = server.upsert(pod('c', { labels: { x: 'y' } }));
    expected.push(`update c@${c.metadata.resourceVersion}->${c2.metadata.resourceVersion}`);

    await eventually(() => expect(events).toEqual(expected));
    expect(names(informer)).toEqual(['a', 'c']);
    expect(informer.lastSyncResourceVersion()).toBe(server.currentRv());
    const cached = informer.get('default/a')!;
    expect((cached.spec as { containers: { image: string }[] }).containers[0].image).toBe('nginx:3');
    expect(() => { cached.metadata.name = 'changed'; }).toThrow(TypeError);
    expect(() => { (cached.spec as { containers: { image: string }[] }).containers[0].image = 'evil'; }).toThrow(TypeError);
    expect(server.listRequests()).toHaveLength(1);
  });

  it('re-watches from the last resourceVersion when the server ends the stream (no relist)', async () => {
    fresh();
    server.upsert(pod('a'));
    informer = new Informer(client, PODS, FAST);
    const { events } = record(informer);
    informer.start();
    await synced(informer);
    await eventually(() => expect(server.openWatches()).toBe(1));
    server.upsert(pod('b'));
    await eventually(() => expect(names(informer!)).toEqual(['a', 'b']));
    const rvAfterB = server.currentRv();
    server.sendBookmark();

    for (let round = 0; round < 3; round++) {
      server.endWatches();
      await eventually(() => expect(server.openWatches()).toBe(1));
    }
    const c = server.upsert(pod('c'));
    await eventually(() => expect(events.at(-1)).toBe(`add c@${c.metadata.resourceVersion}`));
    const watches = server.watchRequests();
    expect(watches).toHaveLength(4);
    expect(watches.slice(1).map((w) => w.query.get('resourceVersion'))).toEqual([rvAfterB, rvAfterB, rvAfterB]);
    expect(watches.every((w) => w.query.get('allowWatchBookmarks') === 'true')).toBe(true);
    expect(server.listRequests()).toHaveLength(1);
    expect(events).toHaveLength(3);
  });

  for (const expiredAs of ['http', 'event'] as const) {
    it(`relists on 410 (${expiredAs === 'http' ? 'HTTP status' : 'ERROR event'}) and diffs: deletes vanished objects, adds and updates the rest`, async () => {
      fresh();
      server.expiredAs = expiredAs;
      server.upsert(pod('keep'));
      server.upsert(pod('change'));
      server.upsert(pod('vanish'));
      informer = new Informer(client, PODS, FAST);
      const { events, errors } = record(informer);
      informer.start();
      await synced(informer);
      await eventually(() => expect(server.openWatches()).toBe(1));
      events.length = 0;
      const keepRv = server.objects.get('default/keep')!.metadata.resourceVersion;
      const changeRv = server.objects.get('default/change')!.metadata.resourceVersion;
      const vanishRv = server.objects.get('default/vanish')!.metadata.resourceVersion;

      // Changes the informer never hears about, then history is compacted away.
      const changed = server.upsert(pod('change', { image: 'nginx:9' }), { silent: true });
      const gone = server.remove('default', 'vanish', { silent: true });
      expect(gone).toBeDefined();
      const born = server.upsert(pod('born'), { silent: true });
      server.compact();
      if (expiredAs === 'http') server.endWatches(); // the re-watch from the old RV gets HTTP 410
      else server.expireWatches(); // ERROR 410 on the open stream

      await eventually(() => expect(names(informer!)).toEqual(['born', 'change', 'keep']));
      expect(events.sort()).toEqual([
        `add born@${born.metadata.resourceVersion}`,
        `delete vanish@${vanishRv}`, // the last state the informer knew
        `update change@${changeRv}->${changed.metadata.resourceVersion}`,
      ].sort());
      expect(informer.get('default/keep')!.metadata.resourceVersion).toBe(keepRv);
      expect(server.listRequests()).toHaveLength(2);
      // 410 is routine: it is handled by relisting, not reported as an error.
      expect(errors).toEqual([]);
      await eventually(() => expect(server.openWatches()).toBe(1));
      expect(server.watchRequests().at(-1)!.query.get('resourceVersion')).toBe(server.currentRv());
    });
  }

  it('keeps retrying through 500s on list and watch', async () => {
    fresh();
    server.upsert(pod('a'));
    server.failNext('list', 3, 500);
    informer = new Informer(client, PODS, FAST);
    const { events, errors } = record(informer);
    informer.start();
    await synced(informer);
    expect(server.listRequests()).toHaveLength(4);
    expect(errors).toHaveLength(3);
    expect((errors[0] as ApiError).code).toBe(500);
    expect((errors[0] as ApiError).message).toBe('injected failure 500');

    // Watch failures: the informer re-watches from its last RV with backoff.
    await eventually(() => expect(server.openWatches()).toBe(1));
    server.failNext('watch', 3, 500);
    server.endWatches();
    const b = server.upsert(pod('b'));
    await eventually(() => expect(events.at(-1)).toBe(`add b@${b.metadata.resourceVersion}`));
    expect(errors.filter((e) => (e as ApiError).code === 500)).toHaveLength(6);
  });

  it('survives the server going away: refused connections are retried, changes made meanwhile arrive', async () => {
    // Its own server, so a failure here cannot leave the shared one closed.
    const own = new FakeApiServer();
    const port = await own.listen();
    const ownClient = new ApiClient({ server: own.url });
    const inf = new Informer(ownClient, PODS, FAST);
    try {
      own.upsert(pod('a'));
      own.upsert(pod('b'));
      const { events, errors } = record(inf);
      inf.start();
      await synced(inf);
      await eventually(() => expect(own.openWatches()).toBe(1));
      await own.close();
      await eventually(() => expect(errors.length).toBeGreaterThanOrEqual(3));
      expect(errors.every((e) => (e as ApiError).code === 503 && (e as ApiError).reason === 'ServiceUnavailable')).toBe(true);
      expect(errors.some((e) => (e as ApiError).message.includes('ECONNREFUSED'))).toBe(true);
      const c = own.upsert(pod('c'));
      own.remove('default', 'a');
      await own.listen(port);
      await eventually(() => expect(names(inf)).toEqual(['b', 'c']));
      expect(events.slice(-2)).toEqual([`add c@${c.metadata.resourceVersion}`, `delete a@${own.currentRv()}`]);
      expect(inf.hasSynced()).toBe(true);
    } finally {
      inf.stop();
      ownClient.close();
      await own.close();
    }
  });

  it('passes namespace, labelSelector and fieldSelector through to list and watch', async () => {
    fresh();
    server.upsert(pod('web-1', { labels: { app: 'web' }, node: 'n1' }));
    server.upsert(pod('web-2', { labels: { app: 'web' }, node: 'n2' }));
    server.upsert(pod('db-1', { labels: { app: 'db' }, node: 'n1' }));
    server.upsert(pod('web-3', { ns: 'other', labels: { app: 'web' }, node: 'n1' }));
    informer = new Informer(client, PODS, { ...FAST, namespace: 'default', labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n1' });
    const { events } = record(informer);
    informer.start();
    await synced(informer);
    expect(names(informer)).toEqual(['web-1']);
    await eventually(() => expect(server.openWatches()).toBe(1));
    const [list] = server.listRequests();
    const [watch] = server.watchRequests();
    for (const r of [list, watch]) {
      expect(r.path).toBe('/api/v1/namespaces/default/pods');
      expect(r.query.get('labelSelector')).toBe('app=web');
      expect(r.query.get('fieldSelector')).toBe('spec.nodeName=n1');
    }
    const web4 = server.upsert(pod('web-4', { labels: { app: 'web' }, node: 'n1' }));
    server.upsert(pod('web-5', { labels: { app: 'web' }, node: 'n2' }));
    await eventually(() => expect(events.at(-1)).toBe(`add web-4@${web4.metadata.resourceVersion}`));
    expect(names(informer)).toEqual(['web-1', 'web-4']);
  });

  it('maintains indexes through adds, updates, deletes and relists', async () => {
    fresh();
    server.upsert(pod('p1', { node: 'n1' }));
    server.upsert(pod('p2', { node: 'n2' }));
    informer = new Informer(client, PODS, FAST);
    const byNode = (o: KubeObject) => [(o.spec as { nodeName?: string }).nodeName ?? ''];
    informer.addIndex('node', byNode);
    informer.start();
    await synced(informer);
    const onNode = (n: string) => informer!.byIndex('node', n).map((o) => o.metadata.name).sort();
    expect(onNode('n1')).toEqual(['p1']);
    await eventually(() => expect(server.openWatches()).toBe(1));
    server.upsert(pod('p2', { node: 'n1' }));
    server.upsert(pod('p3', { node: 'n2' }));
    server.remove('default', 'p1');
    await eventually(() => expect(onNode('n1')).toEqual(['p2']));
    expect(onNode('n2')).toEqual(['p3']);
    informer.addIndex('image', (o) => [(o.spec as { containers: { image: string }[] }).containers[0].image]);
    expect(informer.byIndex('image', 'nginx:1').map((o) => o.metadata.name).sort()).toEqual(['p2', 'p3']);
    server.remove('default', 'p3', { silent: true });
    server.compact();
    server.endWatches();
    await eventually(() => expect(onNode('n2')).toEqual([]));
    expect(onNode('n1')).toEqual(['p2']);
  });

  it('stop() ends the watch and waitForSync resolves false when stopped before syncing', async () => {
    fresh();
    server.failNext('list', 1000, 500);
    informer = new Informer(client, PODS, FAST);
    informer.start();
    const waiting = informer.waitForSync();
    const aborted = new AbortController();
    const waiting2 = informer.waitForSync(aborted.signal);
    aborted.abort();
    expect(await waiting2).toBe(false);
    await eventually(() => expect(server.listRequests().length).toBeGreaterThan(1));
    informer.stop();
    expect(await waiting).toBe(false);
    server.clearFailures();
    const before = server.listRequests().length;
    await new Promise((r) => setTimeout(r, 300));
    expect(server.listRequests().length).toBe(before);

    // A synced informer closes its watch on stop.
    informer = new Informer(client, PODS, FAST);
    informer.start();
    await synced(informer);
    await eventually(() => expect(server.openWatches()).toBe(1));
    informer.stop();
    await eventually(() => expect(server.openWatches()).toBe(0));
  });
});

describe('ApiClient + Informer over TLS with a kubeconfig (CA + bearer token)', () => {
  let dir: string;
  let server: FakeApiServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tug-client-tls-'));
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=tug-test-ca');
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=tug-test-apiserver');
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'san.ext');
    server = new FakeApiServer({ key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.crt')) });
    server.requiredToken = 'tls-token';
    await server.listen();
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function kubeconfig(name: string, cluster: string, token = 'tls-token'): string {
    const path = join(dir, name);
    writeFileSync(path, `apiVersion: v1
kind: Config
current-context: t
clusters:
- name: c
  cluster:
${cluster}
users:
- name: u
  user: {token: ${token}}
contexts:
- name: t
  context: {cluster: c, user: u}
`);
    return path;
  }

  it('verifies the server against the kubeconfig CA, sends the token and syncs an informer', async () => {
    server.upsert(pod('secure'));
    const client = new ApiClient(loadKubeconfig(kubeconfig('ok.yaml', `    server: ${server.url}\n    certificate-authority: ca.crt`)));
    const informer = new Informer(client, PODS, FAST);
    try {
      informer.start();
      await synced(informer);
      expect(names(informer)).toEqual(['secure']);
      await eventually(() => expect(server.openWatches()).toBe(1));
      server.upsert(pod('secure-2'));
      await eventually(() => expect(names(informer)).toEqual(['secure', 'secure-2']));
      expect(server.requests.every((r) => r.headers.authorization === 'Bearer tls-token')).toBe(true);
      expect((await client.request('GET', '/version')).json()).toMatchObject({ minor: '32' });
    } finally {
      informer.stop();
      client.close();
    }
  });

  it('rejects an unknown CA (503 with the TLS cause) unless insecure-skip-tls-verify is set; wrong token is 401', async () => {
    const strict = new ApiClient({ server: server.url });
    const insecure = new ApiClient(loadKubeconfig(kubeconfig('insecure.yaml', `    server: ${server.url}\n    insecure-skip-tls-verify: true`)));
    const badToken = new ApiClient(loadKubeconfig(kubeconfig('bad.yaml', `    server: ${server.url}\n    certificate-authority: ca.crt`, 'nope')));
    try {
      await expect(strict.request('GET', '/version')).rejects.toMatchObject({ code: 503, reason: 'ServiceUnavailable', message: expect.stringMatching(/certificate/i) });
      expect((await insecure.request('GET', '/version')).status).toBe(200);
      await expect(badToken.get(PODS, 'default', 'secure')).rejects.toMatchObject({ code: 401, reason: 'Unauthorized' });
    } finally {
      strict.close();
      insecure.close();
      badToken.close();
    }
  });
});
