// host-local style allocation over one IPv4 subnet.
//
// Guarantees:
// - never the same IP twice: every reservation is an O_EXCL file create, so even a writer that bypassed the
//   lock could not double-allocate;
// - at most one IP per (containerID, ifname): the duplicate check and the reservation happen under the store
//   lock, so two concurrent ADDs for the same attachment cannot both succeed;
// - round-robin: the search starts after the last reserved IP, so a just-freed IP is reused last (fewer
//   stale ARP/conntrack surprises; MACs are IP-derived anyway);
// - release and GC are idempotent.
import type { Attachment, DiskStore, Reservation } from './disk-store.js';
import { contains, formatIpv4, formatSubnet, parseIpv4, podRangeOf, type Ipv4Subnet } from './ipv4.js';

export type IpamErrorKind = 'exhausted' | 'duplicate' | 'requested-unavailable' | 'requested-invalid';

export class IpamError extends Error {
  constructor(
    readonly kind: IpamErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'IpamError';
  }
}

const sameAttachment = (r: Attachment, a: Attachment) => r.containerId === a.containerId && r.ifname === a.ifname;

export class Allocator {
  constructor(
    private readonly store: DiskStore,
    private readonly subnet: Ipv4Subnet,
  ) {}

  /** Reserves one IP for the attachment; `requested` (CNI_ARGS IP=…) asks for a specific address. */
  async allocate(att: Attachment, requested?: string): Promise<string> {
    await this.store.init();
    const release = await this.store.lock();
    try {
      const existing = await this.store.list();
      const mine = existing.find((r) => sameAttachment(r, att));
      if (mine) {
        throw new IpamError('duplicate', `${att.containerId}/${att.ifname} already holds ${mine.ip}; duplicate allocation is not allowed`);
      }
      const { first, last } = podRangeOf(this.subnet);
      if (requested !== undefined) return await this.allocateRequested(att, requested, first, last);

      const taken = new Set(existing.map((r) => r.ip));
      const lastIp = parseIpv4((await this.store.lastReserved()) ?? '');
      const size = last - first + 1;
      const startOffset = lastIp !== undefined && lastIp >= first && lastIp <= last ? lastIp - first + 1 : 0;
      for (let i = 0; i < size; i++) {
        const ip = formatIpv4(first + ((startOffset + i) % size));
        if (taken.has(ip)) continue;
        if (await this.store.reserve(ip, att)) {
          await this.store.setLastReserved(ip);
          return ip;
        }
      }
      throw new IpamError('exhausted', `no free IP in ${formatSubnet(this.subnet)} (${size} addresses, all reserved)`);
    } finally {
      await release();
    }
  }

  private async allocateRequested(att: Attachment, requested: string, first: number, last: number): Promise<string> {
    const ip = parseIpv4(requested);
    if (ip === undefined || !contains(this.subnet, ip) || ip < first || ip > last) {
      throw new IpamError('requested-invalid', `requested IP ${requested} is not a pod address of ${formatSubnet(this.subnet)}`);
    }
    if (!(await this.store.reserve(requested, att))) {
      throw new IpamError('requested-unavailable', `requested IP ${requested} is already reserved`);
    }
    // A requested IP does not move the round-robin cursor, as in host-local.
    return requested;
  }

  /** The reservations of one attachment (normally zero or one). */
  async find(att: Attachment): Promise<Reservation[]> {
    return (await this.store.list()).filter((r) => sameAttachment(r, att));
  }

  /** Frees every IP of the attachment; returns what was freed (empty when nothing was held). */
  async release(att: Attachment): Promise<string[]> {
    await this.store.init();
    const unlock = await this.store.lock();
    try {
      const mine = await this.find(att);
      for (const r of mine) await this.store.release(r.ip);
      return mine.map((r) => r.ip);
    } finally {
      await unlock();
    }
  }

  /** Frees every reservation whose attachment is not in `valid` (CNI GC); returns what was freed. */
  async gc(valid: readonly Attachment[]): Promise<Reservation[]> {
    await this.store.init();
    const unlock = await this.store.lock();
    try {
      const keep = new Set(valid.map((a) => `${a.containerId}\n${a.ifname}`));
      const stale = (await this.store.list()).filter((r) => !keep.has(`${r.containerId}\n${r.ifname}`));
      for (const r of stale) await this.store.release(r.ip);
      return stale;
    } finally {
      await unlock();
    }
  }
}
