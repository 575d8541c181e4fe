import { describe, expect, it } from 'vitest';
import { applyDefaults, imageTag } from '../../../../control/api/defaults/index.js';
import type { KubeObject } from '../../../../control/api/object.js';
import { findResource, type ResourceInfo } from '../../../../control/api/resources.js';

function info(group: string, resource: string): ResourceInfo {
  const r = findResource(group, group === '' ? 'v1' : group === 'autoscaling' ? 'v2' : 'v1', resource);
  if (!r) throw new Error(`no resource ${group}/${resource}`);
  return r;
}

function defaulted(group: string, resource: string, obj: Omit<KubeObject, 'metadata'> & { metadata?: KubeObject['metadata'] }): KubeObject {
  const o = structuredClone({ metadata: { name: 'x', namespace: 'default' }, ...obj }) as KubeObject;
  applyDefaults(info(group, resource), o);
  return o;
}

const DEFAULTED_CONTAINER = {
  name: 'app', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent', resources: {},
  terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File',
};
const TEMPLATE_SPEC_DEFAULTS = {
  dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30,
};

describe('imagePullPolicy from the image reference', () => {
  it.each([
    ['nginx', 'latest'], ['nginx:latest', 'latest'], ['nginx:1.27', '1.27'], ['localhost:5000/app', 'latest'],
    ['localhost:5000/app:v2', 'v2'], ['nginx@sha256:abcd', ''], ['nginx:1.2@sha256:abcd', '1.2'], ['', ''],
  ])('imageTag(%j) = %j', (image, tag) => {
    expect(imageTag(image)).toBe(tag);
  });

  it.each([
    ['nginx', 'Always'], ['nginx:latest', 'Always'], ['nginx:1.27', 'IfNotPresent'], ['busybox@sha256:abcd', 'IfNotPresent'],
  ])('%j → %s, and an explicit policy is kept', (image, policy) => {
    const pod = defaulted('', 'pods', { spec: { containers: [{ name: 'a', image }, { name: 'b', image, imagePullPolicy: 'Never' }] } });
    const cs = (pod.spec as { containers: Array<{ imagePullPolicy: string }> }).containers;
    expect(cs[0]!.imagePullPolicy).toBe(policy);
    expect(cs[1]!.imagePullPolicy).toBe('Never');
  });
});

describe('Pod', () => {
  it('fills the pod spec, container, probe, env and volume defaults kube shows', () => {
    const pod = defaulted('', 'pods', {
      spec: {
        containers: [{
          name: 'app', image: 'nginx:1.27',
          ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }],
          env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 5 },
          startupProbe: { grpc: { port: 9000 } },
          lifecycle: { preStop: { httpGet: { port: 80 } } },
          resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m' } },
        }],
        volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'sec', secret: { secretName: 's' } }, { name: 'scratch' },
          { name: 'host', hostPath: { path: '/tmp' } }, { name: 'proj', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }],
      },
    });
    expect(pod.spec).toEqual({
      ...TEMPLATE_SPEC_DEFAULTS,
      enableServiceLinks: true, serviceAccountName: 'default', serviceAccount: 'default', priority: 0, preemptionPolicy: 'PreemptLowerPriority',
      containers: [{
        ...DEFAULTED_CONTAINER,
        ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }],
        env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName', apiVersion: 'v1' } } }],
        livenessProbe: { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
        readinessProbe: { tcpSocket: { port: 80 }, timeoutSeconds: 1, periodSeconds: 5, successThreshold: 1, failureThreshold: 3 },
        startupProbe: { grpc: { port: 9000, service: '' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
        lifecycle: { preStop: { httpGet: { port: 80, path: '/', scheme: 'HTTP' } } },
        // requests default to limits per resource (pods only)
        resources: { limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m', memory: '64Mi' } },
      }],
      volumes: [
        { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } },
        { name: 'sec', secret: { secretName: 's', defaultMode: 420 } },
        { name: 'scratch', emptyDir: {} },
        { name: 'host', hostPath: { path: '/tmp', type: '' } },
        { name: 'proj', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 3600 } }] } },
      ],
    });
  });

  it('keeps explicit values and does not override a priority class', () => {
    const pod = defaulted('', 'pods', {
      spec: {
        containers: [{ name: 'a', image: 'x:1' }], restartPolicy: 'Never', dnsPolicy: 'Default', terminationGracePeriodSeconds: 0,
        enableServiceLinks: false, serviceAccountName: 'builder', priorityClassName: 'high', securityContext: { runAsUser: 1000 },
      },
    });
    const spec = pod.spec as Record<string, unknown>;
    expect(spec).toMatchObject({ restartPolicy: 'Never', dnsPolicy: 'Default', terminationGracePeriodSeconds: 0, enableServiceLinks: false,
      serviceAccountName: 'builder', serviceAccount: 'builder', securityContext: { runAsUser: 1000 } });
    expect(spec.priority).toBeUndefined();
    expect(spec.preemptionPolicy).toBeUndefined();
  });

  it('host-network pods get hostPort = containerPort', () => {
    const pod = defaulted('', 'pods', { spec: { hostNetwork: true, containers: [{ name: 'a', image: 'x:1', ports: [{ containerPort: 8080 }] }] } });
    expect((pod.spec as { containers: Array<{ ports: unknown[] }> }).containers[0]!.ports[0]).toEqual({ containerPort: 8080, hostPort: 8080, protocol: 'TCP' });
  });

  it('is idempotent', () => {
    const once = defaulted('', 'pods', { spec: { containers: [{ name: 'a', image: 'nginx', livenessProbe: { exec: { command: ['true'] } } }] } });
    const twice = structuredClone(once);
    applyDefaults(info('', 'pods'), twice);
    expect(twice).toEqual(once);
  });
});

