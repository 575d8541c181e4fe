/**
 * syncPod for one live pod: refresh Docker's view of it, plan (pod-plan.ts), apply the plan —
 * sandbox teardown/creation, kills, starts — re-plan until the plan holds only waits, then
 * compute the status (pod-status.ts) and write it through pods/status only when it changed.
 *
 * Errors that belong to one container (image pull, missing ConfigMap key, volume setup) do not
 * fail the sync: they become that container's waiting reason, and the pod is re-synced after the
 * back-off. Anything else throws, and the work queue retries the pod with back-off.
 */
import { runPostStart, runPreStop, type ContainerWithLifecycle } from './lifecycle-hooks.js';
import type { ProbeRunner } from './probe-runner.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Netlink } from '../../cni/netlink/netlink.js';
import type { Cni } from './cni.js';
import { containerCreateSpec, terminationLogPath } from './container-spec.js';
import type { ContainerInfo, Docker } from './docker.js';
import { ContainerConfigError, containerEnv, type ConfigSources } from './env.js';
import type { PodRuntimeFacts } from './field-ref.js';
import { ImageError, type ImagePuller } from './image-puller.js';
import { LABELS, labelAttempt, type NodeIdentity } from './labels.js';
import type { KubeletMetrics } from './metrics.js';
import { computePodActions, type PodActions, type StartAction, type Waiting } from './pod-plan.js';
import type { ClusterDnsConfig } from './pod-dns.js';
import { computePodStatus, statusChanged } from './pod-status.js';
import type { Container, Pod, PodStatus } from './pod-types.js';
import type { ProbeManager } from './prober.js';
import type { RestartBackoff } from './restart-backoff.js';
import { containersNamed, type PodRuntime, type RuntimeCache } from './runtime-state.js';
import { createSandbox, readSandboxRecord, teardownSandbox, writePodFiles, type SandboxDeps } from './sandbox.js';
import { claimHostPath, mountBinds, podDirs, prepareHostPath, syncVolumeDir, volumeFiles, volumeHostPath, VolumeError, type PodDirs } from './volumes.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';

