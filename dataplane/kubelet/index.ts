/**
 * buildKubelet(deps): the kubelet component of `tug agent` (WAVE2 contract). Nothing runs until
 * start(); stop() stops the kubelet and leaves the pods running (an agent restart adopts them).
 */
import { join } from 'node:path';
import { IpRoute2Netlink } from '../../cni/netlink/iproute2.js';
import { CniPluginExec } from './cni.js';
import type { KubeletDeps } from './config.js';
import { DockerEngine } from './docker-engine.js';
import { Kubelet } from './kubelet.js';

export type { KubeletDeps } from './config.js';

export const DEFAULT_PAUSE_IMAGE = 'tugboat/pause:latest';

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
