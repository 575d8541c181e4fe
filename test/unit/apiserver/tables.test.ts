import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource, RESOURCES, type ResourceInfo } from '../../../control/api/resources.js';
import { defaultPrinter, printerFor, toTable, parseIncludeObject } from '../../../control/apiserver/tables/index.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();

function info(group: string, version: string, resource: string): ResourceInfo {
  const r = findResource(group, version, resource);
  if (!r) throw new Error(`not served: ${group}/${version}/${resource}`);
  return r;
}

function obj(name: string, fields: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject {
  return { metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: ago(3600), labels: { app: name }, ...meta }, ...fields };
}

/** Cells keyed by column name, as a reader compares them with `kubectl get -o wide`. */
function cells(r: ResourceInfo, o: KubeObject): Record<string, unknown> {
  const table = toTable(r, [o], { now: NOW, resourceVersion: '1' });
  return Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, table.rows[0]!.cells[i]]));
}

describe('toTable envelope', () => {
  const pods = info('', 'v1', 'pods');
  const p = obj('web-1', { apiVersion: 'v1', kind: 'Pod', spec: { containers: [] }, status: { phase: 'Running' } });

  it('is a meta.k8s.io/v1 Table carrying the list revision and continue token', () => {
    const t = toTable(pods, [p], { now: NOW, resourceVersion: '1020', continueToken: 'abc', remainingItemCount: 4 });
    expect(t).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '1020', continue: 'abc', remainingItemCount: 4 } });
    expect(toTable(pods, [p], { now: NOW, resourceVersion: '1' }).metadata).toEqual({ resourceVersion: '1' });
  });

  it('attaches PartialObjectMetadata by default (NAMESPACE with -A, --show-labels; pitfall P15)', () => {
    const t = toTable(pods, [p], { now: NOW, resourceVersion: '1' });
    expect(t.rows[0]!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: p.metadata });
    expect(toTable(pods, [p], { now: NOW, resourceVersion: '1', includeObject: 'Metadata' }).rows[0]!.object).toEqual(t.rows[0]!.object);
  });

  it('attaches the full object with includeObject=Object (--sort-by), filling apiVersion/kind', () => {
    const bare = obj('web-2', { spec: {}, status: { phase: 'Pending' } });
    const row = toTable(pods, [bare], { now: NOW, resourceVersion: '1', includeObject: 'Object' }).rows[0]!;
    expect(row.object).toEqual({ ...bare, apiVersion: 'v1', kind: 'Pod' });
  });

  it('attaches nothing with includeObject=None', () => {
    expect(toTable(pods, [p], { now: NOW, resourceVersion: '1', includeObject: 'None' }).rows[0]).not.toHaveProperty('object');
  });

  it('leaves the columns out for later watch events when asked', () => {
    const t = toTable(pods, [p], { now: NOW, resourceVersion: '1', omitColumnDefinitions: true });
    expect(t.columnDefinitions).toEqual([]);
    expect(t.rows[0]!.cells).toHaveLength(9);
  });

  it('parses includeObject query values', () => {
    expect(parseIncludeObject(null)).toBe('Metadata');
    expect(parseIncludeObject('Object')).toBe('Object');
    expect(parseIncludeObject('None')).toBe('None');
    expect(parseIncludeObject('Everything')).toBeUndefined();
  });

  it('gives resources without a printer Name and Created At (type date, RFC 3339)', () => {
    const widget: ResourceInfo = { ...info('apps', 'v1', 'deployments'), group: 'example.com', resource: 'widgets', kind: 'Widget' };
    expect(printerFor(widget)).toBe(defaultPrinter);
    const t = toTable(widget, [obj('w', {}, { creationTimestamp: '2026-11-20T08:30:00.000Z' })], { now: NOW, resourceVersion: '1' });
    expect(t.columnDefinitions.map((c) => [c.name, c.type, c.format])).toEqual([['Name', 'string', 'name'], ['Created At', 'date', '']]);
    expect(t.rows[0]!.cells).toEqual(['w', '2026-11-20T08:30:00Z']);
  });

  // Upstream prints these with name + creation time only, which is the default printer.
  const NAME_AND_CREATED = new Set(['core/limitranges', 'rbac.authorization.k8s.io/roles', 'rbac.authorization.k8s.io/clusterroles']);
  it.each(RESOURCES.filter((r) => !NAME_AND_CREATED.has(`${r.group || 'core'}/${r.resource}`)).map((r) => [`${r.group || 'core'}/${r.resource}`, r] as const))(
    '%s: has a dedicated printer whose rows fill every column, even for an empty object',
    (_name, r) => {
      expect(printerFor(r)).not.toBe(defaultPrinter);
      const t = toTable(r, [{ metadata: { name: 'x' } }], { now: NOW, resourceVersion: '1' });
      expect(t.columnDefinitions.length).toBeGreaterThan(1);
      expect(t.rows[0]!.cells).toHaveLength(t.columnDefinitions.length);
      expect(t.columnDefinitions.filter((c) => c.format === 'name').length).toBeGreaterThanOrEqual(1);
    },
  );
});

