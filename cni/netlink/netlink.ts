// The narrow contract over iproute2 that the CNI plugin and the overlay daemon share.
//
// Why text lines instead of a typed op list: `ip -batch` and `bridge -batch` take exactly these lines, a
// desired-state planner can render them as a value (golden-testable), and one batch is one process and one
// atomic-ish step (iproute2 stops at the first failing line; with `force` it continues and reports all).
// Reads are typed (parsed from `ip -json`), so callers never parse iproute2's text output.

/** Which network namespace a command runs in. */
export type NetnsRef =
  | { kind: 'current' }
  /** a name under /var/run/netns (what `ip netns add` creates) */
  | { kind: 'named'; name: string }
  /** any netns file: /proc/PID/ns/net, a bind mount, /var/run/netns/X */
  | { kind: 'path'; path: string };

export const CURRENT_NETNS: NetnsRef = { kind: 'current' };

const NETNS_RUN_DIRS = ['/var/run/netns/', '/run/netns/'];

/** A CNI_NETNS value as a ref; /var/run/netns/X becomes the cheaper named form (`ip -n X`). */
export function netnsFromPath(path: string): NetnsRef {
  for (const dir of NETNS_RUN_DIRS) {
    if (path.startsWith(dir) && !path.slice(dir.length).includes('/') && path.length > dir.length) {
      return { kind: 'named', name: path.slice(dir.length) };
    }
  }
  return { kind: 'path', path };
}

/** The form iproute2 accepts after `netns` in `link add … netns X` / `link set … netns X`. */
export function netnsArgument(ns: NetnsRef): string {
  if (ns.kind === 'named') return ns.name;
  if (ns.kind === 'path') return ns.path;
  throw new Error('the current netns has no netns argument');
}

export interface LinkInfo {
  name: string;
  index: number;
  mtu: number;
  mac: string;
  up: boolean;
  /** linkinfo.info_kind: veth, bridge, vxlan, … (absent for physical/loopback) */
  kind?: string;
  master?: string;
  /** bridge port hairpin flag, when the link is a bridge port */
  hairpin?: boolean;
}

export interface AddrInfo {
  dev: string;
  family: 'inet' | 'inet6';
  /** address without prefix */
  local: string;
  prefixLen: number;
}

export interface RouteInfo {
  /** 'default' or a CIDR ('10.244.2.0/24'); host routes come back as a bare IP from iproute2 and are kept so */
  dst: string;
  gateway?: string;
  dev?: string;
  flags: string[];
}

export interface NeighInfo {
  dst: string;
  dev: string;
  lladdr?: string;
  state: string[];
}

export interface FdbInfo {
  mac: string;
  dev: string;
  dst?: string;
  flags: string[];
}

export interface BatchOptions {
  /** continue after a failing line (iproute2 `-force`); the call still rejects if any line failed */
  force?: boolean;
}

/** Raised for any failed iproute2 command; `missing` / `exists` classify the two errors callers branch on. */
export class NetlinkError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    /** the object named by the command does not exist (ENODEV/ESRCH/ENOENT) */
    readonly missing: boolean,
    /** the object being created already exists (EEXIST) */
    readonly exists: boolean,
  ) {
    super(message);
    this.name = 'NetlinkError';
  }
}

export function classifyStderr(stderr: string): { missing: boolean; exists: boolean } {
  const s = stderr.toLowerCase();
  return {
    exists: s.includes('file exists'),
    missing:
      s.includes('cannot find device') ||
      s.includes('no such device') ||
      s.includes('no such process') ||
      s.includes('no such file or directory') ||
      s.includes('does not exist') ||
      s.includes('invalid "netns" value') ||
      s.includes('cannot open network namespace'),
  };
}

/** " (failing: "line", …)" from iproute2's "Command failed -:N" markers, so errors name the batch line. */
export function failingLines(lines: readonly string[], stderr: string): string {
  const failed = [...stderr.matchAll(/Command failed -:(\d+)/g)].map((m) => lines[Number(m[1]) - 1]);
  return failed.length > 0 ? ` (failing: ${failed.map((l) => `"${l}"`).join(', ')})` : '';
}

export interface Netlink {
  /** `ip [-n ns] [-force] -batch -` with these lines; resolves when every line succeeded. */
  ipBatch(ns: NetnsRef, lines: readonly string[], opts?: BatchOptions): Promise<void>;
  /** `bridge [-n ns] -batch -` (FDB entries for VXLAN). */
  bridgeBatch(ns: NetnsRef, lines: readonly string[], opts?: BatchOptions): Promise<void>;
  /** `ip -json -d link show [type kind]` */
  links(ns: NetnsRef, opts?: { kind?: string }): Promise<LinkInfo[]>;
  /** One link or undefined when it does not exist. */
  link(ns: NetnsRef, name: string): Promise<LinkInfo | undefined>;
  /** Interface names only. For the current netns this reads /proc/net/dev and starts no process. */
  linkNames(ns: NetnsRef): Promise<string[]>;
  addresses(ns: NetnsRef, dev?: string): Promise<AddrInfo[]>;
  routes(ns: NetnsRef, dev?: string): Promise<RouteInfo[]>;
  neighbours(ns: NetnsRef, dev?: string): Promise<NeighInfo[]>;
  fdb(ns: NetnsRef, dev: string): Promise<FdbInfo[]>;
  /** Whether the namespace can still be entered (a deleted netns file, an exited PID → false). */
  netnsExists(ns: NetnsRef): Promise<boolean>;
}
