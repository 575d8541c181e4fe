/** The representative cluster of the golden tests: one of each kind of service port. */
import { planOf, slice, svc } from './fixtures.js';
import type { RulePlan } from '../../../dataplane/proxy/core/plan.js';
import type { KubeObject } from '../../../control/api/object.js';

export function goldenServices(): KubeObject[] {
  return [
    svc('web', { clusterIP: '10.96.0.100' }),
    svc('np', { clusterIP: '10.96.0.101', type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30080 }], externalIPs: ['10.200.0.100'], affinity: 600 }),
    svc('lp', { clusterIP: '10.96.0.102', type: 'NodePort', ports: [{ port: 80, nodePort: 30081 }], etp: 'Local' }),
    svc('kube-dns', { ns: 'kube-system', clusterIP: '10.96.0.10', itp: 'Local', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
    svc('empty', { clusterIP: '10.96.0.103', type: 'NodePort', ports: [{ name: 'http', port: 80, nodePort: 30082 }] }),
  ];
}

export function goldenSlices(): KubeObject[] {
  return [
    slice('web', [{ ip: '10.244.1.10' }, { ip: '10.244.2.10', node: 'node-2' }]),
    slice('np', [{ ip: '10.244.1.11' }, { ip: '10.244.2.11', node: 'node-2' }]),
    slice('lp', [{ ip: '10.244.1.12' }, { ip: '10.244.2.12', node: 'node-2' }], { ports: [{ port: 8080 }] }),
    slice('kube-dns', [{ ip: '10.200.0.11' }, { ip: '10.200.0.12', node: 'node-2' }], { ns: 'kube-system', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] }),
  ];
}

export function goldenPlan(): RulePlan {
  return planOf(goldenServices(), goldenSlices());
}