export interface EventSinkLike {
  event(obj: Pick<Pod, 'apiVersion' | 'kind' | 'metadata'>, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export interface PodSyncDeps {
  docker: Docker;
  cni: Cni;
  netlink: Netlink;
  runtime: RuntimeCache;
  probes: ProbeManager;
  images: ImagePuller;
  backoff: RestartBackoff;
  sources: ConfigSources;
  /** tokens of projected serviceAccountToken sources (TokenRequest, bound to the pod) */
  tokens: ServiceAccountTokens;
  node: NodeIdentity;
  nodeIP: string;
  nodeCpu: number;
  nodeMemory: number;
  podCIDR(): string | undefined;
  dns: ClusterDnsConfig;
  stateDir: string;
  shmRoot: string;
  pauseImage: string;
  events: EventSinkLike;
  metrics: KubeletMetrics;
  log: Logger;
  writeStatus(pod: Pod, status: PodStatus): Promise<void>;
  now(): Date;
  /** runs lifecycle hooks (exec/httpGet/tcpSocket like probes); none → hooks are skipped */
  hookRunner?: ProbeRunner;
}

export interface SyncResult {
  /** re-sync the pod after this long (a back-off or a pull retry expires) */
  retryAfterMs?: number;
}

const NO_CIDR_RETRY_MS = 1000;
const MAX_ROUNDS = 4;
/** Upstream waits for postStart without a limit; a hung hook should not pin a pod worker forever. */
const POST_START_BUDGET_MS = 120_000;

export class PodSyncer {
  /** pod IP by pod UID (from CNI ADD, or sandbox.json after an agent restart) */
  private readonly podIPs = new Map<string, string>();
  /** when the kubelet first saw each pod (for the start-latency histogram) */
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly deps: PodSyncDeps) {}

  dirs(uid: string): PodDirs {
    return podDirs(this.deps.stateDir, this.deps.shmRoot, uid);
  }

  podIP(uid: string): string | undefined {
    return this.podIPs.get(uid);
  }

  forget(uid: string): void {
    this.podIPs.delete(uid);
    this.firstSeen.delete(uid);
    this.deps.tokens.forgetPod(uid);
  }

  private sandboxDeps(): SandboxDeps {
    const d = this.deps;
    return { docker: d.docker, cni: d.cni, netlink: d.netlink, node: d.node, pauseImage: d.pauseImage, dns: d.dns };
  }

  private facts(uid: string): PodRuntimeFacts {
    return { podIP: this.podIPs.get(uid) ?? '', hostIP: this.deps.nodeIP, nodeName: this.deps.node.nodeName, nodeCpu: this.deps.nodeCpu, nodeMemory: this.deps.nodeMemory };
  }

  /** The pod IP of a running sandbox: memory, then sandbox.json (adoption after a restart). */
  private recoverIP(pod: Pod, rt: PodRuntime): void {
    const uid = pod.metadata.uid ?? '';
    const sandbox = rt.sandboxes[0];
    if (!sandbox?.state.running || this.podIPs.has(uid)) return;
    const rec = readSandboxRecord(this.dirs(uid));
    if (rec && rec.sandboxId === sandbox.id) this.podIPs.set(uid, rec.ip);
  }

  async sync(pod: Pod): Promise<SyncResult> {
    const d = this.deps;
    const uid = pod.metadata.uid ?? '';
    if (!this.firstSeen.has(uid)) this.firstSeen.set(uid, Date.now());
    let rt = await d.runtime.refreshPod(uid);
    this.recoverIP(pod, rt);
    const waiting: Record<string, Waiting> = {};
    let actions: PodActions | undefined;
    let retryAfterMs: number | undefined;
    const retry = (ms: number): void => {
      retryAfterMs = retryAfterMs === undefined ? ms : Math.min(retryAfterMs, ms);
    };

    for (let round = 0; round < MAX_ROUNDS; round++) {
      actions = computePodActions(pod, rt, d.backoff, { livenessFailed: d.probes.livenessFailed(), startupFailed: d.probes.startupFailed() });
      const changed = await this.apply(pod, rt, actions, waiting, retry);
      if (!changed) break;
      rt = await d.runtime.refreshPod(uid);
    }
    Object.assign(waiting, actions?.waiting ?? {});
    if (actions?.retryAfterMs !== undefined) retry(actions.retryAfterMs);

    const podIP = this.podIPs.get(uid);
    const sandbox = rt.sandboxes[0];
    d.probes.sync(uid, podIP, this.runningContainers(pod, rt));
    const status = computePodStatus({
      pod, rt, podIP, hostIP: d.nodeIP,
      ready: (id) => d.probes.ready(id),
      started: (id) => d.probes.started(id),
      waiting,
      terminationMessages: this.terminationMessages(pod, rt),
      initFailed: actions?.initFailed ?? false,
      sandboxReady: !!sandbox?.state.running && podIP !== undefined,
      now: d.now().toISOString().replace(/\.\d+Z$/, 'Z'),
    });
    this.observeStart(pod, status);
    if (statusChanged(pod.status, status)) await d.writeStatus(pod, status);
    return { retryAfterMs };
  }

  /** Applies one plan; returns true when something changed (so the caller re-plans). */
  private async apply(pod: Pod, rt: PodRuntime, a: PodActions, waiting: Record<string, Waiting>, retry: (ms: number) => void): Promise<boolean> {
    const d = this.deps;
    const uid = pod.metadata.uid ?? '';
    let changed = false;
    if (a.killSandbox) {
      await this.killPod(pod, rt, Math.min(2, pod.spec.terminationGracePeriodSeconds ?? 30), 'SandboxChanged');
      changed = true;
    }
    if (a.stopSandbox && rt.sandboxes[0]?.state.running) {
      await teardownSandbox(this.sandboxDeps(), pod, rt.sandboxes[0], d.podCIDR());
      return true;
    }
    if (a.createSandbox) {
      const cidr = d.podCIDR();
      if (!cidr) {
        for (const c of pod.spec.containers) waiting[c.name] = { reason: 'ContainerCreating', message: 'network is not ready: the node has no podCIDR yet' };
        retry(NO_CIDR_RETRY_MS);
        return false;
      }
      const started = Date.now();
      try {
        const rec = await createSandbox(this.sandboxDeps(), pod, this.dirs(uid), cidr, a.sandboxAttempt);
        this.podIPs.set(uid, rec.ip);
        d.metrics.sandboxCreate.observe((Date.now() - started) / 1000);
      } catch (err) {
        d.events.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
        throw err;
      }
      return true;
    }
    for (const k of a.kill) {
      const c = pod.spec.containers.find((x) => x.name === k.name);
      const probeGrace = k.reason === 'Unhealthy' ? c?.livenessProbe?.terminationGracePeriodSeconds : undefined;
      const grace = probeGrace ?? pod.spec.terminationGracePeriodSeconds ?? 30;
      const why = k.reason === 'Unhealthy' ? 'failed liveness probe, will be restarted'
        : k.reason === 'StartupFailed' ? 'failed startup probe, will be restarted' : 'definition changed, will be restarted';
      d.events.event(pod, 'Normal', 'Killing', `Container ${k.name} ${why}`);
      await this.stopWithPreStop(pod, k.name, k.id, grace);
      changed = true;
    }
    if (a.start.length) {
      const hostPaths = await this.prepareVolumes(pod, waiting, retry);
      if (hostPaths) {
        writePodFiles(pod, this.dirs(uid), this.podIPs.get(uid), d.dns);
        // app containers start together (init containers come one at a time by construction)
        const results = await Promise.all(a.start.map((s) => this.startContainer(pod, rt, s, hostPaths, waiting, retry)));
        if (results.some(Boolean)) changed = true;
      }
    }
    for (const id of a.prune) await d.docker.removeContainer(id);
    return changed;
  }

  /** Volume directories and files; on failure every container waits with the mount error. */
  private async prepareVolumes(pod: Pod, waiting: Record<string, Waiting>, retry: (ms: number) => void): Promise<Map<string, string> | undefined> {
    const d = this.deps;
    const dirs = this.dirs(pod.metadata.uid ?? '');
    const paths = new Map<string, string>();
    try {
      for (const v of pod.spec.volumes ?? []) {
        const host = v.persistentVolumeClaim && d.sources.boundClaim
          ? claimHostPath(v, pod.metadata.namespace ?? '', await d.sources.boundClaim(pod.metadata.namespace ?? '', v.persistentVolumeClaim.claimName))
          : volumeHostPath(dirs, v);
        if (host === undefined) throw new VolumeError(`volume "${v.name}": this volume type is not supported by Tugboat`);
        prepareHostPath(v);
        await d.tokens.ensureVolume(pod, v);
        const files = volumeFiles(pod, v, d.sources, this.facts(pod.metadata.uid ?? ''), d.tokens);
        if (files) syncVolumeDir(host, files);
        else if (!v.hostPath && !v.persistentVolumeClaim) mkdirSync(host, { recursive: true, mode: 0o777 });
        paths.set(v.name, host);
      }
      return paths;
    } catch (err) {
      if (!(err instanceof VolumeError)) throw err;
      d.events.event(pod, 'Warning', 'FailedMount', err.message);
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) waiting[c.name] = { reason: 'ContainerCreating', message: err.message };
      retry(2000);
      return undefined;
    }
  }

