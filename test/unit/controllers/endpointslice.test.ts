import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../control/api/object.js';
import { desiredEndpointGroups, planSliceWrites, type SliceEndpoint } from '../../../control/controllers/endpointslice-desired.js';
import { desiredSubsets } from '../../../control/controllers/endpoints.js';

const svc = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', uid: 'svc-uid', labels: { app: 'web' } },
  spec: { selector: { app: 'web' }, clusterIP: '10.96.0.100', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], ...spec },
});

let n = 0;
const pod = (ip: string | undefined, o: { ready?: boolean; deleting?: boolean; phase?: string; node?: string; portName?: string; port?: number; labels?: Record<string, string> } = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: `web-${++n}`, namespace: 'default', uid: `uid-${n}`, labels: o.labels ?? { app: 'web' }, deletionTimestamp: o.deleting ? '2026-01-01T00:00:00Z' : undefined },
  spec: { nodeName: o.node ?? 'node-1', containers: [{ name: 'app', ports: [{ name: o.portName ?? 'http', containerPort: o.port ?? 8080, protocol: 'TCP' }] }] },
  status: { phase: o.phase ?? 'Running', podIP: ip, conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] },
});

const zones = (node: string) => (node === 'node-1' ? 'zone-a' : undefined);

describe('desired endpoints', () => {
  it('takes selected pods with an IP that have not finished; conditions from readiness and deletion', () => {
    const pods = [
      pod('10.244.1.3'), pod('10.244.1.2', { ready: false }), pod('10.244.1.4', { deleting: true }), pod(undefined),
      pod('10.244.1.5', { phase: 'Succeeded' }), pod('10.244.1.6', { labels: { app: 'other' } }), pod('10.244.2.7', { node: 'node-2' }),
    ];
    const groups = [...desiredEndpointGroups(svc(), pods, zones).values()];
    expect(groups).toHaveLength(1);
    expect(groups[0]!.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(groups[0]!.endpoints.map((e) => [e.addresses[0], e.conditions.ready, e.conditions.serving, e.conditions.terminating, e.nodeName, e.zone ?? '-'])).toEqual([
      ['10.244.1.2', false, false, false, 'node-1', 'zone-a'],
      ['10.244.1.3', true, true, false, 'node-1', 'zone-a'],
      ['10.244.1.4', false, true, true, 'node-1', 'zone-a'],
      ['10.244.2.7', true, true, false, 'node-2', '-'],
    ]);
    expect(groups[0]!.endpoints[1]!.targetRef).toMatchObject({ kind: 'Pod', namespace: 'default', uid: expect.stringMatching(/^uid-/) });
  });

  it('resolves a named targetPort per pod; pods listening on different numbers get different slices', () => {
    const groups = [...desiredEndpointGroups(svc(), [pod('10.244.1.2', { port: 8080 }), pod('10.244.1.3', { port: 9090 }), pod('10.244.1.4', { portName: 'other' })], zones).values()];
    expect(groups.map((g) => [g.ports[0]!.port, g.endpoints.map((e) => e.addresses[0])])).toEqual([[8080, ['10.244.1.2']], [9090, ['10.244.1.3']]]);
  });

  it('publishNotReadyAddresses makes every endpoint ready', () => {
    const [g] = [...desiredEndpointGroups(svc({ publishNotReadyAddresses: true }), [pod('10.244.1.2', { ready: false })], zones).values()];
    expect(g!.endpoints[0]!.conditions).toEqual({ ready: true, serving: false, terminating: false });
  });
});

describe('slice writes', () => {
  const T = '2026-01-01T00:00:00.000Z';
  const created = (writes: ReturnType<typeof planSliceWrites>, i: number): KubeObject => ({ ...writes[i]!.slice, metadata: { ...writes[i]!.slice.metadata, name: `web-${i}`, resourceVersion: '5' } });
  const ips = (s: KubeObject) => ((s as { endpoints: SliceEndpoint[] }).endpoints ?? []).map((e) => e.addresses[0]);
  const manyPods = (count: number, from = 0) => Array.from({ length: count }, (_, i) => pod(`10.244.${Math.floor((i + from) / 200) + 1}.${((i + from) % 200) + 2}`));

  it('creates one labelled, owned slice per 100 endpoints, with the trigger time', () => {
    const writes = planSliceWrites(svc(), desiredEndpointGroups(svc(), manyPods(250), zones), [], T);
    expect(writes.map((w) => [w.op, ips(w.slice).length])).toEqual([['create', 100], ['create', 100], ['create', 50]]);
    const s = writes[0]!.slice;
    expect(s.metadata).toMatchObject({
      generateName: 'web-', namespace: 'default',
      labels: { app: 'web', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': T },
      ownerReferences: [{ kind: 'Service', name: 'web', uid: 'svc-uid', controller: true }],
    });
    expect(s).toMatchObject({ addressType: 'IPv4', ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] });
  });

  it('writes nothing when nothing changed, and updates only the slice holding a changed endpoint', () => {
    const pods = manyPods(150);
    const first = planSliceWrites(svc(), desiredEndpointGroups(svc(), pods, zones), [], T);
    const existing = first.map((_, i) => created(first, i));
    expect(planSliceWrites(svc(), desiredEndpointGroups(svc(), pods, zones), existing, 'later')).toEqual([]);
    const changed = pods.map((p, i) => (i === 120 ? pod((p.status as { podIP: string }).podIP, { ready: false }) : p));
    const writes = planSliceWrites(svc(), desiredEndpointGroups(svc(), changed, zones), existing, 'later');
    expect(writes.map((w) => [w.op, w.slice.metadata.name])).toEqual([['update', 'web-1']]);
  });

  it('new endpoints fill existing slices before new ones; emptied slices are deleted; no endpoints leaves one placeholder', () => {
    const pods = manyPods(170);
    const first = planSliceWrites(svc(), desiredEndpointGroups(svc(), pods.slice(0, 150), zones), [], T);
    const existing = first.map((_, i) => created(first, i));
    const grown = planSliceWrites(svc(), desiredEndpointGroups(svc(), pods, zones), existing, T);
    expect(grown.map((w) => [w.op, w.slice.metadata.name, ips(w.slice).length])).toEqual([['update', 'web-1', 70]]);
    const shrunk = planSliceWrites(svc(), desiredEndpointGroups(svc(), pods.slice(0, 100), zones), existing, T);
    expect(shrunk.map((w) => [w.op, w.slice.metadata.name])).toEqual([['delete', 'web-1']]);
    const none = planSliceWrites(svc(), new Map(), existing, T);
    expect(none.map((w) => [w.op, w.slice.metadata.name, ips(w.slice).length])).toEqual([['update', 'web-1', 0], ['delete', 'web-0', 100]]);
  });
});

describe('legacy Endpoints subsets', () => {
  it('ready pods in addresses, unready in notReadyAddresses, terminating left out', () => {
    const subsets = desiredSubsets(svc(), [pod('10.244.1.3'), pod('10.244.1.2', { ready: false }), pod('10.244.1.4', { deleting: true })]);
    expect(subsets).toEqual([{
      addresses: [{ ip: '10.244.1.3', nodeName: 'node-1', targetRef: expect.objectContaining({ kind: 'Pod' }) }],
      notReadyAddresses: [{ ip: '10.244.1.2', nodeName: 'node-1', targetRef: expect.objectContaining({ kind: 'Pod' }) }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    }]);
  });
});
