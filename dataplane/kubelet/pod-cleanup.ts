/**
 * The end of a pod's life on this node:
 * - graceful termination of a pod being deleted (deletionTimestamp set): every container gets
 *   SIGTERM and `deletionGracePeriodSeconds` before SIGKILL (docker stop), then the sandbox's
 *   network is released (CNI DEL), the containers and the pod's directories are removed, and the
 *   kubelet finishes the deletion with gracePeriodSeconds=0 (precondition: the same UID);
 * - orphans: containers whose pod no longer exists (deleted while the agent was down, or
 *   force-deleted) are stopped and removed the same way, with a short grace period.
 * Both run as background tasks, one per pod, so a 30 s grace period never blocks a sync worker.
 */
import { rmSync } from 'node:fs';
import type { Logger } from 'pino';
import { ApiError } from '../../control/api/errors.js';
import { findResource } from '../../control/api/resources.js';
import type { ApiClient } from '../../control/client/index.js';
import type { Pod } from './pod-types.js';
import type { PodSyncer } from './pod-sync.js';
import type { ProbeManager } from './prober.js';
import type { RestartBackoff } from './restart-backoff.js';
import type { RuntimeCache } from './runtime-state.js';
import type { ImagePuller } from './image-puller.js';

const PODS = findResource('', 'v1', 'pods')!;
const ORPHAN_GRACE_SECONDS = 2;

export interface PodCleanupDeps {
  client: Pick<ApiClient, 'delete'>;
  syncer: PodSyncer;
  runtime: RuntimeCache;
  probes: ProbeManager;
  backoff: RestartBackoff;
  images: ImagePuller;
  log: Logger;
  events: { event(obj: Pick<Pod, 'apiVersion' | 'kind' | 'metadata'>, type: 'Normal' | 'Warning', reason: string, message: string): void };
}

export class PodCleanup {
  private readonly tasks = new Map<string, Promise<void>>();

  constructor(private readonly deps: PodCleanupDeps) {}

  busy(uid: string): boolean {
    return this.tasks.has(uid);
  }

  /** Resolves when every running task has finished. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.tasks.values()]);
  }

  terminate(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    if (this.tasks.has(uid)) return;
    const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    this.run(uid, async () => {
      const rt = await this.deps.runtime.refreshPod(uid);
      for (const c of rt.containers) {
        if (c.state.running) this.deps.events.event(pod, 'Normal', 'Killing', `Stopping container ${c.labels['io.kubernetes.container.name'] ?? ''}`);
      }
      this.deps.probes.removePod(uid);
      await this.deps.syncer.killPod(pod, rt, grace, 'Deleted');
      await this.finish(uid);
      try {
        await this.deps.client.delete(PODS, pod.metadata.namespace, pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid } });
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
      }
      this.deps.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, grace }, 'pod terminated');
    });
  }

  /** Containers of a pod that no longer exists in the API. */
  removeOrphan(uid: string): void {
    if (this.tasks.has(uid)) return;
    this.run(uid, async () => {
      const rt = await this.deps.runtime.refreshPod(uid);
      if (rt.containers.length || rt.sandboxes.length) {
        this.deps.log.info({ uid, pod: `${rt.namespace}/${rt.name}`, containers: rt.containers.length + rt.sandboxes.length }, 'removing containers of a pod that no longer exists');
      }
      this.deps.probes.removePod(uid);
      await this.deps.syncer.killPod({ metadata: { uid, name: rt.name, namespace: rt.namespace } }, rt, ORPHAN_GRACE_SECONDS, 'Orphaned');
      await this.finish(uid);
    });
  }

  private async finish(uid: string): Promise<void> {
    const rt = await this.deps.runtime.refreshPod(uid);
    await this.deps.syncer.removePod(rt);
    await this.deps.runtime.refreshPod(uid);
    const dirs = this.deps.syncer.dirs(uid);
    rmSync(dirs.podDir, { recursive: true, force: true });
    rmSync(dirs.shmDir, { recursive: true, force: true });
    this.deps.syncer.forget(uid);
    this.deps.backoff.forgetPrefix(`${uid}/`);
    this.deps.images.forgetPrefix(`${uid}/`);
  }

  private run(uid: string, fn: () => Promise<void>): void {
    const task = fn().catch((err: Error) => {
      this.deps.log.warn({ uid, err: err.message }, 'pod cleanup failed; will retry on the next sync');
    }).finally(() => this.tasks.delete(uid));
    this.tasks.set(uid, task);
  }
}
