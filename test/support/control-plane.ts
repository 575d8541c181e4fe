/**
 * A real control plane for integration/e2e tests: `tug server` (the built dist entry) as a
 * child process with its own managed etcd, temp state dir and free ports; plus a kubectl runner
 * (the real /usr/bin/kubectl dispatcher, which picks 1.32 from the server's /version) with its
 * own kubeconfig and discovery cache. Everything is removed by stop(), also after failures.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { renderKubeconfig } from '../../control/cli/kubeconfig.js';
import { ApiClient } from '../../control/client/index.js';

export const REPO_ROOT = resolve(new URL('.', import.meta.url).pathname, '../..').replace(/\/dist$/, '');
export const TUG_ENTRY = join(REPO_ROOT, 'dist', 'control', 'cli', 'main.js');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestControlPlane {
  stateDir: string;
  port: number;
  url: string;
  etcdEndpoint: string;
  kubeconfig: string;
  serverPid(): number | undefined;
  kubectl(args: string[], opts?: { input?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<KubectlResult>;
  /** kubectl that must succeed; returns stdout */
  k(args: string[], input?: string): Promise<string>;
  client(): ApiClient;
  /** SIGKILL the server process (its etcd keeps running unless killEtcd) */
  kill(): Promise<void>;
  start(): Promise<void>;
  etcdPids(): number[];
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  extraArgs?: string[];
}

export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<TestControlPlane> {
  if (!existsSync(TUG_ENTRY)) throw new Error(`${TUG_ENTRY} is missing: run \`npm run build\` (npm test does it)`);
  const stateDir = mkdtempSync(join(tmpdir(), 'tug-test-'));
  const cacheDir = join(stateDir, 'kubectl-cache');
  const [port, etcdClient, etcdPeer] = [await freePort(), await freePort(), await freePort()];
  const kubeconfig = join(stateDir, 'kubeconfig');
  let child: ChildProcess | undefined;
  const clients: ApiClient[] = [];

  const etcdPids = (): number[] => {
    const out: number[] = [];
    for (const pid of readdirProc()) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (cmd.includes(`--data-dir=${join(stateDir, 'etcd')}`)) out.push(pid);
      } catch { /* gone */ }
    }
    return out;
  };

  async function waitReady(): Promise<void> {
    const deadline = Date.now() + 60_000;
    let last = '';
    while (Date.now() < deadline) {
      if (child && child.exitCode !== null) throw new Error(`tug server exited with ${child.exitCode}; log: ${tail(join(stateDir, 'server.log'))}`);
      if (existsSync(join(stateDir, 'pki', 'admin.crt'))) {
        const c = makeClient();
        try {
          const r = await c.request('GET', '/readyz');
          if (r.status === 200) {
            await c.request('GET', '/api/v1/namespaces/default/services/kubernetes');
            return;
          }
        } catch (err) {
          last = (err as Error).message;
        } finally {
          c.close();
        }
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`tug server not ready after 60s (${last}); log: ${tail(join(stateDir, 'server.log'))}`);
  }

  function makeClient(): ApiClient {
    return new ApiClient({
      server: `https://127.0.0.1:${port}`,
      ca: readFileSync(join(stateDir, 'pki', 'ca.crt'), 'utf8'),
      cert: readFileSync(join(stateDir, 'pki', 'admin.crt'), 'utf8'),
      key: readFileSync(join(stateDir, 'pki', 'admin.key'), 'utf8'),
    });
  }

  const cp: TestControlPlane = {
    stateDir, port, url: `https://127.0.0.1:${port}`, kubeconfig, etcdEndpoint: `http://127.0.0.1:${etcdClient}`,
    serverPid: () => child?.pid,
    async start() {
      const log = openSync(join(stateDir, 'server.log'), 'a');
      child = spawn(process.execPath, [TUG_ENTRY, 'server', '--state-dir', stateDir, '--bind-address', '127.0.0.1',
        '--secure-port', String(port), '--etcd-client-port', String(etcdClient), '--etcd-peer-port', String(etcdPeer),
        ...(opts.extraArgs ?? [])], { stdio: ['ignore', log, log] });
      await waitReady();
      if (!existsSync(kubeconfig)) {
        writeFileSync(kubeconfig, renderKubeconfig('test', {
          server: `https://127.0.0.1:${port}`,
          caPem: readFileSync(join(stateDir, 'pki', 'ca.crt'), 'utf8'),
          certPem: readFileSync(join(stateDir, 'pki', 'admin.crt'), 'utf8'),
          keyPem: readFileSync(join(stateDir, 'pki', 'admin.key'), 'utf8'),
        }));
      }
    },
    async kill() {
      if (!child || child.exitCode !== null) return;
      const c = child;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    },
    etcdPids,
    kubectl(args, o = {}) {
      return new Promise((res) => {
        const p = execFile('kubectl', ['--cache-dir', cacheDir, ...args], {
          env: { ...process.env, KUBECONFIG: kubeconfig, ...(o.env ?? {}) }, timeout: o.timeoutMs ?? 60_000, maxBuffer: 32 * 1024 * 1024,
        }, (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          res({ code, stdout: String(stdout), stderr: String(stderr) });
        });
        if (o.input !== undefined) p.stdin!.end(o.input);
        else p.stdin!.end();
      });
    },
    async k(args, input) {
      const r = await cp.kubectl(args, { input });
      if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    client() {
      const c = makeClient();
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.close();
      if (child && child.exitCode === null) {
        const c = child;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGTERM');
        const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      for (const pid of etcdPids()) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
      await new Promise((r) => setTimeout(r, 100));
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  try {
    await cp.start();
  } catch (err) {
    await cp.stop();
    throw err;
  }
  return cp;
}

function readdirProc(): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
