/** Shared builders for kubelet unit tests: pods, a fake clock and a PodSyncer wired to fakes. */
import type { ProbeRunner } from '../../../dataplane/kubelet/probe-runner.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Netlink } from '../../../cni/netlink/netlink.js';
import type { Cni, CniAttachment } from '../../../dataplane/kubelet/cni.js';
import type { ConfigSources } from '../../../dataplane/kubelet/env.js';
import { ImagePuller } from '../../../dataplane/kubelet/image-puller.js';
import { kubeletMetrics } from '../../../dataplane/kubelet/metrics.js';
import { PodSyncer } from '../../../dataplane/kubelet/pod-sync.js';
import type { ConfigMap, Container, Pod, PodStatus, Secret, Service } from '../../../dataplane/kubelet/pod-types.js';
import { ProbeManager } from '../../../dataplane/kubelet/prober.js';
import { RestartBackoff } from '../../../dataplane/kubelet/restart-backoff.js';
import { RuntimeCache } from '../../../dataplane/kubelet/runtime-state.js';
import { ServiceAccountTokens, type TokenRequestSpec } from '../../../dataplane/kubelet/service-account-tokens.js';
import { FakeDocker } from '../../fakes/docker.js';

export class FakeClock {
  constructor(public t = Date.parse('2026-01-01T00:00:00Z')) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export function makePod(name: string, containers: Partial<Container>[], extra: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1' },
    spec: {
      nodeName: 'node-a',
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      containers: containers.map((c, i) => ({ name: c.name ?? `c${i}`, image: 'tugboat/testapp:latest', imagePullPolicy: 'IfNotPresent', ...c })),
      ...extra,
    },
    status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }] },
  };
}

export class FakeCni implements Cni {
  readonly added: CniAttachment[] = [];
  readonly deleted: CniAttachment[] = [];
  private next = 2;
  failAdd: string | undefined;
  async add(podCIDR: string, a: CniAttachment): Promise<string> {
    if (this.failAdd) throw new Error(this.failAdd);
    this.added.push(a);
    return podCIDR.replace(/0\/\d+$/, String(this.next++));
  }
  async del(_podCIDR: string, a: CniAttachment): Promise<void> {
    this.deleted.push(a);
  }
}

export const nullNetlink = { ipBatch: async () => undefined } as unknown as Netlink;

export interface SyncHarness {
  docker: FakeDocker;
  cni: FakeCni;
  clock: FakeClock;
  syncer: PodSyncer;
  probes: ProbeManager;
  statuses: PodStatus[];
  events: string[];
  configMaps: Map<string, ConfigMap>;
  secrets: Map<string, Secret>;
  services: Service[];
  /** every TokenRequest the kubelet made: namespace/serviceAccount and the spec */
  tokenRequests: Array<{ namespace: string; serviceAccount: string; spec: TokenRequestSpec }>;
  /** make the next TokenRequests fail with this message (undefined: succeed) */
  failTokens: { message?: string };
  /** sync and apply the written status to the pod (as the informer would) */
  sync(pod: Pod): Promise<{ retryAfterMs?: number; status: PodStatus }>;
  cleanup(): void;
}

export function syncHarness(opts: { hookRunner?: ProbeRunner } = {}): SyncHarness {
  const clock = new FakeClock();
  const docker = new FakeDocker();
  docker.now = () => new Date(clock.now());
  const cni = new FakeCni();
  const dir = mkdtempSync(join(tmpdir(), 'tugt-kubelet-unit-'));
  const runtime = new RuntimeCache(docker, { nodeName: 'node-a' });
  const statuses: PodStatus[] = [];
  const events: string[] = [];
  const configMaps = new Map<string, ConfigMap>();
  const secrets = new Map<string, Secret>();
  const services: Service[] = [];
  const sources: ConfigSources = {
    configMap: (ns, n) => configMaps.get(`${ns}/${n}`),
    secret: (ns, n) => secrets.get(`${ns}/${n}`),
    services: (ns) => services.filter((s) => s.metadata.namespace === ns),
  };
  const probes = new ProbeManager({ runner: { run: async () => ({ ok: true }) }, onChange: () => undefined });
  const tokenRequests: SyncHarness['tokenRequests'] = [];
  const failTokens: SyncHarness['failTokens'] = {};
  // a fake TokenRequest API: token-<n> valid for the requested lifetime from the fake clock's now
  const tokens = new ServiceAccountTokens({
    now: () => clock.now(), jitterMs: () => 0,
    request: async (namespace, serviceAccount, spec) => {
      if (failTokens.message) throw new Error(failTokens.message);
      tokenRequests.push({ namespace, serviceAccount, spec });
      const exp = new Date(clock.now() + spec.expirationSeconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      return { token: `token-${tokenRequests.length}`, expirationTimestamp: exp, expirationSeconds: spec.expirationSeconds };
    },
  });
  const syncer = new PodSyncer({
    docker, cni, netlink: nullNetlink, runtime, probes, images: new ImagePuller(docker, { clock }),
    backoff: new RestartBackoff({ clock }), sources, tokens, node: { nodeName: 'node-a', clusterName: 'unit' }, nodeIP: '10.200.0.11',
    nodeCpu: 2, nodeMemory: 4 * 1024 ** 3, podCIDR: () => '10.244.1.0/24',
    dns: { clusterDNS: ['10.96.0.10'], clusterDomain: 'cluster.local', hostResolvConf: 'nameserver 192.0.2.53\n' },
    stateDir: join(dir, 'state'), shmRoot: join(dir, 'shm'), pauseImage: 'tugboat/pause:latest',
    events: { event: (_o, type, reason, message) => events.push(`${type} ${reason} ${message}`) },
    metrics: kubeletMetrics(new Registry()), log: pino({ level: 'silent' }),
    writeStatus: async (_pod, status) => {
      statuses.push(status);
    },
    now: () => new Date(clock.now()),
    ...(opts.hookRunner ? { hookRunner: opts.hookRunner } : {}),
  });
  return {
    docker, cni, clock, syncer, probes, statuses, events, configMaps, secrets, services, tokenRequests, failTokens,
    async sync(pod) {
      const before = statuses.length;
      const r = await syncer.sync(pod);
      if (statuses.length > before) pod.status = statuses[statuses.length - 1];
      return { retryAfterMs: r.retryAfterMs, status: pod.status! };
    },
    cleanup() {
      probes.stopAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