  /** Volume file refresh for running pods (ConfigMap/Secret edits and renewed tokens reach mounted files). */
  async refreshVolumes(pod: Pod): Promise<void> {
    const dirs = this.dirs(pod.metadata.uid ?? '');
    for (const v of pod.spec.volumes ?? []) {
      const host = volumeHostPath(dirs, v);
      if (!host || !existsSync(host)) continue;
      try {
        await this.deps.tokens.ensureVolume(pod, v);
        const files = volumeFiles(pod, v, this.deps.sources, this.facts(pod.metadata.uid ?? ''), this.deps.tokens);
        if (files) syncVolumeDir(host, files);
      } catch {
        // a source that vanished keeps the last files, as upstream does
      }
    }
  }

  private async startContainer(pod: Pod, rt: PodRuntime, s: StartAction, hostPaths: Map<string, string>, waiting: Record<string, Waiting>, retry: (ms: number) => void): Promise<boolean> {
    const d = this.deps;
    const uid = pod.metadata.uid ?? '';
    const container = (s.kind === 'init' ? pod.spec.initContainers ?? [] : pod.spec.containers).find((c) => c.name === s.name)!;
    const sandbox = rt.sandboxes[0];
    if (!sandbox) return false;
    const pullKey = `${uid}/${s.name}/pull`;
    try {
      const local = await d.docker.inspectImage(container.image);
      await d.images.ensure(container, pullKey);
      if (!local || container.imagePullPolicy === 'Always') d.events.event(pod, 'Normal', 'Pulled', `Container image "${container.image}" is ready`);
      else d.events.event(pod, 'Normal', 'Pulled', `Container image "${container.image}" already present on machine`);
      const env = containerEnv(pod, container, d.sources, this.facts(uid));
      const dirs = this.dirs(uid);
      const spec = containerCreateSpec({
        pod, container, kind: s.kind, attempt: s.attempt, sandboxId: sandbox.id, node: d.node, env, dirs,
        binds: mountBinds(container, hostPaths),
      });
      const termLog = terminationLogPath(dirs, container.name, s.attempt);
      mkdirSync(dirname(termLog), { recursive: true });
      writeFileSync(termLog, '');
      // a leftover of the same attempt (an earlier create that failed to start) is replaced
      for (const old of containersNamed(rt, s.name)) if (labelAttempt(old.labels) === s.attempt && !old.state.running) await d.docker.removeContainer(old.id);
      const id = await d.docker.createContainer(spec);
      d.events.event(pod, 'Normal', 'Created', `Created container ${s.name}`);
      if (s.backoffKey) d.backoff.next(s.backoffKey);
      try {
        await d.docker.startContainer(id);
      } catch (err) {
        d.events.event(pod, 'Warning', 'Failed', `Error: ${(err as Error).message}`);
        waiting[s.name] = { reason: 'RunContainerError', message: (err as Error).message };
        return true;
      }
      d.events.event(pod, 'Normal', 'Started', `Started container ${s.name}`);
      await this.postStart(pod, container, id);
      return true;
    } catch (err) {
      if (err instanceof ImageError) {
        waiting[s.name] = { reason: err.reason, message: err.message };
        d.events.event(pod, err.reason === 'ImagePullBackOff' ? 'Normal' : 'Warning', err.reason === 'ImagePullBackOff' ? 'BackOff' : 'Failed', err.message);
        retry(Math.max(1000, d.images.retryAfter(pullKey)));
        return false;
      }
      if (err instanceof ContainerConfigError || err instanceof VolumeError) {
        waiting[s.name] = { reason: err instanceof VolumeError ? 'CreateContainerConfigError' : err.reason, message: err.message };
        d.events.event(pod, 'Warning', 'Failed', `Error: ${err.message}`);
        retry(2000);
        return false;
      }
      throw err;
    }
  }

