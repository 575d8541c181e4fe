/**
 * AnswerCache: whole replies kept as wire bytes, keyed by the raw question (readQuestion().key),
 * replayed with only the ID, RD/CD bits and the case of the name patched (wire.patchReply).
 * It serves both the UDP fast path (before any parsing) and the `cache` handler of the chain.
 *
 * Guarantees:
 * - Cluster answers live until a dependency they read changes (invalidate(deps)); they are then
 *   rebuilt by the slow path on the next query. Forwarded answers live for their TTL (the smallest
 *   record TTL, or the SOA-derived negative TTL, capped) and their TTLs count down as they age.
 * - Autopath answers are only replayed to clients in the namespace they were computed for; the
 *   plain NXDOMAIN for the same name is never replayed to those clients.
 * - Time comes from an injected Clock; size is bounded (oldest entries go first).
 */
import type { CachePolicy } from './chain.js';
import { patchReply, scanReply } from './wire.js';

export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export interface CacheEntry {
  readonly bytes: Buffer;
  readonly ttlOffsets: readonly number[];
  readonly ttls: readonly number[];
  readonly storedMs: number;
  readonly expiresMs: number;
  readonly decrement: boolean;
  readonly deps: readonly string[];
  readonly candidateNs: string | undefined;
  readonly autopathNs: string | undefined;
  readonly denial: boolean;
  /** Age (s) the TTLs in `bytes` were last rewritten for. */
  patchedAge: number;
}

export interface AnswerCacheOptions {
  maxEntries?: number;
}

export class AnswerCache {
  private readonly main = new Map<string, CacheEntry>();
  private readonly autopath = new Map<string, CacheEntry>();
  private readonly byDep = new Map<string, Set<string>>();
  private readonly maxEntries: number;
  private now = 0;
  hitsSuccess = 0;
  hitsDenial = 0;
  misses = 0;

  constructor(
    private readonly clock: Clock,
    private readonly podNamespace: (ip: string) => string | undefined,
    opts: AnswerCacheOptions = {},
  ) {
    this.maxEntries = opts.maxEntries ?? 20_000;
  }

  get size(): number {
    return this.main.size + this.autopath.size;
  }

  /** The entry to replay for `key` asked by `clientAddress`, counting a hit or a miss. */
  lookup(key: string, clientAddress: string): CacheEntry | undefined {
    this.now = this.clock.nowMs();
    const e = this.fresh(this.main, 'm', key);
    if (e !== undefined && e.candidateNs === undefined) return this.hit(e);
    const ns = this.podNamespace(clientAddress);
    if (ns !== undefined) {
      const a = this.fresh(this.autopath, 'a', key);
      if (a !== undefined && a.autopathNs === ns) return this.hit(a);
    }
    if (e !== undefined && e.candidateNs !== ns) return this.hit(e);
    this.misses++;
    return undefined;
  }

  /** The reply bytes for `request` from a looked-up entry (TTLs aged when they count down). */
  render(e: CacheEntry, request: Buffer, nameEnd: number): Buffer {
    if (e.decrement) {
      const age = Math.floor((this.now - e.storedMs) / 1000);
      if (age !== e.patchedAge) {
        for (let i = 0; i < e.ttlOffsets.length; i++) e.bytes.writeUInt32BE(Math.max(0, e.ttls[i]! - age), e.ttlOffsets[i]!);
        e.patchedAge = age;
      }
    }
    return patchReply(e.bytes, request, nameEnd);
  }

  /** Seconds an entry still has to live (Infinity for cluster answers). */
  remainingSec(e: CacheEntry): number {
    return e.expiresMs === Infinity ? Infinity : Math.max(0, Math.floor((e.expiresMs - this.now) / 1000));
  }

  store(key: string, wire: Buffer, policy: CachePolicy): void {
    if (!(policy.ttlSec > 0)) return;
    const scan = scanReply(wire);
    if (!scan || scan.truncated) return;
    const now = this.clock.nowMs();
    const entry: CacheEntry = {
      bytes: Buffer.from(wire),
      ttlOffsets: scan.ttlOffsets,
      ttls: scan.ttls,
      storedMs: now,
      expiresMs: policy.ttlSec === Infinity ? Infinity : now + policy.ttlSec * 1000,
      decrement: policy.decrement,
      deps: policy.deps,
      candidateNs: policy.candidateNs,
      autopathNs: policy.autopathNs,
      denial: policy.denial,
      patchedAge: 0,
    };
    const [map, tag] = policy.autopathNs !== undefined ? [this.autopath, 'a'] as const : [this.main, 'm'] as const;
    this.remove(map, tag, key);
    map.set(key, entry);
    for (const d of entry.deps) {
      let s = this.byDep.get(d);
      if (!s) this.byDep.set(d, s = new Set());
      s.add(tag + key);
    }
    while (this.size > this.maxEntries) {
      const victim = this.main.size > 0 ? this.main : this.autopath;
      const oldest = victim.keys().next().value as string;
      this.remove(victim, victim === this.main ? 'm' : 'a', oldest);
    }
  }

  /** Drops every stored reply that read any of `deps`. */
  invalidate(deps: Iterable<string>): void {
    for (const d of deps) {
      const keys = this.byDep.get(d);
      if (!keys) continue;
      for (const k of [...keys]) this.remove(k[0] === 'a' ? this.autopath : this.main, k[0]!, k.slice(1));
    }
  }

  clear(): void {
    this.main.clear();
    this.autopath.clear();
    this.byDep.clear();
  }

  private fresh(map: Map<string, CacheEntry>, tag: string, key: string): CacheEntry | undefined {
    const e = map.get(key);
    if (e === undefined) return undefined;
    if (e.expiresMs <= this.now) {
      this.remove(map, tag, key);
      return undefined;
    }
    return e;
  }

  private hit(e: CacheEntry): CacheEntry {
    if (e.denial) this.hitsDenial++;
    else this.hitsSuccess++;
    return e;
  }

  private remove(map: Map<string, CacheEntry>, tag: string, key: string): void {
    const e = map.get(key);
    if (!e) return;
    map.delete(key);
    for (const d of e.deps) {
      const s = this.byDep.get(d);
      if (!s) continue;
      s.delete(tag + key);
      if (s.size === 0) this.byDep.delete(d);
    }
  }
}
