// Drives the built tug-cni executable the way a CNI runtime does: a separate process found through CNI_PATH,
// network config on stdin, CNI_* in the environment, result/error JSON on stdout. The plugin runs inside the
// "node" netns (nsenter execs in place, so the spawned PID is the plugin's PID and SIGKILL hits the plugin).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CniRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** parsed stdout when it is JSON */
  json?: Record<string, unknown>;
}

/** Compiles cni/plugin/main.ts (and only what it imports) to a temp dir; returns a CNI_PATH holding `tug-cni`. */
export function buildPlugin(repo: string): { cniPath: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tugt-cni-build-'));
  const out = join(dir, 'out');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(repo, 'tsconfig.json'),
      compilerOptions: { outDir: out, rootDir: repo, sourceMap: false, typeRoots: [join(repo, 'node_modules/@types')] },
      include: [],
      files: [join(repo, 'cni/plugin/main.ts')],
    }),
  );
  const tsc = spawnSync(join(repo, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc failed: ${tsc.stdout}${tsc.stderr}`);
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  const main = join(out, 'cni/plugin/main.js');
  chmodSync(main, 0o755);
  const cniPath = join(dir, 'bin');
  spawnSync('mkdir', ['-p', cniPath]);
  symlinkSync(main, join(cniPath, 'tug-cni'));
  return { cniPath, dir };
}

export interface ExecOptions {
  /** SIGKILL the plugin after this many ms (the crash-in-the-middle test) */
  killAfterMs?: number;
}

export function execPlugin(
  cniPath: string,
  nodeNetns: string,
  env: Record<string, string>,
  stdin: string,
  opts: ExecOptions = {},
): Promise<CniRun> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', [`--net=/var/run/netns/${nodeNetns}`, join(cniPath, 'tug-cni')], {
      env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', CNI_PATH: cniPath, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin);
    const timer = opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const run: CniRun = { code, signal, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6 };
      try {
        if (stdout.trim()) run.json = JSON.parse(stdout) as Record<string, unknown>;
      } catch {
        // not JSON: the assertion that reads it will say so
      }
      resolve(run);
    });
  });
}

export function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