describe('workload printers', () => {
  const template = { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'log', image: 'busybox' }] } };

  it('deployments: Ready n/m, Up-to-date, Available, containers, images, selector', () => {
    const d = obj('web', {
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    }, { creationTimestamp: ago(7200) });
    expect(cells(info('apps', 'v1', 'deployments'), d)).toEqual({
      Name: 'web', Ready: '2/3', 'Up-to-date': 3, Available: 2, Age: '120m', Containers: 'nginx,log', Images: 'nginx:1.25,busybox', Selector: 'app=web',
    });
  });

  it('deployments without status print zeros', () => {
    const d = obj('web', { spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template } });
    expect(cells(info('apps', 'v1', 'deployments'), d)).toMatchObject({ Ready: '0/1', 'Up-to-date': 0, Available: 0 });
  });

  it('replicasets and daemonsets print integer counts', () => {
    const rs = obj('web-5d4f', { spec: { replicas: 3, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d4f' } }, template }, status: { replicas: 3, readyReplicas: 1 } });
    expect(cells(info('apps', 'v1', 'replicasets'), rs)).toMatchObject({ Desired: 3, Current: 3, Ready: 1, Selector: 'app=web,pod-template-hash=5d4f' });
    const ds = obj('proxy', {
      spec: { selector: { matchLabels: { app: 'proxy' } }, template: { spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    });
    expect(cells(info('apps', 'v1', 'daemonsets'), ds)).toMatchObject({
      Desired: 3, Current: 3, Ready: 2, 'Up-to-date': 3, Available: 2, 'Node Selector': 'kubernetes.io/os=linux',
    });
  });

  it('jobs: Status, Completions and Duration', () => {
    const jobs = info('batch', 'v1', 'jobs');
    const done = obj('pi', {
      spec: { completions: 1, template },
      status: { succeeded: 1, startTime: ago(3600), completionTime: ago(3600 - 42), conditions: [{ type: 'Complete', status: 'True' }] },
    });
    expect(cells(jobs, done)).toMatchObject({ Status: 'Complete', Completions: '1/1', Duration: '42s' });
    const running = obj('pi', { spec: { parallelism: 3, template }, status: { succeeded: 0, startTime: ago(150) } });
    expect(cells(jobs, running)).toMatchObject({ Status: 'Running', Completions: '0/1 of 3', Duration: '2m30s' });
    const failed = obj('pi', { spec: { completions: 2, template }, status: { conditions: [{ type: 'Failed', status: 'True' }] } });
    expect(cells(jobs, failed)).toMatchObject({ Status: 'Failed', Completions: '0/2', Duration: '' });
  });
});

describe('service printer', () => {
  const services = info('', 'v1', 'services');
  const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
    cells(services, obj('web', { spec: { selector: { app: 'web' }, ...spec }, status }, { creationTimestamp: ago(3 * 86400 + 4 * 3600) }));

  it('ClusterIP', () => {
    expect(svc({ type: 'ClusterIP', clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] })).toEqual({
      Name: 'web', Type: 'ClusterIP', 'Cluster-IP': '10.96.0.20', 'External-IP': '<none>', 'Port(s)': '80/TCP,53/UDP', Age: '3d4h', Selector: 'app=web',
    });
  });

  it('NodePort', () => {
    expect(svc({ type: 'NodePort', clusterIPs: ['10.96.0.21'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] }))
      .toMatchObject({ Type: 'NodePort', 'Cluster-IP': '10.96.0.21', 'External-IP': '<none>', 'Port(s)': '80:30080/TCP' });
  });

  it('headless', () => {
    expect(svc({ type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80, protocol: 'TCP' }] }))
      .toMatchObject({ 'Cluster-IP': 'None', 'Port(s)': '80/TCP' });
  });

  it('ExternalName', () => {
    expect(svc({ type: 'ExternalName', externalName: 'db.example.com', selector: undefined }))
      .toMatchObject({ Type: 'ExternalName', 'Cluster-IP': '<none>', 'External-IP': 'db.example.com', 'Port(s)': '<none>', Selector: '<none>' });
  });

  it('LoadBalancer pending, assigned, and with external IPs', () => {
    const lb = { type: 'LoadBalancer', clusterIPs: ['10.96.0.22'], ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }] };
    expect(svc(lb)['External-IP']).toBe('<pending>');
    expect(svc(lb, { loadBalancer: { ingress: [{ ip: '192.0.2.9' }, { hostname: 'lb.example.com' }, { ip: '192.0.2.9' }] } })['External-IP'])
      .toBe('192.0.2.9,lb.example.com');
    expect(svc({ ...lb, externalIPs: ['198.51.100.1'] }, { loadBalancer: { ingress: [{ ip: '192.0.2.9' }] } })['External-IP'])
      .toBe('192.0.2.9,198.51.100.1');
  });

  it('ClusterIP with external IPs, and a service whose protocol was never defaulted', () => {
    expect(svc({ type: 'ClusterIP', clusterIPs: ['10.96.0.23'], externalIPs: ['198.51.100.1', '198.51.100.2'], ports: [{ port: 80 }] }))
      .toMatchObject({ 'External-IP': '198.51.100.1,198.51.100.2', 'Port(s)': '80/TCP' });
  });
});

