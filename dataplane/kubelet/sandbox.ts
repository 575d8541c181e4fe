/**
 * The pod sandbox: a pause container started with `--network none`, then wired by CNI ADD
 * (CNI_NETNS=/proc/<pid>/ns/net), `lo` brought up (the runtime's job, not the plugin's), and the
 * pod's /etc/hosts and /etc/resolv.conf written. App containers join it with
 * `--network container:<sandbox>`. Acquisition rolls back: a failed CNI ADD removes the pause
 * container. Teardown (CNI DEL, stop, remove) is safe to repeat. The sandbox ID and pod IP are kept
 * in <podDir>/sandbox.json so a restarted agent knows the IP of the pods it adopts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Netlink } from '../../cni/netlink/netlink.js';
import type { Cni } from './cni.js';
import type { ContainerInfo, Docker } from './docker.js';
import { containerLabels, containerName, SANDBOX_NAME, type NodeIdentity } from './labels.js';
import { hostsFile, podHostname, resolvConf, type ClusterDnsConfig } from './pod-dns.js';
import type { Pod } from './pod-types.js';
import type { PodDirs } from './volumes.js';

export class SandboxError extends Error {}

export interface SandboxDeps {
  docker: Docker;
  cni: Cni;
  netlink: Netlink;
  node: NodeIdentity;
  pauseImage: string;
  dns: ClusterDnsConfig;
}

export interface SandboxRecord {
  sandboxId: string;
  ip: string;
}

export function netnsPath(pid: number): string {
  return pid > 0 ? `/proc/${pid}/ns/net` : '';
}

export function readSandboxRecord(dirs: PodDirs): SandboxRecord | undefined {
  try {
    return JSON.parse(readFileSync(join(dirs.podDir, 'sandbox.json'), 'utf8')) as SandboxRecord;
  } catch {
    return undefined;
  }
}

/** (Re)writes the pod's hosts and resolv.conf files (the IP is known once CNI ADD returned). */
export function writePodFiles(pod: Pod, dirs: PodDirs, podIP: string | undefined, dns: ClusterDnsConfig): void {
  mkdirSync(dirs.podDir, { recursive: true });
  const ns = pod.metadata.namespace ?? 'default';
  writeFileSync(join(dirs.podDir, 'etc-hosts'), hostsFile(pod.metadata.name ?? '', ns, podIP, pod.spec, dns.clusterDomain));
  writeFileSync(join(dirs.podDir, 'resolv.conf'), resolvConf(pod.spec, ns, dns));
}

export async function createSandbox(deps: SandboxDeps, pod: Pod, dirs: PodDirs, podCIDR: string, attempt: number): Promise<SandboxRecord> {
  if (!(await deps.docker.inspectImage(deps.pauseImage))) {
    throw new SandboxError(`the pause image ${deps.pauseImage} is missing on this node (build it with \`tug images build\`)`);
  }
  const id = await deps.docker.createContainer({
    name: containerName(pod, SANDBOX_NAME, attempt),
    image: deps.pauseImage,
    labels: containerLabels(deps.node, pod, SANDBOX_NAME, 'sandbox', attempt, ''),
    env: [],
    binds: [],
    network: { mode: 'none' },
    hostname: podHostname(pod.metadata.name ?? '', pod.spec),
  });
  try {
    await deps.docker.startContainer(id);
    const info = await deps.docker.inspectContainer(id);
    if (!info || !info.state.running || info.state.pid <= 0) throw new SandboxError(`the pause container of ${pod.metadata.namespace}/${pod.metadata.name} did not start`);
    const netns = netnsPath(info.state.pid);
    const ip = await deps.cni.add(podCIDR, attachment(pod, id, netns));
    try {
      await deps.netlink.ipBatch({ kind: 'path', path: netns }, ['link set lo up']);
      const record = { sandboxId: id, ip };
      mkdirSync(dirs.podDir, { recursive: true });
      writeFileSync(join(dirs.podDir, 'sandbox.json'), JSON.stringify(record));
      writePodFiles(pod, dirs, ip, deps.dns);
      return record;
    } catch (err) {
      await deps.cni.del(podCIDR, attachment(pod, id, netns)).catch(() => undefined);
      throw err;
    }
  } catch (err) {
    await deps.docker.removeContainer(id).catch(() => undefined);
    throw err;
  }
}

function attachment(pod: Pod, containerId: string, netns: string) {
  return { containerId, netns, podNamespace: pod.metadata.namespace ?? '', podName: pod.metadata.name ?? '', podUid: pod.metadata.uid ?? '' };
}

/**
 * CNI DEL (releases the IP, removes the veth), then stops and removes the pause container: a
 * sandbox that exists but does not run is one whose network still has to be released.
 */
export async function teardownSandbox(deps: SandboxDeps, podRef: Pick<Pod, 'metadata'>, sandbox: ContainerInfo, podCIDR: string | undefined): Promise<void> {
  if (podCIDR) {
    await deps.cni.del(podCIDR, {
      containerId: sandbox.id, netns: sandbox.state.running ? netnsPath(sandbox.state.pid) : '',
      podNamespace: podRef.metadata.namespace ?? '', podName: podRef.metadata.name ?? '', podUid: podRef.metadata.uid ?? '',
    });
  }
  await deps.docker.stopContainer(sandbox.id, 0);
  await deps.docker.removeContainer(sandbox.id);
}