  /** postStart: the sync waits for it; a failure kills the container, which then restarts per restartPolicy. */
  private async postStart(pod: Pod, container: Container, id: string): Promise<void> {
    const d = this.deps;
    const hooked = container as ContainerWithLifecycle;
    if (!hooked.lifecycle?.postStart || !d.hookRunner) return;
    const target = { podIP: this.podIPs.get(pod.metadata.uid ?? '') ?? '', containerId: id, container };
    const outcome = await runPostStart(d.hookRunner, hooked, target, POST_START_BUDGET_MS);
    if (!outcome.error) return;
    d.events.event(pod, 'Warning', 'FailedPostStartHook', `PostStartHook failed: ${outcome.error}`);
    d.events.event(pod, 'Normal', 'Killing', `FailedPostStartHook: killing container ${container.name}`);
    await d.docker.stopContainer(id, pod.spec.terminationGracePeriodSeconds ?? 30);
  }

  private runningContainers(pod: Pod, rt: PodRuntime) {
    const out: Array<{ containerId: string; container: Container; startedAt: string }> = [];
    for (const c of pod.spec.containers) {
      const latest = containersNamed(rt, c.name)[0];
      if (latest?.state.running) out.push({ containerId: latest.id, container: c, startedAt: latest.state.startedAt });
    }
    return out;
  }

