/**
 * PodGCController (the orphan part of upstream's pkg/controller/podgc): a pod bound to a node
 * that no longer exists can never run or finish terminating, so it is force-deleted
 * (gracePeriodSeconds=0). Like upstream, a node must have been missing for a quarantine period
 * (default 40 s) and is confirmed gone with a live GET first, so a node that is just registering,
 * or a lagging cache, never costs pods.
 */
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import { SyncRunner, type ApiClient } from '../client/index.js';
import type { SharedInformers } from './informers.js';
import type { Controller } from './namespace.js';
import type { NodeObject } from './node-health.js';
import type { PodObject } from './taint-eviction.js';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;

export interface PodGCOptions {
  quarantineMs?: number;
  periodMs?: number;
  now?: () => number;
}

/** Pure: pods whose node has been missing from `nodeNames` since before `cutoff` (per `missingSince`). */
export function orphanedPods(
  pods: readonly PodObject[], nodeNames: ReadonlySet<string>, missingSince: Map<string, number>, nowMs: number, quarantineMs: number,
): PodObject[] {
  const missingNow = new Set<string>();
  const out: PodObject[] = [];
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node || nodeNames.has(node)) continue;
    missingNow.add(node);
    if (!missingSince.has(node)) missingSince.set(node, nowMs);
    if (nowMs - missingSince.get(node)! >= quarantineMs) out.push(pod);
  }
  for (const node of [...missingSince.keys()]) if (!missingNow.has(node)) missingSince.delete(node);
  return out;
}

export function buildPodGCController(deps: { client: ApiClient; informers: SharedInformers; log: Logger; options?: PodGCOptions }): Controller {
  const { client, log } = deps;
  const now = deps.options?.now ?? Date.now;
  const quarantineMs = deps.options?.quarantineMs ?? 40_000;
  const nodes = deps.informers.for<NodeObject>(NODES);
  const pods = deps.informers.for<PodObject>(PODS);
  const missingSince = new Map<string, number>();

  const runner = new SyncRunner({
    minInterval: 1000,
    maxInterval: deps.options?.periodMs ?? 10_000,
    run: () => collect(),
    onError: (err) => log.warn({ err: (err as Error).message }, 'pod GC pass failed; retrying'),
  });
  nodes.onDelete(() => runner.retryAfter(quarantineMs));

  async function nodeExists(name: string): Promise<boolean> {
    try {
      await client.get(NODES, undefined, name);
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 404) return false;
      throw err;
    }
  }

  async function collect(): Promise<void> {
    const names = new Set(nodes.list().map((n) => n.metadata.name!));
    const orphans = orphanedPods(pods.list(), names, missingSince, now(), quarantineMs);
    const confirmed = new Map<string, boolean>();
    for (const pod of orphans) {
      const node = pod.spec!.nodeName!;
      if (!confirmed.has(node)) confirmed.set(node, !(await nodeExists(node)));
      if (!confirmed.get(node)) continue;
      const { namespace, name, uid } = pod.metadata;
      try {
        await client.delete(PODS, namespace, name!, { gracePeriodSeconds: 0, preconditions: { uid } });
        log.info({ pod: `${namespace}/${name}`, node }, 'force-deleted pod of a node that no longer exists');
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === 404 || err.code === 409))) throw err;
      }
    }
    if (missingSince.size) runner.retryAfter(quarantineMs);
  }

  return {
    start() {
      runner.start();
    },
    async stop() {
      await runner.stop();
    },
  };
}
