/**
 * Container labels and names, as dockershim wrote them, so `docker ps --filter label=…` finds a
 * pod's containers and an agent restart can adopt them:
 *   io.kubernetes.pod.uid|name|namespace, io.kubernetes.container.name ("POD" for the sandbox),
 *   io.kubernetes.docker.type (podsandbox|container), io.kubernetes.container.restartCount,
 *   tugboat.node (the node that owns it; one engine serves several local nodes), tugboat.cluster,
 *   tugboat.container.kind (sandbox|init|app), io.kubernetes.container.hash (spec hash).
 * Names: k8s_<container>_<pod>_<namespace>_<uid>_<attempt> (k8s_POD_… for the sandbox).
 */
import { createHash } from 'node:crypto';
import type { Container, Pod } from './pod-types.js';

export const LABELS = {
  podUid: 'io.kubernetes.pod.uid',
  podName: 'io.kubernetes.pod.name',
  podNamespace: 'io.kubernetes.pod.namespace',
  containerName: 'io.kubernetes.container.name',
  dockerType: 'io.kubernetes.docker.type',
  attempt: 'io.kubernetes.container.restartCount',
  hash: 'io.kubernetes.container.hash',
  node: 'tugboat.node',
  cluster: 'tugboat.cluster',
  kind: 'tugboat.container.kind',
} as const;

export const SANDBOX_NAME = 'POD';

export type ContainerKind = 'sandbox' | 'init' | 'app';

export interface NodeIdentity {
  nodeName: string;
  clusterName?: string;
}

export function nodeLabels(id: NodeIdentity): Record<string, string> {
  const l: Record<string, string> = { [LABELS.node]: id.nodeName };
  if (id.clusterName) l[LABELS.cluster] = id.clusterName;
  return l;
}

/** The label filter that finds every container of this node. */
export function nodeFilter(id: NodeIdentity): string[] {
  return [`${LABELS.node}=${id.nodeName}`];
}

/** Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]; pod names already fit, this is a guard. */
function safe(s: string): string {
  return s.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

export function containerName(pod: Pick<Pod, 'metadata'>, name: string, attempt: number): string {
  const m = pod.metadata;
  return `k8s_${safe(name)}_${safe(m.name ?? '')}_${safe(m.namespace ?? '')}_${safe(m.uid ?? '')}_${attempt}`;
}

export function containerLabels(
  id: NodeIdentity, pod: Pick<Pod, 'metadata'>, name: string, kind: ContainerKind, attempt: number, hash: string,
): Record<string, string> {
  const m = pod.metadata;
  return {
    ...nodeLabels(id),
    [LABELS.podUid]: m.uid ?? '',
    [LABELS.podName]: m.name ?? '',
    [LABELS.podNamespace]: m.namespace ?? '',
    [LABELS.containerName]: name,
    [LABELS.dockerType]: kind === 'sandbox' ? 'podsandbox' : 'container',
    [LABELS.kind]: kind,
    [LABELS.attempt]: String(attempt),
    [LABELS.hash]: hash,
  };
}

/**
 * A hash of the container spec fields whose change means "recreate the container" (upstream
 * hashes the whole Container; image changes in a rolling update are the case that matters).
 */
export function containerHash(c: Container): string {
  const relevant = {
    image: c.image, command: c.command, args: c.args, workingDir: c.workingDir, env: c.env, envFrom: c.envFrom,
    ports: c.ports, volumeMounts: c.volumeMounts, resources: c.resources, tty: c.tty, stdin: c.stdin,
  };
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

export function labelAttempt(labels: Record<string, string>): number {
  const n = Number(labels[LABELS.attempt] ?? '0');
  return Number.isFinite(n) ? n : 0;
}
