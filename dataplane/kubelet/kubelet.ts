/**
 * The kubelet: composes registration, informers, the pod work queue, the PLEG-style relist,
 * probes, cleanup and the HTTPS server.
 *
 * Shape (DESIGN §3): informer handlers and the relist only enqueue pod UIDs; a worker re-reads
 * the pod from the cache and either syncs it (PodSyncer), starts its graceful termination, or —
 * when the pod is gone — removes its containers (PodCleanup). Nothing is synced or removed
 * before the caches have synced and Docker has been listed once, so an agent restart adopts the
 * containers it finds instead of restarting them. Stopping the kubelet leaves pods running.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type https from 'node:https';
import { join } from 'node:path';
import { ApiError } from '../../control/api/errors.js';
import type { KubeObject } from '../../control/api/object.js';
import { findResource } from '../../control/api/resources.js';
import { EventRecorder, Informer, runWorkers, WorkQueue } from '../../control/client/index.js';
import type { ContainerInfo } from './docker.js';
import type { ConfigSources } from './env.js';
import { ImagePuller } from './image-puller.js';
import { createKubeletServer, KubeletHttpError, type ContainerLocator, type PortForwardTargets } from './kubelet-server.js';
import type { PortForwardTarget } from './port-forward.js';
import type { NodeIdentity } from './labels.js';
import { kubeletMetrics, type KubeletMetrics } from './metrics.js';
import { gatherNodeFacts, NodeRegistration } from './node-registration.js';
import { PodCleanup } from './pod-cleanup.js';
import { PodSyncer } from './pod-sync.js';
import type { ConfigMap, Pod, PodStatus, Secret, Service } from './pod-types.js';
import { NetworkProbeRunner } from './probe-runner.js';
import { ProbeManager } from './prober.js';
import { RestartBackoff } from './restart-backoff.js';
import { ServiceAccountTokens, type IssuedToken, type TokenRequestSpec } from './service-account-tokens.js';
import { containersNamed, RuntimeCache } from './runtime-state.js';
import type { KubeletConfig } from './config.js';

const PODS = findResource('', 'v1', 'pods')!;
const NODES = findResource('', 'v1', 'nodes')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const SECRETS = findResource('', 'v1', 'secrets')!;
const SERVICES = findResource('', 'v1', 'services')!;
const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;

const PVCS = findResource('', 'v1', 'persistentvolumeclaims')!;
const PVS = findResource('', 'v1', 'persistentvolumes')!;
const notFound = (err: unknown): undefined => {
  if (err instanceof ApiError && err.code === 404) return undefined;
  throw err;
};

export class Kubelet {
  private readonly node: NodeIdentity;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer;
  private readonly configMaps: Informer<ConfigMap>;
  private readonly secrets: Informer<Secret>;
  private readonly services: Informer<Service>;
  private readonly queue = new WorkQueue<string>();
  private readonly runtime: RuntimeCache;
  private readonly probes: ProbeManager;
  private readonly backoff: RestartBackoff;
  private readonly images: ImagePuller;
  private readonly metrics: KubeletMetrics;
  private readonly events: EventRecorder;
  private syncer!: PodSyncer;
  private cleanup!: PodCleanup;
  private registration!: NodeRegistration;
  private server: https.Server | undefined;
  private workers: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  private dockerHealthy = true;
  private podCIDR: string | undefined;
  private stopped = false;

  constructor(private readonly cfg: KubeletConfig) {
    this.node = { nodeName: cfg.nodeName, clusterName: cfg.clusterName };
    this.pods = new Informer<Pod>(cfg.client, PODS, { fieldSelector: `spec.nodeName=${cfg.nodeName}` });
    this.pods.addIndex('uid', (p) => [p.metadata.uid ?? '']);
    this.nodes = new Informer(cfg.client, NODES, { fieldSelector: `metadata.name=${cfg.nodeName}` });
    this.configMaps = new Informer<ConfigMap>(cfg.client, CONFIGMAPS);
    this.secrets = new Informer<Secret>(cfg.client, SECRETS);
    this.services = new Informer<Service>(cfg.client, SERVICES);
    this.runtime = new RuntimeCache(cfg.docker, this.node);
    this.backoff = new RestartBackoff({ clock: cfg.clock });
    this.images = new ImagePuller(cfg.docker, { pullFromRemoteRegistries: cfg.pullFromRemoteRegistries, clock: cfg.clock });
    this.metrics = kubeletMetrics(cfg.metrics);
    this.events = new EventRecorder(cfg.client, { component: 'kubelet', host: cfg.nodeName });
    this.probes = new ProbeManager({
      runner: new NetworkProbeRunner(cfg.docker),
      onChange: (uid) => this.queue.add(uid),
      onResult: (kind, result, containerId) => {
        if (result.ok) return;
        const pod = this.podOfContainer(containerId);
        if (pod) this.events.event(pod, 'Warning', 'Unhealthy', `${kind[0]!.toUpperCase()}${kind.slice(1)} probe failed: ${result.message}`);
      },
    });
  }

  private podOfContainer(containerId: string): Pod | undefined {
    for (const rt of this.runtime.all()) {
      if (rt.containers.some((c) => c.id === containerId)) return this.pods.byIndex('uid', rt.uid)[0];
    }
    return undefined;
  }

  private sources(): ConfigSources {
    return {
      configMap: (ns, name) => this.configMaps.get(`${ns}/${name}`),
      secret: (ns, name) => this.secrets.get(`${ns}/${name}`),
      services: (ns) => this.services.list().filter((s) => s.metadata.namespace === ns),
      boundClaim: async (ns, name) => {
        const client = this.cfg.client;
        const claim = await client.get<KubeObject & { spec?: { volumeName?: string } }>(PVCS, ns, name).catch(notFound);
        const volumeName = claim?.spec?.volumeName;
        const volume = volumeName ? await client.get<KubeObject & { spec?: { hostPath?: { path: string } } }>(PVS, undefined, volumeName).catch(notFound) : undefined;
        return { claim, volume };
      },
    };
  }

  /** Projected service account tokens, requested through serviceaccounts/<name>/token. */
  private serviceAccountTokens(): ServiceAccountTokens {
    const client = this.cfg.client;
    return new ServiceAccountTokens({
      now: () => this.cfg.clock?.now() ?? Date.now(),
      async request(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<IssuedToken> {
        const tr = await client.createSubresource<{ spec?: { expirationSeconds?: number }; status?: { token?: string; expirationTimestamp?: string } }>(
          SERVICE_ACCOUNTS, namespace, serviceAccount, 'token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
        if (!tr.status?.token || !tr.status.expirationTimestamp) throw new Error('no token in server response');
        return { token: tr.status.token, expirationTimestamp: tr.status.expirationTimestamp, expirationSeconds: tr.spec?.expirationSeconds ?? spec.expirationSeconds };
      },
    });
  }

  private hostResolvConf(): string {
    try {
      return readFileSync('/etc/resolv.conf', 'utf8');
    } catch {
      return '';
    }
  }

  async start(): Promise<void> {
    const cfg = this.cfg;
    const runtimeVersion = await cfg.docker.version();
    for (const dir of [join(cfg.stateDir, 'pods'), join(cfg.stateDir, 'cni'), cfg.shmRoot]) mkdirSync(dir, { recursive: true });
    const facts = gatherNodeFacts({ nodeName: cfg.nodeName, nodeIP: cfg.nodeIP, kubeletPort: cfg.kubeletPort, stateDir: cfg.stateDir, runtimeVersion });
    this.registration = new NodeRegistration({ client: cfg.client, facts, log: cfg.log, health: () => this.health() });
    this.syncer = new PodSyncer({
      docker: cfg.docker, cni: cfg.cni, netlink: cfg.netlink, runtime: this.runtime, probes: this.probes, images: this.images,
      backoff: this.backoff, sources: this.sources(), tokens: this.serviceAccountTokens(), node: this.node, nodeIP: cfg.nodeIP, nodeCpu: facts.cpus, nodeMemory: facts.memoryBytes,
      podCIDR: () => this.podCIDR,
      dns: { clusterDNS: cfg.clusterDNS.split(',').filter(Boolean), clusterDomain: cfg.clusterDomain, hostResolvConf: this.hostResolvConf() },
      stateDir: cfg.stateDir, shmRoot: cfg.shmRoot, pauseImage: cfg.pauseImage, events: this.events, metrics: this.metrics, log: cfg.log,
      writeStatus: (pod, status) => this.writeStatus(pod, status),
      now: () => new Date(cfg.clock?.now() ?? Date.now()),
      hookRunner: new NetworkProbeRunner(cfg.docker),
    });
    this.cleanup = new PodCleanup({
      client: cfg.client, syncer: this.syncer, runtime: this.runtime, probes: this.probes, backoff: this.backoff, images: this.images,
      log: cfg.log, events: this.events,
    });

    await this.registration.register();
    await this.registration.renewLease();

    const enqueue = (p: Pod): void => this.queue.add(p.metadata.uid ?? '');
    this.pods.onAdd(enqueue).onUpdate((_o, p) => enqueue(p)).onDelete(enqueue);
    this.nodes.onAdd((n) => this.observeNode(n)).onUpdate((_o, n) => this.observeNode(n));
    for (const inf of [this.pods, this.nodes, this.configMaps, this.secrets, this.services] as Informer<KubeObject>[]) {
      inf.onError((err) => cfg.log.warn({ resource: inf.resource.resource, err: (err as Error).message }, 'informer error'));
      inf.start();
    }
    await Promise.all([this.pods, this.nodes, this.configMaps, this.secrets, this.services].map((i) => (i as Informer<KubeObject>).waitForSync()));
    await this.relist();

    this.server = createKubeletServer({
      tls: cfg.tls, clientCA: cfg.clientCA, docker: cfg.docker, containers: this.locator(), log: cfg.log, pods: () => this.runtime.all(),
      portForward: { targets: this.forwardTargets(), sessions: this.metrics.portForwardSessions, connections: this.metrics.portForwardConnections },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(cfg.kubeletPort, cfg.listenHost ?? cfg.nodeIP, () => resolve());
    });

    for (const p of this.pods.list()) enqueue(p);
    this.workers = runWorkers(this.queue, cfg.workers, (uid) => this.reconcile(uid), {
      onError: (uid, err) => cfg.log.warn({ uid, pod: this.describe(uid), err: (err as Error).message }, 'pod sync failed'),
    });
    this.every(cfg.relistIntervalMs, () => this.relist());
    this.every(cfg.resyncIntervalMs, async () => {
      for (const p of this.pods.list()) enqueue(p);
    });
    this.every(cfg.heartbeatIntervalMs, async () => {
      this.dockerHealthy = await cfg.docker.ping().then(() => true, () => false);
      await this.registration.renewLease();
      await this.registration.reportStatus();
    });
    await this.registration.reportStatus();
    cfg.log.info({ node: cfg.nodeName, nodeIP: cfg.nodeIP, port: cfg.kubeletPort, podCIDR: this.podCIDR }, 'kubelet started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const inf of [this.pods, this.nodes, this.configMaps, this.secrets, this.services] as Informer<KubeObject>[]) inf.stop();
    this.queue.shutDown();
    this.probes.stopAll();
    await Promise.race([Promise.all([this.workers, this.cleanup?.drain()]), new Promise((r) => setTimeout(r, 5000).unref())]);
    await this.events.flush().catch(() => undefined);
    if (this.server) {
      const s = this.server;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    }
  }

  private every(ms: number, fn: () => Promise<void>): void {
    let running = false;
    const t = setInterval(() => {
      if (running || this.stopped) return;
      running = true;
      fn().catch((err: Error) => this.cfg.log.warn({ err: err.message }, 'periodic kubelet task failed')).finally(() => (running = false));
    }, ms);
    this.timers.push(t);
  }

  private health(): { notReadyReason?: string } {
    if (!this.dockerHealthy) return { notReadyReason: 'container runtime is down: docker does not answer' };
    if (!this.podCIDR) return { notReadyReason: 'container runtime network not ready: the node has no podCIDR yet' };
    return {};
  }

  private observeNode(n: KubeObject): void {
    const cidr = (n.spec as { podCIDR?: string } | undefined)?.podCIDR;
    if (cidr && cidr !== this.podCIDR) {
      const first = this.podCIDR === undefined;
      this.podCIDR = cidr;
      this.cfg.log.info({ podCIDR: cidr }, 'node podCIDR');
      for (const p of this.pods.list()) this.queue.add(p.metadata.uid ?? '');
      if (first && this.registration) void this.registration.reportStatus().catch(() => undefined);
    }
  }

  private async relist(): Promise<void> {
    const started = Date.now();
    const changed = await this.runtime.relist();
    this.metrics.relist.observe((Date.now() - started) / 1000);
    for (const uid of changed) this.queue.add(uid);
    let pods = 0;
    let containers = 0;
    for (const rt of this.runtime.all()) {
      if (rt.sandboxes[0]?.state.running) pods++;
      containers += rt.containers.filter((c) => c.state.running).length;
      // containers of pods the API no longer has (only trusted once the pod cache has synced)
      if (this.pods.hasSynced() && this.pods.byIndex('uid', rt.uid).length === 0) this.queue.add(rt.uid);
    }
    this.metrics.runningPods.set(pods);
    this.metrics.runningContainers.set(containers);
  }

  private describe(uid: string): string {
    const p = this.pods.byIndex('uid', uid)[0];
    return p ? `${p.metadata.namespace}/${p.metadata.name}` : uid;
  }

  private async reconcile(uid: string): Promise<void> {
    if (!uid || this.cleanup.busy(uid)) return;
    const pod = this.pods.byIndex('uid', uid)[0];
    if (!pod) {
      if (this.runtime.pod(uid)) this.cleanup.removeOrphan(uid);
      return;
    }
    if (pod.metadata.deletionTimestamp) {
      this.cleanup.terminate(pod);
      return;
    }
    const started = Date.now();
    const result = await this.syncer.sync(pod);
    await this.syncer.refreshVolumes(pod);
    this.metrics.podWorker.observe((Date.now() - started) / 1000);
    if (result.retryAfterMs !== undefined) this.queue.addAfter(uid, Math.max(100, result.retryAfterMs));
  }

  private async writeStatus(pod: Pod, status: PodStatus): Promise<void> {
    const patch: Record<string, unknown> = { ...status };
    for (const k of Object.keys(pod.status ?? {})) if (!(k in patch)) patch[k] = null;
    try {
      await this.cfg.client.patch(PODS, pod.metadata.namespace, pod.metadata.name ?? '', { metadata: { uid: pod.metadata.uid }, status: patch }, 'merge', { subresource: 'status' });
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return; // deleted meanwhile
      throw err;
    }
  }

  /** A pod port-forward can reach: known here, its sandbox running, its IP assigned. */
  private forwardTargets(): PortForwardTargets {
    return {
      find: async (namespace, podName, uid): Promise<PortForwardTarget> => {
        const pod = this.pods.get(`${namespace}/${podName}`);
        if (!pod || (uid && pod.metadata.uid !== uid)) throw new KubeletHttpError(404, 'NotFound', `pod "${podName}" not found`);
        const rt = await this.runtime.refreshPod(pod.metadata.uid ?? '');
        const ip = pod.status?.podIP;
        if (!rt.sandboxes[0]?.state.running || !ip) {
          throw new KubeletHttpError(400, 'BadRequest', `pod "${podName}" is not running (no sandbox with an IP yet)`);
        }
        return { namespace, name: podName, uid: pod.metadata.uid ?? '', ip };
      },
    };
  }

  private locator(): ContainerLocator {
    return {
      find: async (namespace, podName, container, previous): Promise<ContainerInfo> => {
        const pod = this.pods.get(`${namespace}/${podName}`);
        if (!pod) throw new KubeletHttpError(404, 'NotFound', `pod "${podName}" not found`);
        const rt = await this.runtime.refreshPod(pod.metadata.uid ?? '');
        const all = containersNamed(rt, container);
        const chosen = previous ? all[1] : all[0];
        if (!chosen) {
          throw new KubeletHttpError(400, 'BadRequest', previous
            ? `previous terminated container "${container}" in pod "${podName}" not found`
            : `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`);
        }
        return chosen;
      },
    };
  }
}
