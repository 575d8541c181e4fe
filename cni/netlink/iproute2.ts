// The real Netlink: the only code in the project that starts `ip` or `bridge`.
//
// Namespaces: a named netns uses `ip -n NAME` (one process). A netns given as a file path (/proc/PID/ns/net,
// a bind mount) uses `nsenter --net=PATH ip …` (nsenter execs ip: still one process tree, no shell), because
// `ip -n` only understands names under /var/run/netns. The current netns needs neither.
import { access, readFile } from 'node:fs/promises';
import { makeCommandRunner, type CommandRunner } from './command-runner.js';
import { parseAddresses, parseFdb, parseLinks, parseNeighbours, parseProcNetDev, parseRoutes } from './iproute2-json.js';
import {
  classifyStderr,
  failingLines,
  NetlinkError,
  type AddrInfo,
  type BatchOptions,
  type FdbInfo,
  type LinkInfo,
  type Netlink,
  type NeighInfo,
  type NetnsRef,
  type RouteInfo,
} from './netlink.js';

export interface IpRoute2Options {
  run?: CommandRunner;
  ipPath?: string;
  bridgePath?: string;
  nsenterPath?: string;
}

export class IpRoute2Netlink implements Netlink {
  private readonly run: CommandRunner;
  private readonly ip: string;
  private readonly bridge: string;
  private readonly nsenter: string;

  constructor(opts: IpRoute2Options = {}) {
    this.run = opts.run ?? makeCommandRunner();
    this.ip = opts.ipPath ?? 'ip';
    this.bridge = opts.bridgePath ?? 'bridge';
    this.nsenter = opts.nsenterPath ?? 'nsenter';
  }

  /** Builds argv for `tool` in `ns`: [file, args]. */
  private argv(tool: string, ns: NetnsRef, args: readonly string[]): [string, string[]] {
    if (ns.kind === 'named') return [tool, ['-n', ns.name, ...args]];
    if (ns.kind === 'path') return [this.nsenter, [`--net=${ns.path}`, tool, ...args]];
    return [tool, [...args]];
  }

  private async exec(tool: string, ns: NetnsRef, args: readonly string[], stdin?: string): Promise<string> {
    const [file, argv] = this.argv(tool, ns, args);
    const res = await this.run(file, argv, stdin);
    if (res.code !== 0) {
      const stderr = res.stderr.trim();
      const { missing, exists } = classifyStderr(stderr);
      const where = ns.kind === 'current' ? '' : ` in netns ${ns.kind === 'named' ? ns.name : ns.path}`;
      throw new NetlinkError(`${tool} ${args.join(' ')}${where} failed: ${stderr || `exit ${res.code}`}`, stderr, missing, exists);
    }
    return res.stdout;
  }

  private async batch(tool: string, ns: NetnsRef, lines: readonly string[], opts?: BatchOptions): Promise<void> {
    if (lines.length === 0) return;
    const args = opts?.force ? ['-force', '-batch', '-'] : ['-batch', '-'];
    try {
      await this.exec(tool, ns, args, lines.join('\n') + '\n');
    } catch (err) {
      if (err instanceof NetlinkError) {
        throw new NetlinkError(err.message + failingLines(lines, err.stderr), err.stderr, err.missing, err.exists);
      }
      throw err;
    }
  }

  ipBatch(ns: NetnsRef, lines: readonly string[], opts?: BatchOptions): Promise<void> {
    return this.batch(this.ip, ns, lines, opts);
  }

  bridgeBatch(ns: NetnsRef, lines: readonly string[], opts?: BatchOptions): Promise<void> {
    return this.batch(this.bridge, ns, lines, opts);
  }

  async links(ns: NetnsRef, opts?: { kind?: string }): Promise<LinkInfo[]> {
    const args = ['-json', '-d', 'link', 'show'];
    if (opts?.kind) args.push('type', opts.kind);
    return parseLinks(await this.exec(this.ip, ns, args));
  }

  async link(ns: NetnsRef, name: string): Promise<LinkInfo | undefined> {
    try {
      return parseLinks(await this.exec(this.ip, ns, ['-json', '-d', 'link', 'show', 'dev', name]))[0];
    } catch (err) {
      if (err instanceof NetlinkError && err.missing) return undefined;
      throw err;
    }
  }

  async linkNames(ns: NetnsRef): Promise<string[]> {
    // /proc/net resolves through /proc/self, so it shows the netns this process runs in.
    if (ns.kind === 'current') return parseProcNetDev(await readFile('/proc/net/dev', 'utf8'));
    return (await this.links(ns)).map((l) => l.name);
  }

  async addresses(ns: NetnsRef, dev?: string): Promise<AddrInfo[]> {
    const args = ['-json', 'addr', 'show'];
    if (dev) args.push('dev', dev);
    try {
      return parseAddresses(await this.exec(this.ip, ns, args));
    } catch (err) {
      if (dev && err instanceof NetlinkError && err.missing) return [];
      throw err;
    }
  }

  async routes(ns: NetnsRef, dev?: string): Promise<RouteInfo[]> {
    const args = ['-json', 'route', 'show'];
    if (dev) args.push('dev', dev);
    try {
      return parseRoutes(await this.exec(this.ip, ns, args), dev);
    } catch (err) {
      if (dev && err instanceof NetlinkError && err.missing) return [];
      throw err;
    }
  }

  async neighbours(ns: NetnsRef, dev?: string): Promise<NeighInfo[]> {
    const args = ['-json', 'neigh', 'show'];
    if (dev) args.push('dev', dev);
    return parseNeighbours(await this.exec(this.ip, ns, args), dev);
  }

  async fdb(ns: NetnsRef, dev: string): Promise<FdbInfo[]> {
    return parseFdb(await this.exec(this.bridge, ns, ['-json', 'fdb', 'show', 'dev', dev]), dev);
  }

  async netnsExists(ns: NetnsRef): Promise<boolean> {
    if (ns.kind === 'current') return true;
    const path = ns.kind === 'named' ? `/var/run/netns/${ns.name}` : ns.path;
    try {
      await access(path);
      return true;
    } catch {
      return false;
    }
  }
}
