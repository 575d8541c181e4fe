/**
 * A local cluster for e2e tests, brought up the way a user does it (`tug up --nodes N`) with its
 * state in a temp TUG_STATE_ROOT and the user kubeconfig in a temp file, so nothing outside the
 * test is touched. `stop()` runs `tug down --purge` and removes the temp dir, also after failures.
 * Local clusters share the tug0 bridge and 10.200.0.0/24, so e2e files run one at a time.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TUG_ENTRY } from './control-plane.js';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface LocalCluster {
  name: string;
  root: string;
  kubeconfig: string;
  env: NodeJS.ProcessEnv;
  node(i: number): string;
  nodeIP(i: number): string;
  run(cmd: string, args: string[], opts?: { timeoutMs?: number; input?: string }): Promise<Run>;
  tug(...args: string[]): Promise<Run>;
  /** kubectl that must succeed; returns stdout */
  k(args: string[], input?: string): Promise<string>;
  /** kubectl whatever the outcome */
  kubectl(args: string[], input?: string): Promise<Run>;
  stop(): Promise<void>;
}

export function localCluster(name: string): LocalCluster {
  const root = mkdtempSync(join(tmpdir(), `tug-${name}-`));
  const env = { ...process.env, TUG_STATE_ROOT: root, KUBECONFIG: join(root, 'user-kubeconfig') };
  const kubeconfig = join(root, name, 'kubeconfig');
  const run = (cmd: string, args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<Run> =>
    new Promise((resolve) => {
      const p = execFile(cmd, args, { env, timeout: opts.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      p.stdin!.end(opts.input ?? '');
    });
  const kubectl = (args: string[], input?: string) =>
    run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(root, 'kubectl-cache'), ...args], { input, timeoutMs: 180_000 });
  return {
    name, root, kubeconfig, env,
    node: (i) => `tug-${name}-${i}`,
    nodeIP: (i) => `10.200.0.${10 + i}`,
    run,
    tug: (...args) => run(process.execPath, [TUG_ENTRY, ...args], { timeoutMs: 300_000 }),
    kubectl,
    async k(args, input) {
      const r = await kubectl(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    async stop() {
      await run(process.execPath, [TUG_ENTRY, 'down', '--name', name, '--purge'], { timeoutMs: 300_000 });
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what}: not reached in ${timeoutMs / 1000}s${lastErr ? ` (${(lastErr as Error).message})` : ''}`);
}
