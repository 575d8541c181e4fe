/**
 * What survives and what recovers: authentication and bad input at the edge, a server killed
 * and restarted (objects kept, a resumed watch misses nothing), etcd down (fast 503, no crash,
 * recovery by itself), and the reference client's informer seeing every event in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { findResource } from '../../../control/api/resources.js';
import type { KubeObject } from '../../../control/api/object.js';

const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
/** the ConfigMap the root CA publisher keeps in every namespace */
const ROOT_CA = 'kube-root-ca.crt';
let cp: TestControlPlane;

beforeAll(async () => {
  cp = await startControlPlane();
});
afterAll(async () => {
  await cp?.stop();
});

function raw(method: string, path: string, opts: { body?: Buffer | string; headers?: Record<string, string>; auth?: boolean } = {}): Promise<{ status: number; body: string }> {
  const pki = join(cp.stateDir, 'pki');
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port: cp.port, path, method,
      ca: readFileSync(join(pki, 'ca.crt')),
      ...(opts.auth === false ? {} : { cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) }),
      headers: opts.headers,
    }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('the edge', () => {
  it('answers anonymous requests with 401 but serves /version and health publicly', async () => {
    const r = await raw('GET', '/api/v1/namespaces', { auth: false });
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const v = await raw('GET', '/version', { auth: false });
    expect(JSON.parse(v.body)).toMatchObject({ major: '1', minor: '32' });
    expect((await raw('GET', '/readyz', { auth: false })).status).toBe(200);
  });

  it('accepts a bearer token from the token file', async () => {
    const token = readFileSync(join(cp.stateDir, 'pki', 'tokens.csv'), 'utf8').split(',')[0]!;
    const r = await raw('GET', '/api/v1/namespaces/default', { auth: false, headers: { Authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    const bad = await raw('GET', '/api/v1/namespaces/default', { auth: false, headers: { Authorization: 'Bearer nope' } });
    expect(bad.status).toBe(401);
  });

  it('rejects bodies over 3 MiB with 413 and malformed JSON/YAML with 400 naming the parser error', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 10, 'a');
    const r = await raw('POST', '/api/v1/namespaces/default/configmaps', { body: big, headers: { 'Content-Type': 'application/json' } });
    expect(r.status).toBe(413);
    const bad = await raw('POST', '/api/v1/namespaces/default/configmaps', { body: '{"metadata": {', headers: { 'Content-Type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toMatch(/JSON/);
    const badYaml = await raw('PATCH', '/api/v1/namespaces/default/configmaps/x?fieldManager=t', { body: 'a: [1, 2\n', headers: { 'Content-Type': 'application/apply-patch+yaml' } });
    expect(badYaml.status).toBe(400);
  });

  it('refuses objects in a missing namespace', async () => {
    const r = await cp.kubectl(['create', 'configmap', 'x', '-n', 'nowhere']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('namespaces "nowhere" not found');
  });

  it('serves /metrics', async () => {
    const r = await raw('GET', '/metrics');
    expect(r.body).toContain('apiserver_request_total');
  });
});

describe('the reference client', () => {
  it('an informer from @kubernetes/client-node lists and watches and sees every event in order', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.kubeconfig);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'inf' } } });
    await core.createNamespacedConfigMap({ namespace: 'inf', body: { metadata: { name: 'pre' }, data: { n: '0' } } });
    const informer = k8s.makeInformer(kc, '/api/v1/namespaces/inf/configmaps', () => core.listNamespacedConfigMap({ namespace: 'inf' }));
    const seen: string[] = [];
    // kube-root-ca.crt is published in every namespace by the controller-manager, at its own pace
    const ours = (o: k8s.V1ConfigMap) => o.metadata!.name !== ROOT_CA;
    informer.on('add', (o) => ours(o) && seen.push(`add:${o.metadata!.name}`));
    informer.on('update', (o) => ours(o) && seen.push(`update:${o.metadata!.name}:${o.data?.n}`));
    informer.on('delete', (o) => ours(o) && seen.push(`delete:${o.metadata!.name}`));
    await informer.start();
    try {
      for (let i = 1; i <= 5; i++) {
        await core.patchNamespacedConfigMap({ namespace: 'inf', name: 'pre', body: [{ op: 'replace', path: '/data/n', value: String(i) }] });
      }
      await core.createNamespacedConfigMap({ namespace: 'inf', body: { metadata: { name: 'new' } } });
      await core.deleteNamespacedConfigMap({ namespace: 'inf', name: 'pre' });
      await until(() => seen.length >= 8);
      expect(seen).toEqual(['add:pre', 'update:pre:1', 'update:pre:2', 'update:pre:3', 'update:pre:4', 'update:pre:5', 'add:new', 'delete:pre']);
    } finally {
      await informer.stop();
    }
  });
});

describe('restarts and outages', () => {
  it('keeps every object across a server kill, and a resumed watch misses nothing', async () => {
    const client = cp.client();
    const ns = 'restart';
    await cp.k(['create', 'namespace', ns]);
    for (let i = 0; i < 5; i++) await client.create(CONFIGMAPS, { metadata: { name: `cm-${i}`, namespace: ns }, data: { i: String(i) } });
    const list = await client.list(CONFIGMAPS, { namespace: ns });
    const resumeFrom = list.metadata.resourceVersion;
    await cp.kill();
    await cp.start();
    const c2 = cp.client();
    const after = await c2.list(CONFIGMAPS, { namespace: ns });
    expect(after.items.map((o) => o.metadata.name).filter((n) => n !== ROOT_CA).sort()).toEqual(['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4']);
    // changes made while no one watched, then a watch from the RV the first list returned
    await c2.delete(CONFIGMAPS, ns, 'cm-0');
    await c2.create(CONFIGMAPS, { metadata: { name: 'cm-5', namespace: ns } });
    const events: string[] = [];
    const h = c2.watch(CONFIGMAPS, { namespace: ns, resourceVersion: resumeFrom }, (ev) => {
      const name = (ev.object as KubeObject).metadata.name;
      if (name !== ROOT_CA) events.push(`${ev.type}:${name}`);
    }, () => undefined);
    try {
      await until(() => events.length >= 2);
      expect(events).toEqual(['DELETED:cm-0', 'ADDED:cm-5']);
    } finally {
      h.stop();
    }
  });

  it('answers 503 quickly while etcd is down, does not crash, and recovers by itself', async () => {
    const pids = cp.etcdPids();
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const r = await raw('GET', '/api/v1/namespaces/default/configmaps');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect([503, 504]).toContain(r.status);
      expect((await raw('GET', '/readyz')).status).toBe(503);
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    await until(async () => (await raw('GET', '/api/v1/namespaces/default/configmaps')).status === 200, 30_000);
    expect(cp.serverPid()).toBeDefined();
  });
});

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
