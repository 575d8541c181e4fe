/**
 * ControllerExpectations (upstream pkg/controller/controller_utils.go): how many creations and
 * which deletions a controller is still waiting to see through its informer.
 *
 * Why: after a controller creates 3 pods, its cache does not contain them until the watch
 * delivers them. A reconcile in between would see "0 of 3" and create 3 more (pitfall P14 in
 * the notes). While expectations are pending the controller does not create or delete, it only
 * updates status. Deletions are tracked by UID so a pod seen deleted twice (terminating, then
 * gone) counts once. Expectations expire after `ttlMs` (5 min upstream) so a lost event can
 * never wedge a controller.
 */
interface Pending {
  adds: number;
  dels: Set<string>;
  at: number;
}

export class ControllerExpectations {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly ttlMs = 5 * 60_000, private readonly now: () => number = Date.now) {}

  /** True when nothing is pending for `key` (or what was pending expired). */
  satisfied(key: string): boolean {
    const p = this.pending.get(key);
    if (!p) return true;
    if ((p.adds <= 0 && p.dels.size === 0) || this.now() - p.at > this.ttlMs) return true;
    return false;
  }

  /** Replace what is expected for `key`: `adds` creations and the deletion of `uids`. */
  expect(key: string, adds: number, uids: readonly string[] = []): void {
    this.pending.set(key, { adds, dels: new Set(uids), at: this.now() });
  }

  expectCreations(key: string, n: number): void {
    this.expect(key, n);
  }

  expectDeletions(key: string, uids: readonly string[]): void {
    this.expect(key, 0, uids);
  }

  creationObserved(key: string): void {
    const p = this.pending.get(key);
    if (p && p.adds > 0) p.adds--;
  }

  deletionObserved(key: string, uid: string): void {
    this.pending.get(key)?.dels.delete(uid);
  }

  delete(key: string): void {
    this.pending.delete(key);
  }
}