describe('workloads', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
  const defaultedTemplate = { metadata: { labels: { app: 'web' } }, spec: { ...TEMPLATE_SPEC_DEFAULTS, containers: [DEFAULTED_CONTAINER] } };

  it('Deployment', () => {
    const d = defaulted('apps', 'deployments', { spec: { selector: { matchLabels: { app: 'web' } }, template } });
    expect(d.spec).toEqual({
      replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      selector: { matchLabels: { app: 'web' } }, template: defaultedTemplate,
    });
    // templates get no pod-only defaults
    expect((d.spec as { template: { spec: Record<string, unknown> } }).template.spec.enableServiceLinks).toBeUndefined();
  });

  it('Deployment keeps explicit values; Recreate gets no rollingUpdate', () => {
    const d = defaulted('apps', 'deployments', { spec: { replicas: 0, strategy: { type: 'Recreate' }, revisionHistoryLimit: 0, template } });
    expect(d.spec).toMatchObject({ replicas: 0, strategy: { type: 'Recreate' }, revisionHistoryLimit: 0 });
    expect((d.spec as { strategy: Record<string, unknown> }).strategy.rollingUpdate).toBeUndefined();
    const partial = defaulted('apps', 'deployments', { spec: { strategy: { rollingUpdate: { maxSurge: 1 } }, template } });
    expect((partial.spec as { strategy: unknown }).strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } });
  });

  it('ReplicaSet', () => {
    expect(defaulted('apps', 'replicasets', { spec: { template } }).spec).toEqual({ replicas: 1, template: defaultedTemplate });
  });

  it('DaemonSet', () => {
    expect(defaulted('apps', 'daemonsets', { spec: { template } }).spec).toEqual({
      revisionHistoryLimit: 10, updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } }, template: defaultedTemplate,
    });
  });

  it('Job: counts, selector generation and labels from the template', () => {
    const job = defaulted('batch', 'jobs', {
      metadata: { name: 'pi', namespace: 'default', uid: 'u-1' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'pi', image: 'perl:5' }] } } },
    });
    const labels = { 'batch.kubernetes.io/controller-uid': 'u-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u-1', 'job-name': 'pi' };
    expect(job.spec).toEqual({
      completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } },
      template: { metadata: { labels }, spec: { ...TEMPLATE_SPEC_DEFAULTS, restartPolicy: 'Never', containers: [{ ...DEFAULTED_CONTAINER, name: 'pi', image: 'perl:5' }] } },
    });
    expect(job.metadata.labels).toEqual(labels);
  });

  it('Job: parallelism alone leaves completions unset; manualSelector keeps the user selector; own labels stay', () => {
    const job = defaulted('batch', 'jobs', {
      metadata: { name: 'w', namespace: 'default', uid: 'u-2', labels: { team: 'a' } },
      spec: { parallelism: 3, manualSelector: true, selector: { matchLabels: { app: 'w' } }, template: { metadata: { labels: { app: 'w' } }, spec: { containers: [] } } },
    });
    expect(job.spec).toMatchObject({ parallelism: 3, manualSelector: true, selector: { matchLabels: { app: 'w' } } });
    expect((job.spec as Record<string, unknown>).completions).toBeUndefined();
    expect(job.metadata.labels).toEqual({ team: 'a' });
    expect((job.spec as { template: { metadata: unknown } }).template.metadata).toEqual({ labels: { app: 'w' } });
  });
});

