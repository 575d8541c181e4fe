/**
 * The kubelet's configuration: what `tug agent` passes (KubeletDeps, WAVE2 contract) and what
 * buildKubelet resolves it to (KubeletConfig: the same fields with every default filled in).
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Netlink } from '../../cni/netlink/netlink.js';
import type { ApiClient } from '../../control/client/index.js';
import type { Cni } from './cni.js';
import type { Docker } from './docker.js';
import type { Clock } from './restart-backoff.js';

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

type Defaulted = 'docker' | 'cni' | 'netlink' | 'pauseImage' | 'shmRoot' | 'relistIntervalMs' | 'resyncIntervalMs'
  | 'heartbeatIntervalMs' | 'workers' | 'pullFromRemoteRegistries';

export type KubeletConfig = Omit<KubeletDeps, Defaulted> & Required<Pick<KubeletDeps, Defaulted>>;
