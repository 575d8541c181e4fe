/**
 * A fixed-capacity ring of the most recent store events, in revision order, plus the revision
 * below which it is incomplete (`floor`): every event with revision > floor is in the ring.
 * Pure data structure; the watch cache decides what floor means when it (re)starts.
 */
import type { StoreEvent } from './store.js';

export class EventRing {
  private readonly slots: (StoreEvent | undefined)[];
  private head = 0; // index of the oldest event
  private size = 0;
  /** Every event with revision > floor is held. */
  floor: number;

  constructor(readonly capacity: number, floor = 0) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`EventRing capacity must be >= 1, got ${capacity}`);
    this.slots = new Array<StoreEvent | undefined>(capacity);
    this.floor = floor;
  }

  get length(): number {
    return this.size;
  }

  /** Append (revisions must not decrease); evicting the oldest event raises the floor to its revision. */
  push(ev: StoreEvent): void {
    if (this.size === this.capacity) {
      const evicted = this.slots[this.head] as StoreEvent;
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
      this.floor = Math.max(this.floor, evicted.revision);
    }
    this.slots[(this.head + this.size) % this.capacity] = ev;
    this.size++;
  }

  /** Events with revision > revision, oldest first (caller checks revision >= floor for completeness). */
  *after(revision: number): Generator<StoreEvent> {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.size; i++) yield this.at(i);
  }

  /** Forget everything; the ring is complete only after `floor` from now on. */
  reset(floor: number): void {
    this.slots.fill(undefined);
    this.head = 0;
    this.size = 0;
    this.floor = floor;
  }

  private at(i: number): StoreEvent {
    return this.slots[(this.head + i) % this.capacity] as StoreEvent;
  }
}
