// A tiny in-memory Node API for unit tests of the overlay daemon: list + watch (the informer's needs) and a
// merge patch of metadata.annotations (what the daemon writes). Events carry increasing resourceVersions.
import type { KubeList, KubeObject, WatchEvent } from '../../../control/api/object.js';
import type { ListerWatcher, WatchHandle } from '../../../control/client/index.js';
import type { ApiClient } from '../../../control/client/index.js';

export class FakeNodeApi implements ListerWatcher {
  private readonly nodes = new Map<string, KubeObject>();
  private readonly watchers = new Set<(e: WatchEvent<KubeObject>) => void>();
  private rv = 1;
  /** names of nodes patched, in order */
  readonly patches: string[] = [];
  /** until released, list() hangs (to test "nothing before sync") */
  private gate: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;

  holdLists(): void {
    this.gate = new Promise((r) => (this.release = r));
  }

  releaseLists(): void {
    this.release?.();
  }

  get(name: string): KubeObject | undefined {
    return this.nodes.get(name);
  }

  set(node: KubeObject): void {
    const name = node.metadata.name!;
    const type = this.nodes.has(name) ? 'MODIFIED' : 'ADDED';
    const stored = structuredClone(node);
    stored.metadata.resourceVersion = String(++this.rv);
    stored.metadata.uid ??= `uid-${name}`;
    this.nodes.set(name, stored);
    for (const w of this.watchers) w({ type, object: structuredClone(stored) });
  }

  delete(name: string): void {
    const node = this.nodes.get(name);
    if (!node) return;
    this.nodes.delete(name);
    const gone = structuredClone(node);
    gone.metadata.resourceVersion = String(++this.rv);
    for (const w of this.watchers) w({ type: 'DELETED', object: gone });
  }

  async list<T extends KubeObject = KubeObject>(): Promise<KubeList<T>> {
    await this.gate;
    return { apiVersion: 'v1', kind: 'NodeList', metadata: { resourceVersion: String(this.rv) }, items: [...this.nodes.values()].map((n) => structuredClone(n) as T) };
  }

  watch<T extends KubeObject = KubeObject>(_info: unknown, _opts: unknown, onEvent: (e: WatchEvent<T>) => void): WatchHandle {
    const fn = onEvent as (e: WatchEvent<KubeObject>) => void;
    this.watchers.add(fn);
    return { stop: () => this.watchers.delete(fn) };
  }

  patch: ApiClient['patch'] = async (_info, _ns, name, patch) => {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`node ${name} not found`);
    const next = structuredClone(node);
    const ann = (patch as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations ?? {};
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...ann };
    this.patches.push(name);
    this.set(next);
    return structuredClone(this.nodes.get(name)!) as never;
  };
}
