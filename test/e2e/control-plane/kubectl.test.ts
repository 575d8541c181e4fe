/**
 * The control plane as a kubectl user sees it: the real kubectl (1.32, picked by the
 * dispatcher from our /version) against `tug server` on a real etcd.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startControlPlane, REPO_ROOT, type TestControlPlane } from '../../support/control-plane.js';
import { findResource } from '../../../control/api/resources.js';

let cp: TestControlPlane;
let tmp: string;

beforeAll(async () => {
  cp = await startControlPlane();
  tmp = mkdtempSync(join(tmpdir(), 'tug-kubectl-'));
});

afterAll(async () => {
  await cp?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const demo = readFileSync(join(REPO_ROOT, 'examples', 'demo-app.yaml'), 'utf8');

describe('kubectl apply', () => {
  it('creates every document of a multi-document manifest', async () => {
    const out = await cp.k(['apply', '-f', '-'], demo);
    expect(out).toContain('namespace/demo created');
    expect(out).toContain('configmap/web-config created');
    expect(out).toContain('secret/web-secret created');
    expect(out).toContain('deployment.apps/web created');
    expect(out).toContain('service/web created');
    expect(out).toContain('ingress.networking.k8s.io/web created');
  });

  it('patches what changed, raises generation, and reports the rest unchanged', async () => {
    const before = JSON.parse(await cp.k(['get', 'deploy', 'web', '-n', 'demo', '-o', 'json']));
    const changed = demo.replace('replicas: 2', 'replicas: 3').replace('value: v1', 'value: v2');
    const out = await cp.k(['apply', '-f', '-'], changed);
    expect(out).toContain('deployment.apps/web configured');
    expect(out).toContain('namespace/demo unchanged');
    expect(out).toContain('configmap/web-config unchanged');
    expect(out).toContain('service/web unchanged');
    expect(out).toContain('ingress.networking.k8s.io/web unchanged');
    const after = JSON.parse(await cp.k(['get', 'deploy', 'web', '-n', 'demo', '-o', 'json']));
    expect(after.spec.replicas).toBe(3);
    expect(after.spec.template.spec.containers[0].env[0]).toEqual({ name: 'VERSION', value: 'v2' });
    expect(after.metadata.generation).toBe(before.metadata.generation + 1);
  });

  it('removes a field dropped from the file (three-way strategic merge)', async () => {
    const withoutProbe = demo.replace(/\n {10}readinessProbe:\n {12}httpGet:\n {14}path: \/healthz\n {14}port: http/, '');
    expect(withoutProbe).not.toContain('readinessProbe');
    await cp.k(['apply', '-f', '-'], withoutProbe);
    const d = JSON.parse(await cp.k(['get', 'deploy', 'web', '-n', 'demo', '-o', 'json']));
    expect(d.spec.template.spec.containers[0].readinessProbe).toBeUndefined();
    expect(d.spec.replicas).toBe(2);
  });

  it('works the same with --server-side, and reports conflicts with another manager', async () => {
    const ns = demo.replace(/namespace: demo/g, 'namespace: ssa').replace('name: demo', 'name: ssa');
    let out = await cp.k(['apply', '--server-side', '-f', '-'], ns);
    expect(out).toContain('deployment.apps/web serverside-applied');
    const gen1 = JSON.parse(await cp.k(['get', 'deploy', 'web', '-n', 'ssa', '-o', 'json'])).metadata.generation;
    out = await cp.k(['apply', '--server-side', '-f', '-'], ns.replace('replicas: 2', 'replicas: 4'));
    expect(out).toContain('deployment.apps/web serverside-applied');
    const d = JSON.parse(await cp.k(['get', 'deploy', 'web', '-n', 'ssa', '-o', 'json', '--show-managed-fields']));
    expect(d.spec.replicas).toBe(4);
    expect(d.metadata.generation).toBe(gen1 + 1);
    expect(d.metadata.managedFields.some((m: { manager: string; operation: string }) => m.manager === 'kubectl' && m.operation === 'Apply')).toBe(true);
    await cp.k(['scale', 'deploy', 'web', '-n', 'ssa', '--replicas=5']);
    const conflict = await cp.kubectl(['apply', '--server-side', '-f', '-'], { input: ns.replace('replicas: 2', 'replicas: 6') });
    expect(conflict.code).not.toBe(0);
    expect(conflict.stderr).toMatch(/conflict/i);
    expect(conflict.stderr).toContain('.spec.replicas');
    await cp.k(['apply', '--server-side', '--force-conflicts', '-f', '-'], ns.replace('replicas: 2', 'replicas: 6'));
    expect(JSON.parse(await cp.k(['get', 'deploy', 'web', '-n', 'ssa', '-o', 'json'])).spec.replicas).toBe(6);
  });

  it('applies what `kubectl get -o yaml` prints (a kind: List) back', async () => {
    const list = await cp.k(['get', 'cm', '-n', 'demo', '-o', 'yaml']);
    expect(list).toContain('kind: List');
    const r = await cp.kubectl(['apply', '-f', '-'], { input: list.replace('GREETING: hello', 'GREETING: hi') });
    expect(r.code, r.stderr).toBe(0);
    expect(await cp.k(['get', 'cm', 'web-config', '-n', 'demo', '-o', 'jsonpath={.data.GREETING}'])).toBe('hi');
    await cp.k(['patch', 'cm', 'web-config', '-n', 'demo', '-p', '{"data":{"GREETING":"hello"}}']);
  });

  it('fails an invalid manifest with a message naming the field', async () => {
    const bad = `apiVersion: apps/v1
kind: Deployment
metadata: {name: broken, namespace: demo}
spec:
  replicas: 1
  selector: {matchLabels: {app: broken}}
  template:
    metadata: {labels: {app: broken}}
    spec:
      containers:
        - name: c
`;
    const r = await cp.kubectl(['apply', '-f', '-'], { input: bad });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.template.spec.containers[0].image');
    const badPort = bad.replace('- name: c', '- name: c\n          image: nginx\n          ports: [{containerPort: 70000}]');
    const r2 = await cp.kubectl(['apply', '-f', '-'], { input: badPort });
    expect(r2.stderr).toContain('spec.template.spec.containers[0].ports[0].containerPort');
    const mismatch = bad.replace('- name: c', '- name: c\n          image: nginx').replace('labels: {app: broken}', 'labels: {app: other}');
    const r3 = await cp.kubectl(['apply', '-f', '-'], { input: mismatch });
    expect(r3.stderr).toContain('spec.template.metadata.labels');
    const r4 = await cp.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name, namespace: demo}\n' });
    expect(r4.stderr).toContain('metadata.name');
    const r5 = await cp.kubectl(['apply', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok, namespace: demo, labels: {"a": "not a valid value!"}}\n' });
    expect(r5.stderr).toContain('metadata.labels');
  });
});

describe('kubectl get', () => {
  it('prints tables with the usual columns, -o wide, -A, -l and --show-labels', async () => {
    const svc = await cp.k(['get', 'svc', '-n', 'demo']);
    expect(svc).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE/);
    expect(svc).toMatch(/web\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP/);
    const wide = await cp.k(['get', 'svc', '-n', 'demo', '-o', 'wide']);
    expect(wide).toMatch(/SELECTOR/);
    expect(wide).toContain('app=web');
    const deploy = await cp.k(['get', 'deploy', '-n', 'demo']);
    expect(deploy).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/);
    const all = await cp.k(['get', 'cm', '-A']);
    expect(all).toMatch(/^NAMESPACE\s+NAME\s+DATA\s+AGE/);
    expect(all).toMatch(/demo\s+web-config\s+2/);
    const labelled = await cp.k(['get', 'deploy', '-A', '-l', 'app=web', '--show-labels']);
    expect(labelled).toMatch(/LABELS/);
    expect(labelled).toContain('app=web');
    const none = await cp.k(['get', 'deploy', '-n', 'demo', '-l', 'app=nothing']);
    expect(none).toBe('');
    const yaml = await cp.k(['get', 'cm', 'web-config', '-n', 'demo', '-o', 'yaml']);
    expect(yaml).toContain('GREETING: hello');
    expect(yaml).toMatch(/resourceVersion: "\d+"/);
    const ns = await cp.k(['get', 'ns']);
    for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'demo']) expect(ns).toMatch(new RegExp(`${n}\\s+Active`));
  });

  it('get -w sees a change made by another client', async () => {
    const watcher = spawn('kubectl', ['--cache-dir', join(tmp, 'cache'), 'get', 'cm', 'web-config', '-n', 'demo', '-w', '-o', 'jsonpath={.data.GREETING}{"\\n"}'], {
      env: { ...process.env, KUBECONFIG: cp.kubeconfig },
    });
    let out = '';
    watcher.stdout.on('data', (d) => (out += d));
    try {
      await until(() => out.includes('hello'));
      await cp.k(['patch', 'cm', 'web-config', '-n', 'demo', '-p', '{"data":{"GREETING":"ahoy"}}']);
      await until(() => out.includes('ahoy'));
    } finally {
      watcher.kill();
    }
  });

  it('describe shows the object and its events', async () => {
    await cp.client().create(findResource('', 'v1', 'events')!, {
      metadata: { name: 'web.1', namespace: 'demo' },
      involvedObject: { kind: 'Deployment', namespace: 'demo', name: 'web', apiVersion: 'apps/v1', uid: JSON.parse(await cp.k(['get', 'deploy', 'web', '-n', 'demo', '-o', 'json'])).metadata.uid },
      reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-abc to 2', type: 'Normal',
      source: { component: 'deployment-controller' }, firstTimestamp: new Date().toISOString(), lastTimestamp: new Date().toISOString(), count: 1,
    });
    const out = await cp.k(['describe', 'deploy', 'web', '-n', 'demo']);
    expect(out).toMatch(/Name:\s+web/);
    expect(out).toMatch(/Replicas:\s+2 desired/);
    expect(out).toMatch(/StrategyType:\s+RollingUpdate/);
    expect(out).toContain('Scaled up replica set web-abc to 2');
  });
});

describe('kubectl day-2 commands', () => {
  it('scale, label, annotate', async () => {
    expect(await cp.k(['scale', 'deploy', 'web', '-n', 'demo', '--replicas=4'])).toContain('deployment.apps/web scaled');
    expect(await cp.k(['get', 'deploy', 'web', '-n', 'demo', '-o', 'jsonpath={.spec.replicas}'])).toBe('4');
    await cp.k(['scale', 'deploy', 'web', '-n', 'demo', '--current-replicas=4', '--replicas=2']);
    expect(await cp.k(['get', 'deploy', 'web', '-n', 'demo', '-o', 'jsonpath={.spec.replicas}'])).toBe('2');
    expect(await cp.k(['label', 'deploy', 'web', '-n', 'demo', 'tier=frontend'])).toContain('labeled');
    expect(await cp.k(['annotate', 'deploy', 'web', '-n', 'demo', 'owner=team-a'])).toContain('annotated');
    const d = JSON.parse(await cp.k(['get', 'deploy', 'web', '-n', 'demo', '-o', 'json']));
    expect(d.metadata.labels.tier).toBe('frontend');
    expect(d.metadata.annotations.owner).toBe('team-a');
  });

  it('edit with a non-interactive EDITOR', async () => {
    const editor = join(tmp, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/LOG_LEVEL: info/LOG_LEVEL: debug/" "$1"\n', { mode: 0o755 });
    const r = await cp.kubectl(['edit', 'cm', 'web-config', '-n', 'demo'], { env: { EDITOR: editor, KUBE_EDITOR: editor } });
    expect(r.stdout + r.stderr).toContain('configmap/web-config edited');
    expect(await cp.k(['get', 'cm', 'web-config', '-n', 'demo', '-o', 'jsonpath={.data.LOG_LEVEL}'])).toBe('debug');
  });

  it('create secret tls and create configmap --from-literal (protobuf bodies)', async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=web.demo.local',
      '-keyout', join(tmp, 'tls.key'), '-out', join(tmp, 'tls.crt')], { stdio: 'ignore' });
    expect(await cp.k(['create', 'secret', 'tls', 'web-tls', '-n', 'demo', '--cert', join(tmp, 'tls.crt'), '--key', join(tmp, 'tls.key')])).toContain('secret/web-tls created');
    const s = JSON.parse(await cp.k(['get', 'secret', 'web-tls', '-n', 'demo', '-o', 'json']));
    expect(s.type).toBe('kubernetes.io/tls');
    expect(Buffer.from(s.data['tls.crt'], 'base64').toString()).toBe(readFileSync(join(tmp, 'tls.crt'), 'utf8'));
    expect(await cp.k(['create', 'configmap', 'lit', '-n', 'demo', '--from-literal=a=1', '--from-literal=b=two'])).toContain('configmap/lit created');
    expect(JSON.parse(await cp.k(['get', 'cm', 'lit', '-n', 'demo', '-o', 'json'])).data).toEqual({ a: '1', b: 'two' });
    expect(await cp.k(['create', 'namespace', 'made-by-generator'])).toContain('namespace/made-by-generator created');
    expect(await cp.k(['create', 'deployment', 'gen', '-n', 'demo', '--image=tugboat/testapp:latest', '--replicas=2'])).toContain('deployment.apps/gen created');
    expect(await cp.k(['get', 'deploy', 'gen', '-n', 'demo', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('tugboat/testapp:latest');
  });

  it('wait --for=jsonpath returns when the condition holds', async () => {
    const waiting = cp.kubectl(['wait', '--for=jsonpath={.data.ready}=yes', 'cm/lit', '-n', 'demo', '--timeout=30s']);
    await new Promise((r) => setTimeout(r, 500));
    await cp.k(['patch', 'cm', 'lit', '-n', 'demo', '--type=merge', '-p', '{"data":{"ready":"yes"}}']);
    const r = await waiting;
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('configmap/lit condition met');
  });

  it('api-resources and get --raw /apis', async () => {
    const res = await cp.k(['api-resources']);
    expect(res).toMatch(/deployments\s+deploy\s+apps\/v1\s+true\s+Deployment/);
    expect(res).toMatch(/httproutes\s+gateway\.networking\.k8s\.io\/v1\s+true\s+HTTPRoute/);
    const apis = JSON.parse(await cp.k(['get', '--raw', '/apis']));
    expect(apis.kind).toBe('APIGroupList');
    expect(apis.groups.map((g: { name: string }) => g.name)).toContain('networking.k8s.io');
    const all = await cp.k(['get', 'all', '-n', 'demo']);
    expect(all).toContain('service/web');
    expect(all).toContain('deployment.apps/web');
  });

  it('delete removes objects, and deleting a namespace deletes what is in it', async () => {
    expect(await cp.k(['delete', 'cm', 'lit', '-n', 'demo'])).toContain('configmap "lit" deleted');
    expect((await cp.kubectl(['get', 'cm', 'lit', '-n', 'demo'])).stderr).toContain('NotFound');
    const out = await cp.k(['delete', 'ns', 'ssa', '--timeout=60s']);
    expect(out).toContain('namespace "ssa" deleted');
    expect((await cp.kubectl(['get', 'ns', 'ssa'])).stderr).toContain('NotFound');
    const r = await cp.kubectl(['create', 'configmap', 'x', '-n', 'ssa']);
    expect(r.code).not.toBe(0);
  });
});

async function until(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
