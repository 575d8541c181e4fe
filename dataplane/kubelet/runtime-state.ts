/**
 * The kubelet's view of what runs: every container of this node (by label), inspected, grouped
 * per pod UID. `relist()` is the PLEG: one `docker ps -a` per second, an inspect only for
 * containers that are new or whose state changed, and the set of pod UIDs whose containers
 * changed since the last relist, so only those pods are re-synced.
 */
import type { ContainerInfo, Docker } from './docker.js';
import { LABELS, labelAttempt, nodeFilter, type ContainerKind, type NodeIdentity } from './labels.js';

export interface PodRuntime {
  uid: string;
  name: string;
  namespace: string;
  /** every sandbox of the pod, newest first */
  sandboxes: ContainerInfo[];
  /** every init/app container of the pod, newest first */
  containers: ContainerInfo[];
}

export function kindOf(c: ContainerInfo): ContainerKind {
  const k = c.labels[LABELS.kind];
  if (k === 'sandbox' || k === 'init' || k === 'app') return k;
  return c.labels[LABELS.dockerType] === 'podsandbox' ? 'sandbox' : 'app';
}

/** Newest first: by attempt, then by creation time. */
function newestFirst(a: ContainerInfo, b: ContainerInfo): number {
  return labelAttempt(b.labels) - labelAttempt(a.labels) || b.created.localeCompare(a.created);
}

export function groupByPod(containers: Iterable<ContainerInfo>): Map<string, PodRuntime> {
  const pods = new Map<string, PodRuntime>();
  for (const c of containers) {
    const uid = c.labels[LABELS.podUid];
    if (!uid) continue;
    let p = pods.get(uid);
    if (!p) {
      p = { uid, name: c.labels[LABELS.podName] ?? '', namespace: c.labels[LABELS.podNamespace] ?? '', sandboxes: [], containers: [] };
      pods.set(uid, p);
    }
    (kindOf(c) === 'sandbox' ? p.sandboxes : p.containers).push(c);
  }
  for (const p of pods.values()) {
    p.sandboxes.sort(newestFirst);
    p.containers.sort(newestFirst);
  }
  return pods;
}

export function emptyRuntime(uid: string, name = '', namespace = ''): PodRuntime {
  return { uid, name, namespace, sandboxes: [], containers: [] };
}

/** The newest container of `name` (init or app), and the one before it (for lastState / --previous). */
export function containersNamed(rt: PodRuntime, name: string): ContainerInfo[] {
  return rt.containers.filter((c) => c.labels[LABELS.containerName] === name);
}

export class RuntimeCache {
  private readonly byId = new Map<string, { stateKey: string; info: ContainerInfo }>();
  private pods = new Map<string, PodRuntime>();
  private listedOnce = false;

  constructor(private readonly docker: Docker, private readonly node: NodeIdentity) {}

  hasListed(): boolean {
    return this.listedOnce;
  }

  /** Lists this node's containers; returns the UIDs of pods whose containers changed. */
  async relist(): Promise<Set<string>> {
    const summaries = await this.docker.listContainers(nodeFilter(this.node));
    const changed = new Set<string>();
    const seen = new Set<string>();
    await Promise.all(summaries.map(async (s) => {
      seen.add(s.id);
      const known = this.byId.get(s.id);
      if (known && known.stateKey === s.stateKey) return;
      const info = await this.docker.inspectContainer(s.id);
      if (!info) return;
      this.byId.set(s.id, { stateKey: s.stateKey, info });
      changed.add(info.labels[LABELS.podUid] ?? '');
    }));
    for (const [id, entry] of this.byId) {
      if (!seen.has(id)) {
        this.byId.delete(id);
        changed.add(entry.info.labels[LABELS.podUid] ?? '');
      }
    }
    changed.delete('');
    this.pods = groupByPod([...this.byId.values()].map((e) => e.info));
    this.listedOnce = true;
    return changed;
  }

  /** Re-inspects one pod's containers right now (after the kubelet changed them). */
  async refreshPod(uid: string): Promise<PodRuntime> {
    const summaries = await this.docker.listContainers([...nodeFilter(this.node), `${LABELS.podUid}=${uid}`]);
    const infos: ContainerInfo[] = [];
    for (const [id, entry] of this.byId) if (entry.info.labels[LABELS.podUid] === uid) this.byId.delete(id);
    await Promise.all(summaries.map(async (s) => {
      const info = await this.docker.inspectContainer(s.id);
      if (!info) return;
      this.byId.set(s.id, { stateKey: s.stateKey, info });
      infos.push(info);
    }));
    const rt = groupByPod(infos).get(uid) ?? emptyRuntime(uid);
    if (rt.sandboxes.length || rt.containers.length) this.pods.set(uid, rt);
    else this.pods.delete(uid);
    return rt;
  }

  pod(uid: string): PodRuntime | undefined {
    return this.pods.get(uid);
  }

  podUids(): string[] {
    return [...this.pods.keys()];
  }

  all(): PodRuntime[] {
    return [...this.pods.values()];
  }
}
