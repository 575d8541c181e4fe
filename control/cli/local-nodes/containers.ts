/**
 * Pod containers of local nodes, found by the labels the kubelet puts on every container
 * (tugboat.cluster=<cluster>, tugboat.node=<node>) and removed with `docker rm -f -v`. Used when a
 * node is removed and by `tug down`; the agent itself leaves containers running when it stops.
 */
import { execFile } from 'node:child_process';

function docker(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('docker', args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 127) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (err && !stderr ? err.message : '')) });
    });
  });
}

export interface ContainerSelector {
  cluster: string;
  node?: string;
}

/** IDs of the containers (running or not) carrying these labels. */
export async function listContainers(sel: ContainerSelector): Promise<string[]> {
  const filters = ['--filter', `label=tugboat.cluster=${sel.cluster}`];
  if (sel.node) filters.push('--filter', `label=tugboat.node=${sel.node}`);
  const r = await docker(['ps', '-aq', '--no-trunc', ...filters]);
  if (r.code !== 0) throw new Error(`docker ps: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}

/** Removes them all; returns how many there were. Throws only when Docker cannot be asked at all. */
export async function removeContainers(sel: ContainerSelector): Promise<number> {
  const ids = await listContainers(sel);
  if (ids.length === 0) return 0;
  const r = await docker(['rm', '-f', '-v', ...ids]);
  // "No such container" for one that went away meanwhile is fine; anything else is reported.
  if (r.code !== 0 && !/no such container/i.test(r.stderr)) throw new Error(`docker rm: ${r.stderr.trim()}`);
  return ids.length;
}
