/**
 * Node registration and heartbeats (upstream kubelet_node_status.go + nodelease):
 * - register: create the Node, or (agent restart / re-join) merge our labels into the existing
 *   one; then write the status through nodes/status (strategic merge, conditions by type, so a
 *   NetworkUnavailable written by the overlay is left alone);
 * - status: recomputed every 10 s and written when it changed, and at least every 60 s;
 * - lease: kube-node-lease/<node> renewed every 10 s (leaseDurationSeconds 40), the node
 *   lifecycle controller's liveness signal. The last lease is kept, so a renewal is one PUT.
 */
import { cpus, release, totalmem } from 'node:os';
import { readFileSync, statfsSync } from 'node:fs';
import type { Logger } from 'pino';
import { ApiError } from '../../control/api/errors.js';
import type { KubeObject } from '../../control/api/object.js';
import { findResource } from '../../control/api/resources.js';
import type { ApiClient } from '../../control/client/index.js';
import { newNodeObject, nodeLabels, nodeStatus, nodeStatusDiffers, type NodeCondition, type NodeFacts, type NodeHealth } from './node-status.js';

const NODES = findResource('', 'v1', 'nodes')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
export const LEASE_NAMESPACE = 'kube-node-lease';
export const LEASE_DURATION_SECONDS = 40;
const STATUS_REPORT_EVERY_MS = 60_000;

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

export function gatherNodeFacts(opts: { nodeName: string; nodeIP: string; kubeletPort: number; stateDir: string; runtimeVersion: string }): NodeFacts {
  let disk = 0;
  try {
    const s = statfsSync(opts.stateDir);
    disk = s.blocks * s.bsize;
  } catch {
    disk = 0;
  }
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readText('/etc/os-release'))?.[1] ?? 'Linux';
  return {
    nodeName: opts.nodeName, nodeIP: opts.nodeIP, kubeletPort: opts.kubeletPort,
    cpus: cpus().length, memoryBytes: totalmem(), ephemeralStorageBytes: disk,
    arch: process.arch, kernelVersion: release(), osImage: pretty,
    machineID: readText('/etc/machine-id') || opts.nodeName, bootID: readText('/proc/sys/kernel/random/boot_id'),
    containerRuntimeVersion: `docker://${opts.runtimeVersion}`,
  };
}

/** Lease renewTime is a MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

export interface NodeRegistrationDeps {
  client: ApiClient;
  facts: NodeFacts;
  health(): NodeHealth;
  log: Logger;
  now?: () => Date;
}

export class NodeRegistration {
  private lease: KubeObject | undefined;
  private lastStatus: Record<string, unknown> | undefined;
  private lastStatusAt = 0;
  private nodeUid = '';
  private readonly now: () => Date;

  constructor(private readonly deps: NodeRegistrationDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async register(): Promise<void> {
    const { client, facts } = this.deps;
    let node: KubeObject;
    try {
      node = await client.create(NODES, newNodeObject(facts, rfc3339(this.now())));
      this.deps.log.info({ node: facts.nodeName }, 'registered node');
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 409)) throw err;
      node = await client.patch(NODES, undefined, facts.nodeName, { metadata: { labels: nodeLabels(facts) } }, 'merge');
      this.deps.log.info({ node: facts.nodeName }, 'node already registered: updated labels');
    }
    this.nodeUid = node.metadata.uid ?? '';
    this.lastStatus = undefined;
    await this.reportStatus(node);
  }

  /** Writes the status if it changed (or was not written for a minute). */
  async reportStatus(current?: KubeObject): Promise<void> {
    const { client, facts } = this.deps;
    const node = current ?? await client.get(NODES, undefined, facts.nodeName);
    const old = ((node.status as { conditions?: NodeCondition[] } | undefined)?.conditions);
    const status = nodeStatus(facts, this.deps.health(), old, rfc3339(this.now()));
    const due = Date.now() - this.lastStatusAt >= STATUS_REPORT_EVERY_MS;
    if (!due && this.lastStatus && !nodeStatusDiffers(this.lastStatus, status)) return;
    await client.patch(NODES, undefined, facts.nodeName, { status }, 'strategic', { subresource: 'status' });
    this.lastStatus = status;
    this.lastStatusAt = Date.now();
  }

  async renewLease(): Promise<void> {
    const { client, facts } = this.deps;
    const spec = { holderIdentity: facts.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: microTime(this.now()) };
    try {
      if (this.lease) {
        this.lease = await client.update(LEASES, { ...this.lease, spec: { ...(this.lease.spec as object), ...spec } });
        return;
      }
      try {
        const existing = await client.get(LEASES, LEASE_NAMESPACE, facts.nodeName);
        this.lease = await client.update(LEASES, { ...existing, spec: { ...(existing.spec as object), ...spec } });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
        this.lease = await client.create(LEASES, {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
          metadata: {
            name: facts.nodeName, namespace: LEASE_NAMESPACE,
            ownerReferences: this.nodeUid ? [{ apiVersion: 'v1', kind: 'Node', name: facts.nodeName, uid: this.nodeUid }] : undefined,
          },
          spec: { ...spec, acquireTime: spec.renewTime },
        });
      }
    } catch (err) {
      this.lease = undefined; // a conflict or a deleted lease: start from a fresh read next time
      throw err;
    }
  }
}
