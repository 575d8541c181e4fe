/**
 * Issue 3's "Done when", on `tug up --nodes 2` with the real kubectl and tugboat/testapp:
 * spread replicas with IPs from their node's podCIDR, self-healing (docker kill, liveness
 * failure, pod deletion), a rolling update that never dips below replicas − maxUnavailable
 * Ready and its undo, ConfigMap/Secret as env and files, logs and exec, and an agent that dies:
 * restarted by its supervisor it adopts its containers; kept dead, its node goes NotReady
 * within 50 s and its pods are recreated on the other node.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localCluster, until } from '../../support/local-cluster.js';

const c = localCluster('e2ework');
const NS = 'work';

const app = (version: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: ${NS}}
spec:
  replicas: 4
  strategy: {type: RollingUpdate, rollingUpdate: {maxUnavailable: 1, maxSurge: 1}}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 5
      containers:
        - name: web
          image: tugboat/testapp:latest
          imagePullPolicy: Never
          env:
            - {name: VERSION, value: ${version}}
            - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
            - {name: GREETING, valueFrom: {configMapKeyRef: {name: settings, key: greeting}}}
            - {name: TOKEN, valueFrom: {secretKeyRef: {name: creds, key: token}}}
          volumeMounts:
            - {name: settings, mountPath: /etc/settings}
            - {name: creds, mountPath: /etc/creds, readOnly: true}
          readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
          livenessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1, failureThreshold: 2}
      volumes:
        - {name: settings, configMap: {name: settings}}
        - {name: creds, secret: {secretName: creds}}
`;

interface Pod {
  metadata: { name: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount: number; containerID?: string; ready: boolean }[] };
}

async function pods(): Promise<Pod[]> {
  return (JSON.parse(await c.k(['get', 'pods', '-n', NS, '-l', 'app=web', '-o', 'json'])) as { items: Pod[] }).items;
}
const ready = (p: Pod) => !p.metadata.deletionTimestamp && p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True');

async function podCidrs(): Promise<Record<string, string>> {
  const nodes = JSON.parse(await c.k(['get', 'nodes', '-o', 'json'])) as { items: { metadata: { name: string }; spec: { podCIDR: string } }[] };
  return Object.fromEntries(nodes.items.map((n) => [n.metadata.name, n.spec.podCIDR]));
}

function inCidr(ip: string, cidr: string): boolean {
  const [net] = cidr.split('/');
  return ip.split('.').slice(0, 3).join('.') === net!.split('.').slice(0, 3).join('.');
}

beforeAll(async () => {
  const up = await c.tug('up', '--name', c.name, '--nodes', '2', '--pod-eviction-timeout', '5');
  if (up.code !== 0) throw new Error(`tug up failed: ${up.stdout}${up.stderr}`);
  await c.k(['create', 'namespace', NS]);
  await c.k(['create', 'configmap', 'settings', '-n', NS, '--from-literal=greeting=ahoy']);
  await c.k(['create', 'secret', 'generic', 'creds', '-n', NS, '--from-literal=token=s3cr3t']);
}, 300_000);

afterAll(async () => {
  await c.stop();
}, 300_000);

describe('a Deployment on two nodes', () => {
  it('runs 4 replicas spread across both nodes, each with an IP from its node podCIDR', async () => {
    await c.k(['apply', '-f', '-'], app('v1'));
    await c.k(['rollout', 'status', `deploy/web`, '-n', NS, '--timeout=120s']);
    const list = await pods();
    expect(list.filter(ready)).toHaveLength(4);
    const cidrs = await podCidrs();
    const perNode: Record<string, number> = {};
    for (const p of list) {
      perNode[p.spec.nodeName!] = (perNode[p.spec.nodeName!] ?? 0) + 1;
      expect(inCidr(p.status.podIP!, cidrs[p.spec.nodeName!]!), `${p.status.podIP} in ${cidrs[p.spec.nodeName!]}`).toBe(true);
    }
    expect(Object.values(perNode).sort()).toEqual([2, 2]);
    const wide = await c.k(['get', 'pods', '-n', NS, '-o', 'wide']);
    expect(wide.match(/1\/1\s+Running/g)).toHaveLength(4);
  });

  it('hands ConfigMaps and Secrets to the pod as env and files; logs and exec work', async () => {
    const pod = (await pods())[0]!.metadata.name;
    expect((await c.k(['exec', '-n', NS, pod, '--', 'sh', '-c', 'echo $GREETING $TOKEN'])).trim()).toBe('ahoy s3cr3t');
    expect((await c.k(['exec', '-n', NS, pod, '--', 'cat', '/etc/settings/greeting', '/etc/creds/token'])).trim()).toBe('ahoys3cr3t');
    const failing = await c.kubectl(['exec', '-n', NS, pod, '--', 'sh', '-c', 'exit 3']);
    expect(failing.code).toBe(3);
    expect(await c.k(['logs', '-n', NS, pod])).toContain('listening on :8080');
  });

  it('heals: a killed container restarts, a failing liveness probe restarts, a deleted pod is replaced', async () => {
    const [victim] = await pods();
    const name = victim!.metadata.name;
    const containerId = victim!.status.containerStatuses![0]!.containerID!.replace('docker://', '');
    await c.run('docker', ['kill', containerId]);
    await until('restartCount rises after docker kill', async () => ((await pods()).find((p) => p.metadata.name === name)?.status.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 60_000);

    const [second] = (await pods()).filter((p) => p.metadata.name !== name);
    const before = second!.status.containerStatuses![0]!.restartCount;
    await c.k(['exec', '-n', NS, second!.metadata.name, '--', 'wget', '-qO-', '--post-data=', 'http://127.0.0.1:8080/fail']);
    await until('liveness restart', async () => ((await pods()).find((p) => p.metadata.name === second!.metadata.name)?.status.containerStatuses?.[0]?.restartCount ?? 0) > before, 60_000);

    await c.k(['delete', 'pod', '-n', NS, name, '--wait=false']);
    await until('a replacement pod', async () => {
      const list = await pods();
      return !list.some((p) => p.metadata.name === name) && list.filter(ready).length === 4;
    }, 90_000);
  });

  it('rolls out a new version without dropping below replicas − maxUnavailable Ready, and undoes it', async () => {
    let minReady = 4;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const n = (await pods()).filter(ready).length;
        minReady = Math.min(minReady, n);
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    try {
      await c.k(['apply', '-f', '-'], app('v2'));
      await c.k(['rollout', 'status', 'deploy/web', '-n', NS, '--timeout=180s']);
    } finally {
      sampling = false;
      await sampler;
    }
    expect(minReady).toBeGreaterThanOrEqual(3);
    const pod = (await pods()).find(ready)!.metadata.name;
    expect((await c.k(['exec', '-n', NS, pod, '--', 'sh', '-c', 'echo $VERSION'])).trim()).toBe('v2');
    await c.k(['rollout', 'undo', 'deploy/web', '-n', NS]);
    await c.k(['rollout', 'status', 'deploy/web', '-n', NS, '--timeout=180s']);
    const after = (await pods()).filter(ready);
    for (const p of after) expect((await c.k(['exec', '-n', NS, p.metadata.name, '--', 'sh', '-c', 'echo $VERSION'])).trim()).toBe('v1');
  });
});

describe('an agent that dies', () => {
  const pidFile = (node: string, child = false) => join(c.root, c.name, 'run', `agent-${node}.pid${child ? '.child' : ''}`);
  const pid = (file: string) => Number(readFileSync(file, 'utf8').trim());

  it('restarted by its supervisor, adopts its running containers instead of restarting them', async () => {
    const node1 = c.node(1);
    const before = (await pods()).filter((p) => p.spec.nodeName === node1).map((p) => [p.metadata.name, p.status.containerStatuses![0]!.containerID, p.status.containerStatuses![0]!.restartCount]);
    const agent = pid(pidFile(node1, true));
    process.kill(agent, 'SIGKILL');
    await until('agent restarted', async () => {
      try {
        return pid(pidFile(node1, true)) !== agent;
      } catch {
        return false;
      }
    }, 30_000);
    await new Promise((r) => setTimeout(r, 5000));
    const after = (await pods()).filter((p) => p.spec.nodeName === node1).map((p) => [p.metadata.name, p.status.containerStatuses![0]!.containerID, p.status.containerStatuses![0]!.restartCount]);
    expect(after).toEqual(before);
    expect((await pods()).filter(ready)).toHaveLength(4);
  });

  it('kept dead: its node goes NotReady within 50 s and its pods are recreated on the other node', async () => {
    const node1 = c.node(1);
    const node2 = c.node(2);
    const supervisor = pid(pidFile(node1));
    process.kill(supervisor, 'SIGSTOP');
    try {
      process.kill(pid(pidFile(node1, true)), 'SIGKILL');
      const killedAt = Date.now();
      await until('node NotReady', async () => (await c.k(['get', 'node', node1])).match(/NotReady/) !== null, 60_000, 1000);
      expect(Date.now() - killedAt).toBeLessThan(50_000);
      await until('all 4 replicas Ready on the other node', async () => {
        const list = (await pods()).filter(ready);
        return list.length === 4 && list.every((p) => p.spec.nodeName === node2);
      }, 120_000, 1000);
    } finally {
      process.kill(supervisor, 'SIGCONT');
    }
    await until('node Ready again', async () => (await c.k(['get', 'node', node1])).match(/\sReady/) !== null, 90_000, 1000);
  });
});
