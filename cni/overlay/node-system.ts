/**
 * The two node-level side effects the overlay has besides netlink: sysctls and iptables. Behind a narrow
 * interface so the daemon is unit-tested with a fake, and so an in-process overlay can program another
 * network namespace (tests) exactly as the agent programs its own.
 *
 * In the current netns sysctls are written to /proc/sys directly (no process; /proc/sys/net shows the
 * writer's netns). In a named netns `nsenter --net=… sysctl -e -q -w …` sets them all in one process.
 */
import { writeFile } from 'node:fs/promises';
import { makeCommandRunner, type CommandRunner } from '../netlink/command-runner.js';

export interface NodeSystem {
  /** Sets every sysctl ("net.ipv4.ip_forward" → "1"); keys this kernel lacks are skipped and returned. */
  sysctl(settings: Readonly<Record<string, string>>): Promise<string[]>;
  /** `iptables-restore -w --noflush` with this payload (atomic: all or nothing). */
  iptablesRestore(payload: string): Promise<void>;
  /** `iptables -w ARGS`; resolves with the exit code (1 = "no such rule" for -C), rejects on other failures. */
  iptables(args: readonly string[]): Promise<number>;
}

export class CommandNodeSystem implements NodeSystem {
  private readonly run: CommandRunner;

  /** `netns`: a name under /var/run/netns, or undefined for the netns this process runs in. */
  constructor(private readonly netns?: string, run?: CommandRunner) {
    this.run = run ?? makeCommandRunner();
  }

  private argv(file: string, args: readonly string[]): [string, string[]] {
    return this.netns ? ['nsenter', [`--net=/var/run/netns/${this.netns}`, file, ...args]] : [file, [...args]];
  }

  async sysctl(settings: Readonly<Record<string, string>>): Promise<string[]> {
    const missing: string[] = [];
    if (this.netns) {
      const [file, args] = this.argv('sysctl', ['-e', '-q', '-w', ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
      const res = await this.run(file, args);
      if (res.code !== 0) throw new Error(`sysctl in netns ${this.netns} failed: ${res.stderr.trim() || `exit ${res.code}`}`);
      return missing;
    }
    for (const [key, value] of Object.entries(settings)) {
      try {
        await writeFile(`/proc/sys/${key.replace(/\./g, '/')}`, value);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') missing.push(key);
        else throw new Error(`sysctl ${key}=${value}: ${(err as Error).message}`);
      }
    }
    return missing;
  }

  async iptablesRestore(payload: string): Promise<void> {
    const [file, args] = this.argv('iptables-restore', ['-w', '--noflush']);
    const res = await this.run(file, args, payload);
    if (res.code !== 0) throw new Error(`iptables-restore failed: ${res.stderr.trim() || `exit ${res.code}`}`);
  }

  async iptables(args: readonly string[]): Promise<number> {
    const [file, argv] = this.argv('iptables', ['-w', ...args]);
    const res = await this.run(file, argv);
    if (res.code === 0 || res.code === 1) return res.code;
    throw new Error(`iptables ${args.join(' ')} failed: ${res.stderr.trim() || `exit ${res.code}`}`);
  }
}