  private terminationMessages(pod: Pod, rt: PodRuntime): Record<string, string> {
    const out: Record<string, string> = {};
    const dirs = this.dirs(pod.metadata.uid ?? '');
    for (const c of rt.containers) {
      if (c.state.running || !c.state.finishedAt) continue;
      try {
        const text = readFileSync(terminationLogPath(dirs, c.labels[LABELS.containerName] ?? '', labelAttempt(c.labels)), 'utf8');
        if (text) out[c.id] = text.slice(0, 4096);
      } catch {
        // no termination log
      }
    }
    return out;
  }

  private observeStart(pod: Pod, status: PodStatus): void {
    const uid = pod.metadata.uid ?? '';
    const seen = this.firstSeen.get(uid);
    if (seen === undefined || seen === 0) return;
    const allRunning = (status.containerStatuses ?? []).length > 0 && (status.containerStatuses ?? []).every((s) => s.state.running);
    if (allRunning) {
      this.deps.metrics.podStart.observe((Date.now() - seen) / 1000);
      this.firstSeen.set(uid, 0);
    }
  }

  /**
   * Stops every container of the pod (app and init in parallel, each with `graceSeconds`), then
   * tears the sandbox down. Used for sandbox death, deletion and orphans.
   */
  async killPod(podRef: Pick<Pod, 'metadata'> & Partial<Pick<Pod, 'apiVersion' | 'kind' | 'spec'>>, rt: PodRuntime, graceSeconds: number, reason: string): Promise<void> {
    const d = this.deps;
    await Promise.all(rt.containers.filter((c) => c.state.running).map((c) => this.stopWithPreStop(podRef, c.labels['io.kubernetes.container.name'] ?? '', c.id, graceSeconds)));
    // CNI DEL is repeatable, so every sandbox is torn down, dead ones too (their IP is released)
    for (const s of rt.sandboxes) {
      await teardownSandbox(this.sandboxDeps(), podRef, s, d.podCIDR()).catch((err: Error) => {
        d.log.warn({ pod: `${podRef.metadata.namespace}/${podRef.metadata.name}`, reason, err: err.message }, 'sandbox teardown failed');
        throw err;
      });
    }
    this.podIPs.delete(podRef.metadata.uid ?? '');
  }

  /** preStop (when the container has one and the pod IP is known), then SIGTERM with what is left of the grace period. */
  private async stopWithPreStop(podRef: Partial<Pick<Pod, 'spec'>> & Pick<Pod, 'metadata'>, name: string, id: string, graceSeconds: number): Promise<void> {
    const d = this.deps;
    const spec = podRef.spec?.containers.find((x) => x.name === name) as ContainerWithLifecycle | undefined;
    let remaining = graceSeconds;
    const podIP = this.podIPs.get(podRef.metadata.uid ?? '');
    if (spec?.lifecycle?.preStop && podIP && d.hookRunner) {
      const outcome = await runPreStop(d.hookRunner, spec, { podIP, containerId: id, container: spec }, graceSeconds * 1000);
      if (outcome.error) {
        d.events.event({ apiVersion: 'v1', kind: 'Pod', metadata: podRef.metadata }, 'Warning', 'FailedPreStopHook', `PreStopHook failed: ${outcome.error}`);
      }
      remaining = Math.max(1, graceSeconds - Math.ceil(outcome.elapsedMs / 1000));
    }
    await d.docker.stopContainer(id, remaining);
  }

  /** Removes every container of a pod (after killPod). */
  async removePod(rt: PodRuntime): Promise<void> {
    const all: ContainerInfo[] = [...rt.containers, ...rt.sandboxes];
    await Promise.all(all.map((c) => this.deps.docker.removeContainer(c.id)));
  }
}

