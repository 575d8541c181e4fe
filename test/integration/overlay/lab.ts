// A hand-made netns "cluster" for overlay integration tests: an underlay bridge in the root netns, N node
// namespaces on it (eth0 = 10.201.0.(10+i), no default route, as local nodes have), and "pods" as extra
// namespaces wired by the real tug-cni plugin (executed inside the node netns, as a runtime would). Every
// name starts with `tugt-` so cleanup only ever touches what this lab made; cleanup() kills the processes
// it started by PID and removes every namespace and link, also after a failed test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../../support/control-plane.js';

export const PLUGIN = join(REPO_ROOT, 'dist', 'cni', 'plugin', 'main.js');

export function sh(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

export interface LabPod {
  netns: string;
  ip: string;
}

export class NetnsLab {
  readonly bridge: string;
  readonly children: ChildProcess[] = [];
  private readonly namespaces: string[] = [];
  readonly dataDir = mkdtempSync(join(tmpdir(), 'tugt-ovl-'));

  /** `tag` keeps two labs (or a lab and a crashed run) apart: names are tugt-<tag>… */
  constructor(readonly tag: string, readonly underlayNet = '10.201.0') {
    this.bridge = `tugt${tag}br`;
  }

  nodeNs(i: number): string {
    return `tugt-${this.tag}-n${i}`;
  }

  nodeIP(i: number): string {
    return `${this.underlayNet}.${10 + i}`;
  }

  /** Removes leftovers of an earlier crashed run with the same tag, then makes the bridge. */
  setup(): void {
    this.cleanupByName();
    sh('ip', ['link', 'add', this.bridge, 'type', 'bridge']);
    sh('sysctl', ['-q', '-w', `net.ipv6.conf.${this.bridge}.disable_ipv6=1`]);
    sh('ip', ['addr', 'add', `${this.underlayNet}.1/24`, 'dev', this.bridge]);
    sh('ip', ['link', 'set', this.bridge, 'up']);
  }

  private addNs(name: string): void {
    sh('ip', ['netns', 'add', name]);
    this.namespaces.push(name);
  }

  /** A node netns on the underlay: eth0 with its IP, lo up, no default route. */
  addNode(i: number): string {
    const ns = this.nodeNs(i);
    this.addNs(ns);
    const veth = `tugt${this.tag}v${i}`;
    sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    sh('ip', ['link', 'set', veth, 'master', this.bridge, 'up']);
    sh('ip', ['-n', ns, '-batch', '-'], `link set lo up\naddr add ${this.nodeIP(i)}/24 dev eth0\nlink set eth0 up\n`);
    return ns;
  }

  /** Any other netns on the underlay (an "outside" host for the masquerade test). */
  addUnderlayHost(name: string, ip: string): string {
    const ns = `tugt-${this.tag}-${name}`;
    this.addNs(ns);
    const veth = `tugt${this.tag}${name}`.slice(0, 15);
    sh('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
    sh('ip', ['link', 'set', veth, 'master', this.bridge, 'up']);
    sh('ip', ['-n', ns, '-batch', '-'], `link set lo up\naddr add ${ip}/24 dev eth0\nlink set eth0 up\n`);
    return ns;
  }

  /** A pod on node i: its own netns, wired by `tug-cni ADD` run inside the node netns. */
  addPod(node: number, name: string, podCIDR: string): LabPod {
    const ns = `tugt-${this.tag}-${name}`;
    this.addNs(ns);
    const conf = JSON.stringify({ cniVersion: '1.0.0', name: `tugt-${this.tag}`, type: 'tug-cni', subnet: podCIDR, mtu: 1450, dataDir: join(this.dataDir, `n${node}`) });
    const r = spawnSync('nsenter', [`--net=/var/run/netns/${this.nodeNs(node)}`, process.execPath, PLUGIN], {
      encoding: 'utf8', input: conf,
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: 'ADD', CNI_CONTAINERID: ns, CNI_NETNS: `/var/run/netns/${ns}`, CNI_IFNAME: 'eth0', CNI_PATH: '/nonexistent' },
    });
    if (r.status !== 0) throw new Error(`tug-cni ADD failed: ${r.stdout}${r.stderr}`);
    const result = JSON.parse(r.stdout) as { ips: { address: string }[] };
    return { netns: ns, ip: result.ips[0]!.address.split('/')[0]! };
  }

  /**
   * A tiny HTTP server in a netns answering `GET /` with the peer address it saw, and a line echo server on
   * port+1. Resolves once both listen.
   */
  async serve(ns: string, ip: string, port = 8080): Promise<void> {
    const script = `
      const http = require('http'); const net = require('net');
      http.createServer((q, s) => s.end(JSON.stringify({ client: q.socket.remoteAddress }))).listen(${port}, '${ip}', () => {
        net.createServer((c) => c.pipe(c)).listen(${port + 1}, '${ip}', () => console.log('listening'));
      });`;
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.children.push(child);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`server in ${ns} did not start`)), 10_000);
      child.stdout!.once('data', () => {
        clearTimeout(t);
        resolve();
      });
      child.once('exit', (code) => reject(new Error(`server in ${ns} exited ${code}`)));
    });
  }

  /** GET http://ip:port/ from inside a netns; the JSON body. */
  async get(fromNs: string, ip: string, port = 8080): Promise<{ client: string }> {
    const script = `require('http').get('http://${ip}:${port}/', { timeout: 4000 }, (r) => { let b=''; r.on('data', (d) => b += d); r.on('end', () => { process.stdout.write(b); process.exit(0); }); })
      .on('timeout', () => { console.error('timeout'); process.exit(3); }).on('error', (e) => { console.error(e.message); process.exit(2); });`;
    const out = await new Promise<string>((resolve, reject) => {
      const c = spawn('ip', ['netns', 'exec', fromNs, process.execPath, '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      let o = '';
      let e = '';
      c.stdout.on('data', (d: Buffer) => (o += d));
      c.stderr.on('data', (d: Buffer) => (e += d));
      c.on('close', (code) => (code === 0 ? resolve(o) : reject(new Error(`GET ${ip}:${port} from ${fromNs} failed: ${e.trim()}`))));
    });
    return JSON.parse(out) as { client: string };
  }

  /**
   * A long-lived TCP connection from a netns to an echo server: send(line) resolves with the echo, or
   * rejects if it does not come back within the timeout (the connection is broken).
   */
  connectEcho(fromNs: string, ip: string, port: number): { send(line: string, timeoutMs?: number): Promise<string>; close(): void } {
    const script = `const s = require('net').connect(${port}, '${ip}', () => console.log('connected'));
      s.on('data', (d) => process.stdout.write(d)); s.on('error', (e) => { console.error(e.message); process.exit(2); });
      s.on('close', () => process.exit(4)); process.stdin.on('data', (d) => s.write(d));`;
    const child = spawn('ip', ['netns', 'exec', fromNs, process.execPath, '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.children.push(child);
    let buffer = '';
    const waiters: ((s: string) => void)[] = [];
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        waiters.shift()?.(line);
      }
    });
    const connected = new Promise<string>((r) => waiters.push(r));
    return {
      async send(line, timeoutMs = 3000) {
        await connected;
        const reply = new Promise<string>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`no echo for "${line}" within ${timeoutMs} ms`)), timeoutMs);
          waiters.push((s) => {
            clearTimeout(t);
            resolve(s);
          });
        });
        child.stdin!.write(line + '\n');
        return reply;
      },
      close() {
        child.kill('SIGKILL');
      },
    };
  }

  /** `ip -n ns -json …` parsed. */
  json<T>(ns: string, args: string[], tool = 'ip'): T {
    return JSON.parse(sh(tool, ['-n', ns, '-json', ...args]) || '[]') as T;
  }

  private cleanupByName(): void {
    const prefix = `tugt-${this.tag}-`;
    const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
    for (const line of list.split('\n')) {
      const name = line.split(' ')[0] ?? '';
      if (name.startsWith(prefix)) spawnSync('ip', ['netns', 'del', name]);
    }
    const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout ?? '';
    for (const line of links.split('\n')) {
      const name = (line.split(': ')[1] ?? '').split('@')[0] ?? '';
      if (name.startsWith(`tugt${this.tag}`)) spawnSync('ip', ['link', 'del', name]);
    }
  }

  async cleanup(): Promise<void> {
    for (const c of this.children) {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }
    await Promise.all(this.children.map((c) => (c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    for (const ns of this.namespaces.reverse()) spawnSync('ip', ['netns', 'del', ns]);
    this.cleanupByName();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
