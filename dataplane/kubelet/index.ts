/**
 * buildKubelet(deps): the kubelet component of `tug agent` (WAVE2 contract). Nothing runs until
 * start(); stop() stops the kubelet and leaves the pods running (an agent restart adopts them).
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { IpRoute2Netlink } from '../../cni/netlink/iproute2.js';
import type { Netlink } from '../../cni/netlink/netlink.js';
import type { ApiClient } from '../../control/client/index.js';
import { CniPluginExec, type Cni } from './cni.js';
import { DockerEngine } from './docker-engine.js';
import type { Docker } from './docker.js';
import { Kubelet } from './kubelet.js';
import type { Clock } from './restart-backoff.js';

export const DEFAULT_PAUSE_IMAGE = 'tugboat/pause:latest';

export interface KubeletDeps {
  client: ApiClient;
  nodeName: string;
  nodeIP: string;
  log: Logger;
  metrics: Registry;
  kubeletPort: number;
  stateDir: string;
  /** cluster DNS address(es), comma-separated (10.96.0.10) */
  clusterDNS: string;
  clusterDomain: string;
  /** the tug-cni executable (a .js path runs on this node binary) */
  cniPluginPath: string;
  /** serving certificate for nodeIP:kubeletPort */
  tls: { cert: string; key: string };
  /** PEM of the CA whose client certificates may call the kubelet (the cluster CA) */
  clientCA: string;
  /** labels every container tugboat.cluster=<name> */
  clusterName?: string;
  pauseImage?: string;
  /** where secret volumes live (a tmpfs); default /dev/shm/tugboat-kubelet/<node> */
  shmRoot?: string;
  listenHost?: string;
  /** contact registries that are not on this machine (default false: local clusters stay offline) */
  pullFromRemoteRegistries?: boolean;
  relistIntervalMs?: number;
  resyncIntervalMs?: number;
  heartbeatIntervalMs?: number;
  workers?: number;
  docker?: Docker;
  cni?: Cni;
  netlink?: Netlink;
  clock?: Clock;
}

export interface KubeletComponent {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function buildKubelet(deps: KubeletDeps): KubeletComponent {
  const kubelet = new Kubelet({
    ...deps,
    log: deps.log.child({ component: 'kubelet' }),
    docker: deps.docker ?? new DockerEngine(),
    cni: deps.cni ?? new CniPluginExec(deps.cniPluginPath, join(deps.stateDir, 'cni')),
    netlink: deps.netlink ?? new IpRoute2Netlink(),
    pauseImage: deps.pauseImage ?? DEFAULT_PAUSE_IMAGE,
    shmRoot: deps.shmRoot ?? join('/dev/shm/tugboat-kubelet', deps.nodeName),
    relistIntervalMs: deps.relistIntervalMs ?? 1000,
    resyncIntervalMs: deps.resyncIntervalMs ?? 10_000,
    heartbeatIntervalMs: deps.heartbeatIntervalMs ?? 10_000,
    workers: deps.workers ?? 10,
    pullFromRemoteRegistries: deps.pullFromRemoteRegistries ?? false,
  });
  return { start: () => kubelet.start(), stop: () => kubelet.stop() };
}

export type { Docker } from './docker.js';
