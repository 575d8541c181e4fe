/**
 * Both proxy modes against the same conformance cases, in real network namespaces with real
 * iptables, a real API server, and the proxy running inside the node namespace. Needs root and
 * a build (dist/). The second mode starts on the rules the first left behind, so switching
 * modes (and cleaning up the other mode's chains) is exercised too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import type { ApiClient } from '../../../control/client/index.js';
import { BRIDGE_IP, NetnsLab } from '../../support/proxy-netns-lab.js';
import { proxyConformance } from './conformance.js';

let cp: TestControlPlane;
let lab: NetnsLab;
let client: ApiClient;

beforeAll(async () => {
  lab = await NetnsLab.create();
  cp = await startControlPlane({ extraArgs: ['--bind-address', '0.0.0.0', '--tls-san', BRIDGE_IP] });
  client = cp.client();
}, 180_000);

afterAll(async () => {
  await lab?.destroy();
  await cp?.stop();
});

const ctx = {
  lab: () => lab,
  client: () => client,
  server: () => `https://${BRIDGE_IP}:${cp.port}`,
  pkiDir: () => join(cp.stateDir, 'pki'),
};

proxyConformance('iptables', 1, ctx);
proxyConformance('userspace', 2, ctx);

describe('tug trace', () => {
  it('explains a node\'s path for a ClusterIP from the API objects: the DNATs, and REJECT without endpoints', async () => {
    const { execFileSync } = await import('node:child_process');
    const { findResource } = await import('../../../control/api/resources.js');
    const { TUG_ENTRY } = await import('../../support/control-plane.js');
    const nodes = findResource('', 'v1', 'nodes')!;
    await client.create(nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'trace-node' } });
    await client.patch(nodes, undefined, 'trace-node', { status: { addresses: [{ type: 'InternalIP', address: '10.213.0.11' }] } }, 'merge', { subresource: 'status' });
    await client.create(findResource('', 'v1', 'services')!, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'traced', namespace: 'default' }, spec: { clusterIP: '10.96.3.100', ports: [{ name: 'http', port: 80, targetPort: 8080 }] } });
    await client.create(findResource('', 'v1', 'services')!, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'traced-empty', namespace: 'default' }, spec: { clusterIP: '10.96.3.101', ports: [{ port: 80 }] } });
    await client.create(findResource('discovery.k8s.io', 'v1', 'endpointslices')!, {
      apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
      metadata: { name: 'traced-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'traced' } },
      endpoints: [{ addresses: ['10.214.1.10'] }, { addresses: ['10.214.1.11'] }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    });
    const trace = (dst: string) => execFileSync(process.execPath, [TUG_ENTRY, 'trace', '--kubeconfig', cp.kubeconfig, '--node', 'trace-node', '--src', '10.214.1.12', '--dst', dst, '--dport', '80', '--cluster-cidr', '10.214.0.0/16'], { encoding: 'utf8' });
    const out = trace('10.96.3.100');
    expect(out).toContain('outcome 1 of 2 (p=0.500)');
    expect(out).toContain('DNAT to 10.214.1.10:8080; source kept');
    expect(out).toContain('DNAT to 10.214.1.11:8080; source kept');
    expect(trace('10.96.3.101')).toContain('REJECTED');
  });
});