describe('endpoints and endpointslices', () => {
  it('endpoints: ip:port pairs, bare IPs without ports, at most three', () => {
    const ep = info('', 'v1', 'endpoints');
    const subsets = [{ addresses: [{ ip: '10.244.1.5' }, { ip: '10.244.2.7' }], ports: [{ port: 80 }, { port: 443 }] }];
    expect(cells(ep, obj('web', { subsets })).Endpoints).toBe('10.244.1.5:80,10.244.2.7:80,10.244.1.5:443 + 1 more...');
    expect(cells(ep, obj('web', { subsets: [{ addresses: [{ ip: 'fd00::5' }], ports: [{ port: 80 }] }] })).Endpoints).toBe('[fd00::5]:80');
    expect(cells(ep, obj('web', { subsets: [{ addresses: [{ ip: '10.244.1.5' }] }] })).Endpoints).toBe('10.244.1.5');
    expect(cells(ep, obj('web', {})).Endpoints).toBe('<none>');
  });

  it('endpointslices: address type, ports and addresses', () => {
    const es = info('discovery.k8s.io', 'v1', 'endpointslices');
    const slice = obj('web-abcde', {
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: null }],
      endpoints: [{ addresses: ['10.244.1.5'] }, { addresses: ['10.244.2.7'] }],
    });
    expect(cells(es, slice)).toMatchObject({ AddressType: 'IPv4', Ports: '80,metrics', Endpoints: '10.244.1.5,10.244.2.7' });
    expect(cells(es, obj('empty', { addressType: 'IPv4' }))).toMatchObject({ Ports: '<unset>', Endpoints: '<unset>' });
  });
});

