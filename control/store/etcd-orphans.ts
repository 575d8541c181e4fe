/**
 * Finds etcd processes serving a data dir by reading /proc, so `tug server`, `tug down` and
 * `tug up` can stop an etcd left behind by a server that was SIGKILLed (its children survive it).
 */
import { readdirSync, readFileSync } from 'node:fs';

export function findEtcdPids(dataDir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd[0]?.endsWith('etcd') && cmd.includes(`--data-dir=${dataDir}`)) out.push(Number(entry));
    } catch {
      // the process went away while we looked
    }
  }
  return out;
}

export async function killEtcdOrphans(dataDir: string): Promise<number> {
  const pids = findEtcdPids(dataDir);
  for (const pid of pids) {
    try { process.kill(pid, 'SIGTERM'); } catch { /* gone */ }
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && findEtcdPids(dataDir).length) await new Promise((r) => setTimeout(r, 100));
  for (const pid of findEtcdPids(dataDir)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
  }
  return pids.length;
}
