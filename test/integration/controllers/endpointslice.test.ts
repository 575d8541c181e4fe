/**
 * EndpointSlice and Endpoints controllers against a real control plane: pods (with the status a
 * kubelet would write) → slices and Endpoints seen through the real kubectl; readiness changes,
 * named ports, Service deletion, selector-less Services left alone. Plus the Service allocator:
 * ClusterIPs and NodePorts stay taken across an API server restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { findResource } from '../../../control/api/resources.js';
import type { KubeObject } from '../../../control/api/object.js';
import type { ApiClient } from '../../../control/client/index.js';
import { simulateNode, type SimulatedNode } from './simulated-nodes.js';

const PODS = findResource('', 'v1', 'pods')!;
const SERVICES = findResource('', 'v1', 'services')!;
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;

let cp: TestControlPlane;
let client: ApiClient;
let node: SimulatedNode;

beforeAll(async () => {
  cp = await startControlPlane();
  client = cp.client();
  node = await simulateNode(client, 'es-node-1', { labels: { 'topology.kubernetes.io/zone': 'zone-a' } });
  node.startHeartbeat();
});
afterAll(async () => {
  node?.stopHeartbeat();
  await cp?.stop();
});

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await fn();
  while (!ok(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    v = await fn();
  }
  return v;
}

async function runningPod(name: string, ip: string, ready: boolean, labels = { app: 'web' }, port = 8080): Promise<void> {
  await client.create(PODS, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels },
    spec: { nodeName: 'es-node-1', containers: [{ name: 'app', image: 'tugboat/testapp', ports: [{ name: 'http', containerPort: port }] }] },
  });
  await setReady(name, ip, ready);
}

async function setReady(name: string, ip: string, ready: boolean): Promise<void> {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  await client.patch(PODS, 'default', name, {
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: now }] },
  }, 'merge', { subresource: 'status' });
}

interface SliceJson { metadata: KubeObject['metadata']; endpoints?: { addresses: string[]; conditions: Record<string, boolean>; nodeName?: string; zone?: string; targetRef?: { name: string } }[]; ports?: { name: string; port: number }[] }

const slicesOf = async (svc: string): Promise<SliceJson[]> =>
  (JSON.parse(await cp.k(['get', 'endpointslices', '-l', `kubernetes.io/service-name=${svc}`, '-o', 'json'])) as { items: SliceJson[] }).items;

describe('EndpointSlice controller', () => {
  it('publishes ready and unready pods with zone, node, named port and the trigger time; kubectl sees them', async () => {
    await cp.k(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: { name: web, namespace: default, labels: { tier: front } }
spec:
  selector: { app: web }
  ports: [{ name: http, port: 80, targetPort: http }]
`);
    await runningPod('web-1', '10.244.1.10', true);
    await runningPod('web-2', '10.244.1.11', false);
    await runningPod('other', '10.244.1.12', true, { app: 'other' } as { app: string });
    const slices = await until(() => slicesOf('web'), (s) => s.length === 1 && s[0]!.endpoints?.length === 2);
    expect(slices).toHaveLength(1);
    const s = slices[0]!;
    expect(s.metadata.labels).toMatchObject({ tier: 'front', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
    expect(s.metadata.annotations?.['endpoints.kubernetes.io/last-change-trigger-time']).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(s.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Service', name: 'web', controller: true });
    expect(s.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(s.endpoints!.map((e) => [e.addresses[0], e.conditions.ready, e.nodeName, e.zone, e.targetRef?.name])).toEqual([
      ['10.244.1.10', true, 'es-node-1', 'zone-a', 'web-1'],
      ['10.244.1.11', false, 'es-node-1', 'zone-a', 'web-2'],
    ]);
    const ep = await until(async () => JSON.parse(await cp.k(['get', 'endpoints', 'web', '-o', 'json'])) as { subsets?: { addresses?: { ip: string }[]; notReadyAddresses?: { ip: string }[] }[] }, (e) => !!e.subsets?.length);
    expect(ep.subsets![0]!.addresses!.map((a) => a.ip)).toEqual(['10.244.1.10']);
    expect(ep.subsets![0]!.notReadyAddresses!.map((a) => a.ip)).toEqual(['10.244.1.11']);
    expect(await cp.k(['get', 'endpoints', 'web'])).toMatch(/10\.244\.1\.10:8080/);
  });

  it('follows readiness within a second, and removes a deleted pod', async () => {
    const t0 = Date.now();
    await setReady('web-2', '10.244.1.11', true);
    await until(() => slicesOf('web'), (s) => s[0]!.endpoints!.every((e) => e.conditions.ready));
    expect(Date.now() - t0).toBeLessThan(1000);
    await client.delete(PODS, 'default', 'web-1', { gracePeriodSeconds: 0 });
    const after = await until(() => slicesOf('web'), (s) => s[0]!.endpoints?.length === 1);
    expect(after[0]!.endpoints!.map((e) => e.addresses[0])).toEqual(['10.244.1.11']);
  });

  it('leaves the slices of a selector-less Service to their owner', async () => {
    await client.create(SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual', namespace: 'default' }, spec: { ports: [{ port: 80 }] } });
    await client.create(SLICES, {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: 'manual-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'manual', 'endpointslice.kubernetes.io/managed-by': 'someone' } },
      endpoints: [{ addresses: ['10.9.9.9'] }], ports: [{ port: 80 }],
    });
    await new Promise((r) => setTimeout(r, 1500));
    const slices = await slicesOf('manual');
    expect(slices.map((s) => s.metadata.name)).toEqual(['manual-1']);
    await expect(cp.kubectl(['get', 'endpoints', 'manual'])).resolves.toMatchObject({ code: 1 });
  });

  it('deletes the slices and Endpoints of a deleted Service', async () => {
    await client.delete(SERVICES, 'default', 'web');
    const gone = await until(() => slicesOf('web'), (s) => s.length === 0);
    expect(gone).toEqual([]);
    const ep = await until(() => cp.kubectl(['get', 'endpoints', 'web']), (r) => r.code !== 0);
    expect(ep.stderr).toMatch(/NotFound|not found/);
  });
});

describe('Service allocator', () => {
  it('never hands out a ClusterIP or NodePort twice, also across an API server restart', async () => {
    const a = await client.create<KubeObject>(SERVICES, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np-a', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    const spec = a.spec as { clusterIP: string; ports: { nodePort: number }[] };
    await cp.kill();
    await cp.start();
    const fresh = cp.client();
    const ip = await cp.kubectl(['create', 'service', 'clusterip', 'dup-ip', '--tcp=80', `--clusterip=${spec.clusterIP}`]);
    expect(ip.code).not.toBe(0);
    expect(ip.stderr).toMatch(/already allocated/);
    const port = await cp.kubectl(['create', 'service', 'nodeport', 'dup-port', '--tcp=80', `--node-port=${spec.ports[0]!.nodePort}`]);
    expect(port.code).not.toBe(0);
    expect(port.stderr).toMatch(/already allocated/);
    // released on delete: the same port can be taken again
    await fresh.delete(SERVICES, 'default', 'np-a');
    const again = await cp.kubectl(['create', 'service', 'nodeport', 'reuse-port', '--tcp=80', `--node-port=${spec.ports[0]!.nodePort}`]);
    expect(again.code, again.stderr).toBe(0);
  });
});