describe('cluster printers', () => {
  it('nodes: Ready,SchedulingDisabled, roles, version and wide details', () => {
    const node = obj('node-1', {
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'MemoryPressure', status: 'False' }, { type: 'Ready', status: 'True' }],
        addresses: [{ type: 'Hostname', address: 'node-1' }, { type: 'InternalIP', address: '10.200.0.11' }],
        nodeInfo: { kubeletVersion: 'v1.32.0+tugboat', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0-18-amd64', containerRuntimeVersion: 'docker://24.0.5' },
      },
    }, { namespace: undefined, creationTimestamp: ago(45 * 86400), labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'ingress' } });
    expect(cells(info('', 'v1', 'nodes'), node)).toEqual({
      Name: 'node-1', Status: 'Ready,SchedulingDisabled', Roles: 'control-plane,ingress', Age: '45d', Version: 'v1.32.0+tugboat',
      'Internal-IP': '10.200.0.11', 'External-IP': '<none>', 'OS-Image': 'Debian GNU/Linux 12 (bookworm)',
      'Kernel-Version': '6.1.0-18-amd64', 'Container-Runtime': 'docker://24.0.5',
    });
  });

  it('nodes: NotReady, Unknown without a Ready condition, <none> roles', () => {
    const nodes = info('', 'v1', 'nodes');
    expect(cells(nodes, obj('n', { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }, { labels: {} }))).toMatchObject({ Status: 'NotReady', Roles: '<none>' });
    expect(cells(nodes, obj('n', { status: {} }))).toMatchObject({ Status: 'Unknown', 'OS-Image': '<unknown>' });
  });

  it('events: Last Seen, Type, Reason, Object kind/name, trimmed Message', () => {
    const ev = obj('web-1.17a', {
      type: 'Warning', reason: 'BackOff', message: 'Back-off restarting failed container app\n',
      involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', fieldPath: 'spec.containers{app}' },
      source: { component: 'kubelet', host: 'node-1' }, firstTimestamp: ago(600), lastTimestamp: ago(42), count: 7,
    });
    expect(cells(info('', 'v1', 'events'), ev)).toEqual({
      'Last Seen': '42s', Type: 'Warning', Reason: 'BackOff', Object: 'pod/web-1', Subobject: 'spec.containers{app}',
      Source: 'kubelet, node-1', Message: 'Back-off restarting failed container app', 'First Seen': '10m', Count: 7, Name: 'web-1.17a',
    });
  });

  it('events of the events.k8s.io shape: eventTime, series and reporting component', () => {
    const events = info('', 'v1', 'events');
    const ev = obj('x', {
      type: 'Normal', reason: 'Scheduled', message: 'ok', eventTime: '2026-11-26T11:59:00.123456Z',
      involvedObject: { kind: 'Pod', name: 'web-1' }, reportingComponent: 'default-scheduler',
    });
    expect(cells(events, ev)).toMatchObject({ 'Last Seen': '59s', 'First Seen': '59s', Count: 1, Source: 'default-scheduler' });
    const series = obj('y', { eventTime: ago(600), series: { count: 4, lastObservedTime: ago(5) }, involvedObject: { kind: 'Node' } });
    expect(cells(events, series)).toMatchObject({ 'Last Seen': '5s', Count: 4, Object: 'node' });
  });

  it('namespaces, configmaps, secrets, serviceaccounts, leases', () => {
    expect(cells(info('', 'v1', 'namespaces'), obj('prod', { status: { phase: 'Active' } }))).toMatchObject({ Status: 'Active', Age: '60m' });
    expect(cells(info('', 'v1', 'configmaps'), obj('cfg', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }))).toMatchObject({ Data: 3 });
    expect(cells(info('', 'v1', 'secrets'), obj('tls', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } })))
      .toMatchObject({ Type: 'kubernetes.io/tls', Data: 2 });
    expect(cells(info('', 'v1', 'serviceaccounts'), obj('default', {}))).toMatchObject({ Secrets: 0 });
    expect(cells(info('coordination.k8s.io', 'v1', 'leases'), obj('node-1', { spec: { holderIdentity: 'node-1' } }))).toMatchObject({ Holder: 'node-1' });
  });

  it('horizontalpodautoscalers: reference, targets, min/max, replicas', () => {
    const hpa = obj('web', {
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 10,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
          { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } } },
        ],
      },
      status: { currentReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 41 } } }] },
    });
    expect(cells(info('autoscaling', 'v2', 'horizontalpodautoscalers'), hpa)).toMatchObject({
      Reference: 'Deployment/web', Targets: 'cpu: 41%/80%, memory: <unknown>/500Mi + 1 more...', MinPods: '2', MaxPods: 10, Replicas: 3,
    });
  });
});

