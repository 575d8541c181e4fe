import { describe, expect, it } from 'vitest';
import { expand } from '../../../dataplane/kubelet/expand.js';
import { containerEnv, ContainerConfigError, type ConfigSources } from '../../../dataplane/kubelet/env.js';
import { hostsFile, resolvConf } from '../../../dataplane/kubelet/pod-dns.js';
import { RestartBackoff } from '../../../dataplane/kubelet/restart-backoff.js';
import { serviceEnv } from '../../../dataplane/kubelet/service-env.js';
import { ProbeVerdict } from '../../../dataplane/kubelet/prober.js';
import { DockerFrameDecoder, encodeDockerFrame } from '../../../dataplane/kubelet/docker-stream.js';
import { chooseProtocol, exitStatus, frame } from '../../../dataplane/kubelet/remote-command.js';
import { isLocalRegistry, registryOf } from '../../../dataplane/kubelet/image-puller.js';
import { nodeStatus } from '../../../dataplane/kubelet/node-status.js';
import { microTime } from '../../../dataplane/kubelet/node-registration.js';
import { resourceLimits } from '../../../dataplane/kubelet/container-spec.js';
import type { ConfigMap, Secret, Service } from '../../../dataplane/kubelet/pod-types.js';
import { FakeClock, makePod } from './fixtures.js';

const facts = { podIP: '10.244.1.7', hostIP: '10.200.0.11', nodeName: 'node-a', nodeCpu: 2, nodeMemory: 8 * 1024 ** 3 };

function sources(cms: ConfigMap[] = [], secrets: Secret[] = [], services: Service[] = []): ConfigSources {
  return {
    configMap: (ns, n) => cms.find((c) => c.metadata.namespace === ns && c.metadata.name === n),
    secret: (ns, n) => secrets.find((c) => c.metadata.namespace === ns && c.metadata.name === n),
    services: (ns) => services.filter((s) => s.metadata.namespace === ns),
  };
}

describe('restart back-off (fake clock)', () => {
  it('first restart immediate, then 10 s doubling to 5 min, forgotten after 10 idle minutes', () => {
    const clock = new FakeClock();
    const b = new RestartBackoff({ clock });
    expect(b.remaining('k', clock.now())).toBe(0);
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) {
      b.next('k');
      seen.push(b.current('k'));
    }
    expect(seen).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(b.remaining('k', clock.now())).toBe(300_000);
    clock.advance(299_000);
    expect(b.remaining('k', clock.now() - 299_000)).toBe(1_000);
    clock.advance(10 * 60_000 + 1);
    expect(b.current('k')).toBe(0);
  });
});

