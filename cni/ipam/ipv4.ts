// IPv4 arithmetic for the allocator and the plugin: CIDR parsing, the usable range of a subnet, and MACs
// derived from IPs (0a:58:<ip hex>, the convention kubenet/flannel use so that a reused IP keeps its MAC and
// no node holds a stale ARP entry for it — see notes/netns-cluster-recipe.md, gotcha 7).

export interface Ipv4Subnet {
  /** network address as an unsigned 32-bit integer */
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

function maskOf(prefixLen: number): number {
  return prefixLen === 0 ? 0 : (0xffffffff << (32 - prefixLen)) >>> 0;
}

/** Parses "a.b.c.d/n". Returns an error message instead of throwing so config validation can name the field. */
export function parseSubnet(text: string): Ipv4Subnet | string {
  const [addr, len, extra] = text.split('/');
  if (addr === undefined || len === undefined || extra !== undefined) return `"${text}" is not an IPv4 CIDR (a.b.c.d/n)`;
  const ip = parseIpv4(addr);
  if (ip === undefined) return `"${addr}" is not an IPv4 address`;
  if (!/^\d{1,2}$/.test(len) || Number(len) > 32) return `"/${len}" is not a prefix length 0-32`;
  const prefixLen = Number(len);
  // A pod subnet needs a gateway plus at least one pod address besides network and broadcast.
  if (prefixLen > 30) return `/${prefixLen} is too small: a pod subnet needs at least /30`;
  const network = (ip & maskOf(prefixLen)) >>> 0;
  if (network !== ip) return `"${text}" has host bits set (did you mean ${formatIpv4(network)}/${prefixLen}?)`;
  return { network, prefixLen };
}

export function formatSubnet(s: Ipv4Subnet): string {
  return `${formatIpv4(s.network)}/${s.prefixLen}`;
}

export function broadcastOf(s: Ipv4Subnet): number {
  return (s.network | (~maskOf(s.prefixLen) >>> 0)) >>> 0;
}

export function contains(s: Ipv4Subnet, ip: number): boolean {
  return ((ip & maskOf(s.prefixLen)) >>> 0) === s.network;
}

/** The gateway is the first host address (what the bridge carries). */
export function gatewayOf(s: Ipv4Subnet): number {
  return s.network + 1;
}

/** Pod addresses: after the gateway, before the broadcast address. */
export function podRangeOf(s: Ipv4Subnet): { first: number; last: number } {
  return { first: s.network + 2, last: broadcastOf(s) - 1 };
}

/** 0a:58:<4 IP bytes>: locally administered, unicast, unique per IP. */
export function macFromIpv4(ip: number, prefix = '0a:58'): string {
  const hex = [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].map((b) => b.toString(16).padStart(2, '0'));
  return `${prefix}:${hex.join(':')}`;
}
