/**
 * Which namespaces exist and are open, kept from one store watch so that a create does not
 * pay an etcd read for its namespace. Only the common answer ("exists, not terminating") is
 * served from memory; anything else (unknown, terminating) is confirmed with a direct read,
 * so a namespace created a moment ago is never refused because an event is still in flight.
 */
import type { KubeObject } from '../../api/object.js';
import type { Store, WatchHandle } from '../../store/store.js';

const PREFIX = '/registry/core/namespaces/';
const RETRY_MS = 1000;

export class NamespaceCache {
  private readonly open = new Set<string>();
  private handle: WatchHandle | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly store: Store) {}

  /** True only when the namespace is known to exist and not be terminating. */
  isOpen(name: string): boolean {
    return this.open.has(name);
  }

  start(): void {
    this.stopped = false;
    void this.sync();
  }

  stop(): void {
    this.stopped = true;
    this.handle?.stop();
    if (this.timer) clearTimeout(this.timer);
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    try {
      const { items, revision } = await this.store.list(PREFIX);
      this.open.clear();
      for (const ns of items) this.record(ns);
      this.handle = this.store.watch(PREFIX, revision, {
        onEvent: (ev) => (ev.type === 'DELETED' ? this.open.delete(ev.object.metadata.name ?? '') : this.record(ev.object)),
        onError: () => this.retry(),
      });
    } catch {
      this.retry();
    }
  }

  private retry(): void {
    this.open.clear();
    this.handle = undefined;
    if (!this.stopped) this.timer = setTimeout(() => void this.sync(), RETRY_MS);
  }

  private record(ns: KubeObject): void {
    const name = ns.metadata.name ?? '';
    if (ns.metadata.deletionTimestamp) this.open.delete(name);
    else this.open.add(name);
  }
}
