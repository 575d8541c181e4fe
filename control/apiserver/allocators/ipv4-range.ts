/** IPv4 CIDR arithmetic for allocators (pure). */
export interface Ipv4Range {
  base: number; // network address as uint32
  size: number; // number of addresses
  cidr: string;
}

export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): Ipv4Range {
  const [ip, bitsText] = cidr.split('/');
  const addr = ip ? ipToInt(ip) : undefined;
  const bits = Number(bitsText);
  if (addr === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) throw new Error(`invalid CIDR ${cidr}`);
  const size = 2 ** (32 - bits);
  const base = addr - (addr % size);
  return { base, size, cidr: `${intToIp(base)}/${bits}` };
}

export function contains(range: Ipv4Range, ip: string): boolean {
  const n = ipToInt(ip);
  return n !== undefined && n >= range.base && n < range.base + range.size;
}
