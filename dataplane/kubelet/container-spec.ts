/**
 * A pod container as a Docker create request (pure): kube `command` → ENTRYPOINT and `args` →
 * CMD (with $(VAR) expansion), the rendered env, volume binds plus the pod's /etc/hosts,
 * /etc/resolv.conf and a termination-log file, limits → cgroup memory / CPU quota, requests.cpu
 * → CPU shares (upstream's milliCPU·1024/1000, at least 2), and the joined sandbox netns.
 */
import { join } from 'node:path';
import { milliValue, parseQuantity } from '../../control/api/quantity.js';
import type { ContainerCreateSpec } from './docker.js';
import { expandCommand } from './env.js';
import { containerHash, containerLabels, containerName, type NodeIdentity } from './labels.js';
import type { Container, Pod } from './pod-types.js';
import type { PodDirs } from './volumes.js';

export interface ContainerContext {
  pod: Pod;
  container: Container;
  kind: 'init' | 'app';
  attempt: number;
  sandboxId: string;
  node: NodeIdentity;
  env: ReadonlyArray<[string, string]>;
  /** volume binds (mountBinds) */
  binds: string[];
  dirs: PodDirs;
}

export function resourceLimits(c: Container): Pick<ContainerCreateSpec, 'memoryBytes' | 'nanoCpus' | 'cpuShares'> {
  const out: Pick<ContainerCreateSpec, 'memoryBytes' | 'nanoCpus' | 'cpuShares'> = {};
  const limits = c.resources?.limits ?? {};
  const requests = c.resources?.requests ?? {};
  if (limits.memory !== undefined) out.memoryBytes = Math.round(parseQuantity(limits.memory));
  if (limits.cpu !== undefined) out.nanoCpus = Math.round(milliValue(limits.cpu) * 1e6);
  const cpuRequest = requests.cpu ?? limits.cpu;
  if (cpuRequest !== undefined) out.cpuShares = Math.max(2, Math.floor((milliValue(cpuRequest) * 1024) / 1000));
  return out;
}

/** The termination-log file of one container attempt (read back for the terminated message). */
export function terminationLogPath(dirs: PodDirs, name: string, attempt: number): string {
  return join(dirs.podDir, 'containers', name, `${attempt}.termination-log`);
}

export function podFileBinds(ctx: Pick<ContainerContext, 'container' | 'dirs' | 'attempt'>): string[] {
  const mounted = new Set((ctx.container.volumeMounts ?? []).map((m) => m.mountPath));
  const binds: string[] = [];
  if (!mounted.has('/etc/hosts')) binds.push(`${join(ctx.dirs.podDir, 'etc-hosts')}:/etc/hosts`);
  if (!mounted.has('/etc/resolv.conf')) binds.push(`${join(ctx.dirs.podDir, 'resolv.conf')}:/etc/resolv.conf`);
  const termPath = ctx.container.terminationMessagePath ?? '/dev/termination-log';
  if (termPath && !mounted.has(termPath)) binds.push(`${terminationLogPath(ctx.dirs, ctx.container.name, ctx.attempt)}:${termPath}`);
  return binds;
}

export function containerCreateSpec(ctx: ContainerContext): ContainerCreateSpec {
  const c = ctx.container;
  const spec: ContainerCreateSpec = {
    name: containerName(ctx.pod, c.name, ctx.attempt),
    image: c.image,
    labels: containerLabels(ctx.node, ctx.pod, c.name, ctx.kind, ctx.attempt, containerHash(c)),
    env: ctx.env.map(([k, v]) => `${k}=${v}`),
    binds: [...ctx.binds, ...podFileBinds(ctx)],
    network: { mode: 'container', id: ctx.sandboxId },
    ...resourceLimits(c),
  };
  const entrypoint = expandCommand(c.command, ctx.env);
  const cmd = expandCommand(c.args, ctx.env);
  if (entrypoint) spec.entrypoint = entrypoint;
  if (cmd) spec.cmd = cmd;
  else if (entrypoint) spec.cmd = [];
  if (c.workingDir) spec.workingDir = c.workingDir;
  if (c.tty) spec.tty = true;
  if (c.stdin) {
    spec.openStdin = true;
    spec.stdinOnce = c.stdinOnce ?? false;
  }
  if (c.securityContext?.privileged) spec.privileged = true;
  const sc = c.securityContext;
  if (sc?.runAsUser !== undefined) spec.user = sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : String(sc.runAsUser);
  return spec;
}
