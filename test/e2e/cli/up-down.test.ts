/**
 * The local-cluster lifecycle as a user runs it: `tug up` (control plane only), `tug status`,
 * kubectl through the merged kubeconfig context, `tug down` keeping the data, `tug up` bringing
 * every object back, `tug down --purge` removing everything. State and kubeconfig live in a temp
 * dir (TUG_STATE_ROOT, KUBECONFIG) so a developer's own cluster and config are not touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TUG_ENTRY } from '../../support/control-plane.js';

const NAME = 'e2ecli';
let root: string;
let env: NodeJS.ProcessEnv;

function run(cmd: string, args: string[], timeoutMs = 120_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, out: String(stdout) + String(stderr) });
    });
  });
}
const tug = (...args: string[]) => run(process.execPath, [TUG_ENTRY, ...args]);
const kubectl = (...args: string[]) => run('kubectl', ['--cache-dir', join(root, 'cache'), '--context', `tug-${NAME}`, ...args]);

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tug-cli-'));
  env = { ...process.env, TUG_STATE_ROOT: join(root, 'state'), KUBECONFIG: join(root, 'kube', 'config') };
});

afterAll(async () => {
  await tug('down', '--name', NAME, '--purge');
  rmSync(root, { recursive: true, force: true });
});

describe('tug up / status / down', () => {
  it('brings up a control-plane-only cluster, printing each step, and merges the kubeconfig context', async () => {
    const r = await tug('up', '--name', NAME, '--nodes', '0');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('✓ control plane');
    expect(r.out).toContain('✓ API server ready');
    expect(r.out).toContain(`Cluster "${NAME}" is ready.`);
    const kubeconfig = readFileSync(join(root, 'kube', 'config'), 'utf8');
    expect(kubeconfig).toContain(`current-context: tug-${NAME}`);
    const ns = await kubectl('get', 'ns', 'default', '-o', 'name');
    expect(ns.out.trim()).toBe('namespace/default');
  });

  it('is idempotent, and tug status reports every component healthy', async () => {
    const again = await tug('up', '--name', NAME, '--nodes', '0');
    expect(again.code, again.out).toBe(0);
    expect(again.out).toContain('already running');
    const st = await tug('status', '--name', NAME);
    expect(st.code, st.out).toBe(0);
    expect(st.out).toMatch(/etcd\s+Running\s+\d+/);
    expect(st.out).toMatch(/apiserver\s+Ready\s+\d+/);
    const kc = await tug('kubeconfig', '--name', NAME);
    expect(kc.out).toContain('certificate-authority-data');
  });

  it('restarts a crashed API server by itself', async () => {
    const pidFile = join(root, 'state', NAME, 'run', 'server.pid.child');
    const before = Number(readFileSync(pidFile, 'utf8'));
    process.kill(before, 'SIGKILL');
    const deadline = Date.now() + 30_000;
    let ok = false;
    while (Date.now() < deadline && !ok) {
      await new Promise((r) => setTimeout(r, 500));
      ok = (await kubectl('get', 'ns', 'default', '-o', 'name')).code === 0;
    }
    expect(ok).toBe(true);
    expect(Number(readFileSync(pidFile, 'utf8'))).not.toBe(before);
  });

  it('tug down keeps the data, and tug up brings every object back', async () => {
    expect((await kubectl('create', 'configmap', 'survivor', '--from-literal=k=v')).code).toBe(0);
    const down = await tug('down', '--name', NAME);
    expect(down.code, down.out).toBe(0);
    expect((await tug('status', '--name', NAME)).out).toMatch(/apiserver\s+Stopped/);
    expect((await kubectl('get', 'ns')).code).not.toBe(0);
    const up = await tug('up', '--name', NAME, '--nodes', '0');
    expect(up.code, up.out).toBe(0);
    const cm = await kubectl('get', 'configmap', 'survivor', '-o', 'jsonpath={.data.k}');
    expect(cm.out).toBe('v');
  });

  it('tug down --purge removes the processes, the data and the context', async () => {
    const r = await tug('down', '--name', NAME, '--purge');
    expect(r.code, r.out).toBe(0);
    expect(existsSync(join(root, 'state', NAME))).toBe(false);
    expect(readFileSync(join(root, 'kube', 'config'), 'utf8')).not.toContain(`tug-${NAME}`);
  });
});