describe('ingress and gateway printers', () => {
  it('ingresses: class, hosts, address, ports', () => {
    const ingresses = info('networking.k8s.io', 'v1', 'ingresses');
    const ing = obj('web', {
      spec: { ingressClassName: 'tugboat', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }], tls: [{ hosts: ['a.example.com'] }] },
      status: { loadBalancer: { ingress: [{ ip: '10.200.0.12' }, { ip: '10.200.0.11' }] } },
    });
    expect(cells(ingresses, ing)).toEqual({
      Name: 'web', Class: 'tugboat', Hosts: 'a.example.com,b.example.com', Address: '10.200.0.11,10.200.0.12', Ports: '80, 443', Age: '60m',
    });
    const many = obj('many', { spec: { rules: [{ host: 'a' }, { host: 'b' }, {}, { host: 'd' }, { host: 'e' }] } });
    expect(cells(ingresses, many)).toMatchObject({ Class: '<none>', Hosts: 'a,b,d + 2 more...', Address: '', Ports: '80' });
    expect(cells(ingresses, obj('default-backend', { spec: { defaultBackend: {} } })).Hosts).toBe('*');
  });

  it('ingressclasses and networkpolicies', () => {
    const ic = obj('tugboat', { spec: { controller: 'tugboat.dev/ingress', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'p' } } });
    expect(cells(info('networking.k8s.io', 'v1', 'ingressclasses'), ic)).toMatchObject({ Controller: 'tugboat.dev/ingress', Parameters: 'IngressParameters.k8s.example.com/p' });
    const np = info('networking.k8s.io', 'v1', 'networkpolicies');
    expect(cells(np, obj('deny', { spec: { podSelector: {} } }))['Pod-Selector']).toBe('<none>');
    expect(cells(np, obj('web', { spec: { podSelector: { matchLabels: { app: 'web' } } } }))['Pod-Selector']).toBe('app=web');
  });

  it('gateway API kinds mirror the CRD printer columns', () => {
    const gc = obj('tugboat', { spec: { controllerName: 'tugboat.dev/gateway' }, status: { conditions: [{ type: 'Accepted', status: 'True' }] } });
    expect(cells(info('gateway.networking.k8s.io', 'v1', 'gatewayclasses'), gc)).toEqual({
      Name: 'tugboat', Controller: 'tugboat.dev/gateway', Accepted: 'True', Age: '60m', Description: null,
    });
    const gw = obj('edge', { spec: { gatewayClassName: 'tugboat' }, status: { addresses: [{ value: '10.200.0.11' }, { value: '10.200.0.12' }] } });
    expect(cells(info('gateway.networking.k8s.io', 'v1', 'gateways'), gw)).toEqual({
      Name: 'edge', Class: 'tugboat', Address: '10.200.0.11', Programmed: null, Age: '60m',
    });
    const routes = info('gateway.networking.k8s.io', 'v1', 'httproutes');
    expect(cells(routes, obj('r', { spec: { hostnames: ['a.example.com', 'b.example.com'] } })).Hostnames).toBe('["a.example.com","b.example.com"]');
    expect(cells(routes, obj('r', { spec: {} })).Hostnames).toBeNull();
    const ageColumn = toTable(routes, [], { now: NOW, resourceVersion: '1' }).columnDefinitions.find((c) => c.name === 'Age');
    expect(ageColumn?.type).toBe('date');
  });
});
