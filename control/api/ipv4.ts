/**
 * IPv4 address and CIDR arithmetic shared by every part that hands out or routes addresses
 * (service allocator, node-ipam, the CNI IPAM, the overlay, the local-node provider, the proxy).
 * Addresses are unsigned 32-bit integers; parsers return undefined or an error message rather
 * than throwing, so callers can name the field that was wrong.
 */
export interface Ipv4Cidr {
  /** network address */
  network: number;
  prefixLen: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIpv4(text: string): number | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const part = m[i] as string;
    if (part.length > 1 && part.startsWith('0')) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function maskOf(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/**
 * Parses "a.b.c.d/n". With `strict`, host bits must be zero (a config naming a subnet);
 * otherwise they are masked off (a range given loosely, as kube flags accept).
 */
export function parseCidr(text: string, opts: { strict?: boolean } = {}): Ipv4Cidr | string {
  const [addr, len, extra] = text.split('/');
  if (addr === undefined || len === undefined || extra !== undefined) return `"${text}" is not an IPv4 CIDR (a.b.c.d/n)`;
  const ip = parseIpv4(addr);
  if (ip === undefined) return `"${addr}" is not an IPv4 address`;
  if (!/^\d{1,2}$/.test(len) || Number(len) > 32) return `"/${len}" is not a prefix length 0-32`;
  const prefixLen = Number(len);
  const network = (ip & maskOf(prefixLen)) >>> 0;
  if (opts.strict && network !== ip) return `"${text}" has host bits set (did you mean ${formatIpv4(network)}/${prefixLen}?)`;
  return { network, prefixLen };
}

/** parseCidr for values that were validated before (flags, defaults): throws on a bad one. */
export function mustParseCidr(text: string): Ipv4Cidr {
  const c = parseCidr(text);
  if (typeof c === 'string') throw new Error(c);
  return c;
}

export function formatCidr(c: Ipv4Cidr): string {
  return `${formatIpv4(c.network)}/${c.prefixLen}`;
}

export function cidrSize(c: Ipv4Cidr): number {
  return 2 ** (32 - c.prefixLen);
}

export function broadcastOf(c: Ipv4Cidr): number {
  return (c.network | (~maskOf(c.prefixLen) >>> 0)) >>> 0;
}

export function cidrContains(c: Ipv4Cidr, ip: number): boolean {
  return ((ip & maskOf(c.prefixLen)) >>> 0) === c.network;
}

/** <prefix>:<4 IP bytes>: locally administered unicast MACs derived from an address (0a:58 pods, 0e:00 VTEPs). */
export function macFromIpv4(ip: number, prefix = '0a:58'): string {
  const hex = [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].map((b) => b.toString(16).padStart(2, '0'));
  return `${prefix}:${hex.join(':')}`;
}
