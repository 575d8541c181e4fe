/**
 * NodeIpamController: gives every Node a spec.podCIDR (and spec.podCIDRs) — the lowest free /24 of the
 * cluster CIDR, starting at the second one (10.244.1.0/24 for 10.244.0.0/16; the first stays unused, as
 * flannel and kube-controller-manager leave the network address's subnet alone). A deleted Node's range
 * is free again as soon as it is gone from the cache.
 *
 * Never twice: one worker allocates, and before each allocation it rebuilds the used set from the
 * informer cache plus the allocations it made that the cache has not caught up with yet. The write is a
 * compare-and-swap update (the node's resourceVersion), so a node changed meanwhile is retried from the
 * cache rather than overwritten; the API server refuses to change a podCIDR once set.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import { clone } from '../api/object.js';
import { ApiError } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import { WorkQueue, runWorkers, type ApiClient } from '../client/index.js';
import { formatIpv4, parseCidr } from '../api/ipv4.js';
import type { SharedInformers } from './informers.js';
import type { Controller } from './namespace.js';

const NODES = findResource('', 'v1', 'nodes')!;
export const NODE_SUBNET_PREFIX = 24;

/** A canonical IPv4 CIDR as {base, prefix}; undefined for anything else. */
export function parseIpv4Cidr(cidr: string): { base: number; prefix: number } | undefined {
  const c = parseCidr(cidr, { strict: true });
  return typeof c === 'string' ? undefined : { base: c.network, prefix: c.prefixLen };
}

/**
 * The lowest /24 of `clusterCidr` that is not in `used`, skipping the first (index 0); undefined when the
 * range is exhausted. Pure: the controller feeds it the used set it rebuilt from the cache.
 */
export function allocatePodCidr(clusterCidr: string, used: ReadonlySet<string>, subnetPrefix = NODE_SUBNET_PREFIX): string | undefined {
  const cluster = parseIpv4Cidr(clusterCidr);
  if (!cluster || cluster.prefix > subnetPrefix) throw new Error(`cluster CIDR ${clusterCidr} cannot hold /${subnetPrefix} node ranges`);
  const count = 2 ** (subnetPrefix - cluster.prefix);
  const size = 2 ** (32 - subnetPrefix);
  // A cluster CIDR that is itself one /24 has only index 0 to give.
  for (let i = count > 1 ? 1 : 0; i < count; i++) {
    const cidr = `${formatIpv4(cluster.base + i * size)}/${subnetPrefix}`;
    if (!used.has(cidr)) return cidr;
  }
  return undefined;
}

interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
}

/** The CIDRs a node holds (podCIDR and podCIDRs). */
export function nodePodCidrs(node: KubeObject): string[] {
  const spec = (node.spec ?? {}) as NodeSpec;
  return [...new Set([...(spec.podCIDR ? [spec.podCIDR] : []), ...(spec.podCIDRs ?? [])])];
}

export function buildNodeIpamController(deps: { client: ApiClient; informers: SharedInformers; log: Logger; clusterCidr: string }): Controller {
  const { client, log, clusterCidr } = deps;
  // Fail at construction for a CIDR that cannot hold node ranges, not on every reconcile.
  allocatePodCidr(clusterCidr, new Set());
  const nodes = deps.informers.for(NODES);
  const queue = new WorkQueue<string>();
  /** node name → CIDR we assigned that the cache does not show yet */
  const inFlight = new Map<string, string>();
  const enqueue = (n: KubeObject) => queue.add(n.metadata.name!);
  nodes.onAdd(enqueue).onUpdate((_, n) => enqueue(n)).onDelete(enqueue);
  let workers: Promise<void> | undefined;

  function usedSet(): Set<string> {
    const used = new Set<string>();
    for (const n of nodes.list()) for (const c of nodePodCidrs(n)) used.add(c);
    for (const [name, cidr] of inFlight) {
      const cached = nodes.get(name);
      // Gone, or the cache caught up (it now shows what we wrote, or something else): stop tracking.
      if (!cached || nodePodCidrs(cached).length > 0) inFlight.delete(name);
      else used.add(cidr);
    }
    return used;
  }

  async function reconcile(name: string): Promise<void> {
    const used = usedSet();
    const node = nodes.get(name);
    if (!node || node.metadata.deletionTimestamp) {
      inFlight.delete(name);
      return;
    }
    if (nodePodCidrs(node).length > 0 || inFlight.has(name)) return;
    const cidr = allocatePodCidr(clusterCidr, used);
    if (!cidr) {
      log.warn({ node: name, clusterCidr }, 'no free pod CIDR left for node');
      queue.addAfter(name, 30_000);
      return;
    }
    const next = clone(node);
    next.spec = { ...((next.spec ?? {}) as object), podCIDR: cidr, podCIDRs: [cidr] };
    try {
      await client.update(NODES, next);
    } catch (err) {
      // 409: the node changed since the cache saw it; 404: it is gone. The cache will tell us which.
      if (err instanceof ApiError && (err.code === 409 || err.code === 404)) {
        queue.addAfter(name, 100);
        return;
      }
      throw err;
    }
    inFlight.set(name, cidr);
    log.info({ node: name, podCIDR: cidr }, 'assigned pod CIDR');
  }

  return {
    start() {
      // One worker: allocations are serialized, so two nodes never get the same range.
      workers = runWorkers(queue, 1, reconcile, {
        onError: (key, err) => log.warn({ node: key, err: (err as Error).message }, 'pod CIDR assignment failed; retrying'),
      });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}