describe('environment', () => {
  it('expands $(VAR), keeps unknown references and $$ escapes', () => {
    const vars: Record<string, string> = { A: 'x', B: 'y' };
    expect(expand('$(A)-$(B)-$(C)-$$(A)-$', (n) => vars[n])).toBe('x-y-$(C)-$(A)-$');
  });

  it('renders service links, envFrom with prefix, key refs, fieldRef and resourceFieldRef in upstream order', () => {
    const svc: Service = { metadata: { name: 'my-db', namespace: 'default' }, spec: { clusterIP: '10.96.0.20', ports: [{ name: 'sql', port: 5432, protocol: 'TCP' }] } };
    const kube: Service = { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443 }] } };
    const pod = makePod('p', [{
      name: 'app',
      resources: { limits: { memory: '64Mi' } },
      envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }],
      env: [
        { name: 'SECRET', valueFrom: { secretKeyRef: { name: 's', key: 'token' } } },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'URL', value: 'http://$(MY_DB_SERVICE_HOST):$(MY_DB_SERVICE_PORT)/$(POD)' },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'missing', key: 'x', optional: true } } },
      ],
    }]);
    const env = new Map(containerEnv(pod, pod.spec.containers[0]!, sources(
      [{ metadata: { name: 'cm', namespace: 'default' }, data: { color: 'blue' } }],
      [{ metadata: { name: 's', namespace: 'default' }, data: { token: Buffer.from('t0k').toString('base64') } }],
      [svc, kube],
    ), facts));
    expect(Object.fromEntries(env)).toMatchObject({
      MY_DB_SERVICE_HOST: '10.96.0.20', MY_DB_SERVICE_PORT: '5432', MY_DB_SERVICE_PORT_SQL: '5432',
      MY_DB_PORT: 'tcp://10.96.0.20:5432', MY_DB_PORT_5432_TCP_ADDR: '10.96.0.20', MY_DB_PORT_5432_TCP_PROTO: 'tcp',
      KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443',
      CM_color: 'blue', SECRET: 't0k', POD: 'p', IP: '10.244.1.7', NODE: 'node-a', MEM_MI: '64', CPU: '2',
      URL: 'http://10.96.0.20:5432/p',
    });
    expect(env.has('OPT')).toBe(false);
  });

  it('enableServiceLinks=false keeps only the kubernetes service', () => {
    const pod = makePod('p', [{ name: 'app' }], { enableServiceLinks: false });
    const env = containerEnv(pod, pod.spec.containers[0]!, sources([], [], [
      { metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.5', ports: [{ port: 80 }] } },
      { metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ port: 443 }] } },
      { metadata: { name: 'headless', namespace: 'default' }, spec: { clusterIP: 'None', ports: [{ port: 1 }] } },
    ]), facts);
    expect(env.map(([k]) => k).filter((k) => k.endsWith('_SERVICE_HOST'))).toEqual(['KUBERNETES_SERVICE_HOST']);
  });

  it('missing sources give upstream messages', () => {
    const pod = makePod('p', [{ name: 'app', env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cm', key: 'nope' } } }] }]);
    const cms: ConfigMap[] = [{ metadata: { name: 'cm', namespace: 'default' }, data: { a: '1' } }];
    expect(() => containerEnv(pod, pod.spec.containers[0]!, sources(cms), facts)).toThrow(new ContainerConfigError("couldn't find key nope in ConfigMap default/cm"));
    expect(() => containerEnv(pod, pod.spec.containers[0]!, sources(), facts)).toThrow('configmap "cm" not found');
    const pod2 = makePod('p', [{ name: 'app', envFrom: [{ secretRef: { name: 'gone' } }] }]);
    expect(() => containerEnv(pod2, pod2.spec.containers[0]!, sources(), facts)).toThrow('secret "gone" not found');
  });

  it('serviceEnv is sorted by service name and covers every port', () => {
    const vars = serviceEnv([
      { metadata: { name: 'b-svc' }, spec: { clusterIP: '10.96.0.3', ports: [{ port: 53, protocol: 'UDP', name: 'dns' }] } },
      { metadata: { name: 'a' }, spec: { clusterIP: '10.96.0.2', ports: [{ port: 80 }] } },
    ]);
    expect(vars[0]).toEqual(['A_SERVICE_HOST', '10.96.0.2']);
    expect(Object.fromEntries(vars)).toMatchObject({ B_SVC_PORT: 'udp://10.96.0.3:53', B_SVC_PORT_53_UDP_PROTO: 'udp', B_SVC_SERVICE_PORT_DNS: '53' });
  });
});

describe('pod DNS files', () => {
  const dns = { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf: 'nameserver 192.0.2.1\nsearch corp.example\noptions timeout:2\n' };

  it('ClusterFirst: cluster DNS, the namespace search path, ndots:5', () => {
    expect(resolvConf({}, 'shop', dns)).toBe('nameserver 10.96.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n');
  });

  it('Default: the node resolv.conf; None: dnsConfig only; dnsConfig merges into ClusterFirst', () => {
    expect(resolvConf({ dnsPolicy: 'Default' }, 'x', dns)).toBe('nameserver 192.0.2.1\nsearch corp.example\noptions timeout:2\n');
    expect(resolvConf({ dnsPolicy: 'None', dnsConfig: { nameservers: ['1.2.3.4'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } }, 'x', dns))
      .toBe('nameserver 1.2.3.4\nsearch a.b\noptions ndots:2 edns0\n');
    expect(resolvConf({ dnsConfig: { searches: ['extra.local'], options: [{ name: 'ndots', value: '1' }] } }, 'x', dns))
      .toBe('nameserver 10.96.0.10\nsearch x.svc.cluster.local svc.cluster.local cluster.local extra.local\noptions ndots:1\n');
  });

  it('/etc/hosts: localhost lines, pod IP and hostname (FQDN with a subdomain), host aliases', () => {
    const text = hostsFile('web-0', 'shop', '10.244.1.9', { hostname: 'web-0', subdomain: 'web', hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo', 'bar'] }] }, 'cluster.local');
    expect(text).toContain('127.0.0.1\tlocalhost\n');
    expect(text).toContain('10.244.1.9\tweb-0.web.shop.svc.cluster.local\tweb-0\n');
    expect(text).toContain('# Entries added by HostAliases.\n10.1.2.3\tfoo\tbar\n');
  });
});

describe('small protocols', () => {
  it('probe verdicts flip only after the thresholds', () => {
    const v = new ProbeVerdict(true, 1, 3);
    expect([v.record(false), v.record(false), v.record(true), v.record(false), v.record(false), v.record(false)]).toEqual([false, false, false, false, false, true]);
    expect(v.value).toBe(false);
    const r = new ProbeVerdict(false, 2, 3);
    expect([r.record(true), r.record(true)]).toEqual([false, true]);
  });

  it('docker frames split at every byte boundary decode to the same chunks', () => {
    const wire = Buffer.concat([encodeDockerFrame('stdout', Buffer.from('hello ')), encodeDockerFrame('stderr', Buffer.from('oops')), encodeDockerFrame('stdout', Buffer.from('world'))]);
    for (let cut = 0; cut <= wire.length; cut++) {
      const d = new DockerFrameDecoder();
      const got = [...d.push(wire.subarray(0, cut)), ...d.push(wire.subarray(cut))];
      expect(got.map((c) => `${c.stream}:${c.data.toString()}`)).toEqual(['stdout:hello ', 'stderr:oops', 'stdout:world']);
    }
  });

  it('exec: v5 preferred, exit status as kubectl expects it', () => {
    expect(chooseProtocol(['v4.channel.k8s.io', 'v5.channel.k8s.io'])).toBe('v5.channel.k8s.io');
    expect(chooseProtocol(['v4.channel.k8s.io'])).toBe('v4.channel.k8s.io');
    expect(chooseProtocol(['channel.k8s.io'])).toBe(false);
    expect(exitStatus(['true'], 0)).toEqual({ metadata: {}, status: 'Success' });
    expect(exitStatus(['sh', '-c', 'exit 3'], 3)).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    expect([...frame(1, 'hi')]).toEqual([1, 104, 105]);
  });

  it('registry hosts: only this machine is local', () => {
    expect(registryOf('tugboat/testapp:latest')).toBe('docker.io');
    expect(registryOf('nginx')).toBe('docker.io');
    expect(registryOf('127.0.0.1:5000/app:1')).toBe('127.0.0.1:5000');
    expect(registryOf('localhost/app')).toBe('localhost');
    expect(isLocalRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLocalRegistry('localhost')).toBe(true);
    expect(isLocalRegistry('docker.io')).toBe(false);
    expect(isLocalRegistry('10.0.0.1:5000')).toBe(false);
  });

  it('resources: limits to memory bytes and CPU quota, requests.cpu to shares', () => {
    expect(resourceLimits({ name: 'a', image: 'i', resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } } }))
      .toEqual({ memoryBytes: 134217728, nanoCpus: 500_000_000, cpuShares: 256 });
    expect(resourceLimits({ name: 'a', image: 'i' })).toEqual({});
  });

  it('node status: capacity, addresses, conditions, kubelet port; transition times survive a heartbeat', () => {
    const f = { nodeName: 'n1', nodeIP: '10.200.0.11', kubeletPort: 10250, cpus: 2, memoryBytes: 4 * 1024 ** 3, ephemeralStorageBytes: 10 * 1024 ** 3, arch: 'x64', kernelVersion: '6.1', osImage: 'Debian', machineID: 'm', bootID: 'b', containerRuntimeVersion: 'docker://20.10' };
    const s1 = nodeStatus(f, {}, undefined, '2026-01-01T00:00:00Z') as { capacity: Record<string, string>; conditions: Array<{ type: string; status: string; lastTransitionTime: string }>; addresses: unknown; daemonEndpoints: unknown; nodeInfo: { architecture: string } };
    expect(s1.capacity).toEqual({ cpu: '2', memory: '4194304Ki', pods: '110', 'ephemeral-storage': '10485760Ki' });
    expect(s1.addresses).toEqual([{ type: 'InternalIP', address: '10.200.0.11' }, { type: 'Hostname', address: 'n1' }]);
    expect(s1.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
    expect(s1.nodeInfo.architecture).toBe('amd64');
    expect(s1.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(['NetworkUnavailable=False', 'MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
    const s2 = nodeStatus(f, {}, s1.conditions as never, '2026-01-01T00:00:10Z') as typeof s1;
    expect(s2.conditions.find((c) => c.type === 'Ready')!.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(s2.conditions.some((c) => c.type === 'NetworkUnavailable')).toBe(false);
    const s3 = nodeStatus(f, { notReadyReason: 'no podCIDR' }, s1.conditions as never, '2026-01-01T00:00:20Z') as typeof s1;
    expect(s3.conditions.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', lastTransitionTime: '2026-01-01T00:00:20Z' });
    expect(microTime(new Date('2026-01-01T00:00:00.123Z'))).toBe('2026-01-01T00:00:00.123000Z');
  });
});