describe('Service', () => {
  it('ClusterIP service', () => {
    const svc = defaulted('', 'services', { spec: { selector: { app: 'web' }, ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }] } });
    expect(svc.spec).toEqual({
      selector: { app: 'web' }, type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'],
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }],
    });
  });

  it('NodePort with ClientIP affinity; LoadBalancer; ExternalName; headless without selector', () => {
    const np = defaulted('', 'services', { spec: { type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ port: 80, targetPort: 8080 }] } });
    expect(np.spec).toMatchObject({ externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } } });
    const lb = defaulted('', 'services', { spec: { type: 'LoadBalancer', ports: [{ port: 443 }] } });
    expect(lb.spec).toMatchObject({ externalTrafficPolicy: 'Cluster', allocateLoadBalancerNodePorts: true });
    const ext = defaulted('', 'services', { spec: { type: 'ExternalName', externalName: 'example.com' } });
    expect(ext.spec).toEqual({ type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' });
    const headless = defaulted('', 'services', { spec: { clusterIP: 'None', ports: [{ port: 5432 }] } });
    expect(headless.spec).toMatchObject({ clusterIPs: ['None'], ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4'] });
  });

  it('keeps clusterIP and clusterIPs in step and drops affinity config for None', () => {
    const a = defaulted('', 'services', { spec: { clusterIP: '10.96.0.10', ports: [{ port: 53 }], sessionAffinityConfig: { clientIP: { timeoutSeconds: 5 } } } });
    expect(a.spec).toMatchObject({ clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] });
    expect((a.spec as Record<string, unknown>).sessionAffinityConfig).toBeUndefined();
    const b = defaulted('', 'services', { spec: { clusterIPs: ['10.96.0.11'], ports: [{ port: 53 }] } });
    expect(b.spec).toMatchObject({ clusterIP: '10.96.0.11' });
  });
});

describe('other kinds', () => {
  it('Secret: type Opaque and stringData merged into data', () => {
    const s = defaulted('', 'secrets', { data: { a: 'eA==', b: 'eQ==' }, stringData: { b: 'over', c: 'new' } });
    expect(s).toMatchObject({ type: 'Opaque', data: { a: 'eA==', b: Buffer.from('over').toString('base64'), c: Buffer.from('new').toString('base64') } });
    expect(s.stringData).toBeUndefined();
    expect(defaulted('', 'secrets', { type: 'kubernetes.io/tls' }).type).toBe('kubernetes.io/tls');
  });

  it('Namespace: finalizers, phase and the metadata.name label', () => {
    const ns = defaulted('', 'namespaces', { metadata: { name: 'team-a' } });
    expect(ns).toEqual({ metadata: { name: 'team-a', labels: { 'kubernetes.io/metadata.name': 'team-a' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
  });

  it('Endpoints and EndpointSlice ports get TCP', () => {
    const ep = defaulted('', 'endpoints', { subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] });
    expect(ep.subsets).toEqual([{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80, protocol: 'TCP' }] }]);
    const slice = defaulted('discovery.k8s.io', 'endpointslices', { addressType: 'IPv4', endpoints: [], ports: [{ port: 80 }] });
    expect(slice.ports).toEqual([{ port: 80, name: '', protocol: 'TCP' }]);
  });

  it('Node allocatable from capacity; NetworkPolicy policyTypes; HPA min and cpu target', () => {
    expect(defaulted('', 'nodes', { status: { capacity: { cpu: '2' } } }).status).toEqual({ capacity: { cpu: '2' }, allocatable: { cpu: '2' } });
    expect(defaulted('networking.k8s.io', 'networkpolicies', { spec: { podSelector: {}, egress: [{}] } }).spec).toMatchObject({ policyTypes: ['Ingress', 'Egress'] });
    expect(defaulted('autoscaling', 'horizontalpodautoscalers', { spec: { maxReplicas: 3 } }).spec).toEqual({
      maxReplicas: 3, minReplicas: 1, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
  });

  it('leaves kinds without defaults untouched', () => {
    const cm = { metadata: { name: 'c', namespace: 'd' }, data: { k: 'v' } };
    expect(defaulted('', 'configmaps', cm)).toEqual(cm);
    const ing = { metadata: { name: 'i', namespace: 'd' }, spec: { rules: [{ http: { paths: [{ path: '/', backend: {} }] } }] } };
    expect(defaulted('networking.k8s.io', 'ingresses', ing)).toEqual(ing);
  });

  it('survives malformed bodies without throwing', () => {
    for (const [g, r] of [['', 'pods'], ['apps', 'deployments'], ['batch', 'jobs'], ['', 'services'], ['', 'namespaces']] as const) {
      expect(() => defaulted(g, r, { spec: 'nonsense' as unknown as Record<string, unknown> })).not.toThrow();
      expect(() => defaulted(g, r, { spec: { containers: 'x', template: 5, ports: [null, 3] } })).not.toThrow();
    }
  });
});
