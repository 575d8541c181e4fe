/**
 * Runs real kubelets in node network namespaces against a test control plane (see
 * kubelet-node.ts for why the relays exist). Each node: netns `tugt-kl-<i>` with `lo` up (cni0
 * is created by tug-cni when the first pod is wired), node IP 127.0.<10+i>.1, its own state dir,
 * a serving certificate from the cluster CA, and a podCIDR 10.244.<i>.0/24 patched onto its Node
 * (unless a node-ipam controller already set one). Nothing touches the root netns' routes or
 * links. `stop()` kills the process, removes every container labelled with the node, the netns,
 * the relays and the directories — also after failures.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findResource } from '../../control/api/resources.js';
import { issueCertificate } from '../../control/apiserver/pki.js';
import { REPO_ROOT, type TestControlPlane } from './control-plane.js';
import type { KubeletNodeConfig } from './kubelet-node.js';

export const KUBELET_NODE_ENTRY = join(REPO_ROOT, 'dist', 'test', 'support', 'kubelet-node.js');
export const CNI_PLUGIN = join(REPO_ROOT, 'dist', 'cni', 'plugin', 'main.js');
export const TEST_CLUSTER = 'tugt-kubelet';

export interface KubeletNode {
  name: string;
  nodeIP: string;
  netns: string;
  stateDir: string;
  logFile: string;
  podCIDR: string;
  pid(): number | undefined;
  /** SIGKILL the kubelet (containers keep running) */
  kill(): Promise<void>;
  /** start the kubelet process again (after kill) */
  restart(): Promise<void>;
  /** run a command inside the node netns */
  exec(cmd: string[]): { code: number; stdout: string; stderr: string };
  stop(): Promise<void>;
  log(): string;
}

function sh(cmd: string, args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Removes every container of a node (by label) — the cleanup a failed test relies on. */
export function removeNodeContainers(nodeName: string): void {
  const ids = sh('docker', ['ps', '-aq', '--filter', `label=tugboat.node=${nodeName}`]).stdout.split('\n').filter(Boolean);
  if (ids.length) sh('docker', ['rm', '-f', '-v', ...ids]);
}

function relayServer(connect: () => net.Socket): net.Server {
  const server = net.createServer((inbound) => {
    const outbound = connect();
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const close = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    for (const s of [inbound, outbound]) {
      s.on('error', close);
      s.on('close', close);
    }
  });
  return server;
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}${lastErr ? ` (${lastErr})` : ''}`);
}

export async function startKubeletNode(cp: TestControlPlane, index: number): Promise<KubeletNode> {
  if (!existsSync(KUBELET_NODE_ENTRY)) throw new Error(`${KUBELET_NODE_ENTRY} is missing: build first (npx tsc -p tsconfig.json)`);
  const name = `tugt-kl-${index}`;
  const nodeIP = `127.0.${10 + index}.1`;
  const kubeletPort = 10250;
  // leftovers of an earlier, killed run
  removeNodeContainers(name);
  sh('ip', ['netns', 'del', name]);
  const stateDir = mkdtempSync(join(tmpdir(), `${name}-`));
  const shmRoot = join('/dev/shm/tugboat-kubelet', name);
  const logFile = join(stateDir, 'kubelet.log');
  const apiSocket = join(stateDir, 'api.sock');
  const kubeletSocket = join(stateDir, 'kubelet.sock');
  let child: ChildProcess | undefined;
  const servers: net.Server[] = [];

  const cleanup = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const c = child;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
    }
    for (const s of servers) s.close();
    removeNodeContainers(name);
    sh('ip', ['netns', 'del', name]);
    rmSync(shmRoot, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    if (sh('ip', ['netns', 'add', name]).code !== 0) throw new Error(`ip netns add ${name} failed`);
    sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    for (const [k, v] of [['net.ipv4.ip_forward', '1'], ['net.ipv4.conf.all.rp_filter', '0'], ['net.ipv4.conf.default.rp_filter', '0']]) {
      sh('ip', ['netns', 'exec', name, 'sysctl', '-qw', `${k}=${v}`]);
    }
    const pki = join(cp.stateDir, 'pki');
    const ca = { cert: readFileSync(join(pki, 'ca.crt'), 'utf8'), key: readFileSync(join(pki, 'ca.key'), 'utf8') };
    const serving = await issueCertificate(ca, { subject: `CN=system:node:${name}, O=system:nodes`, sans: [nodeIP, name], server: true });
    const apiRelay = relayServer(() => net.connect(cp.port, '127.0.0.1'));
    await new Promise<void>((r) => apiRelay.listen(apiSocket, r));
    servers.push(apiRelay);
    const kubeletRelay = relayServer(() => net.connect(kubeletSocket));
    await new Promise<void>((r) => kubeletRelay.listen(kubeletPort, nodeIP, r));
    servers.push(kubeletRelay);

    const config: KubeletNodeConfig = {
      nodeName: name, nodeIP, clusterName: TEST_CLUSTER, apiPort: cp.port, apiSocket, kubeletSocket, kubeletPort,
      stateDir: join(stateDir, 'kubelet'), cniPluginPath: CNI_PLUGIN, ca: ca.cert,
      clientCert: readFileSync(join(pki, 'admin.crt'), 'utf8'), clientKey: readFileSync(join(pki, 'admin.key'), 'utf8'),
      servingCert: serving.cert, servingKey: serving.key,
    };
    mkdirSync(config.stateDir, { recursive: true });
    const configFile = join(stateDir, 'config.json');
    writeFileSync(configFile, JSON.stringify(config), { mode: 0o600 });

    const launch = async (): Promise<void> => {
      const out = openSync(logFile, 'a');
      // `ip netns exec` execs node in place: the PID we get is the kubelet's
      child = spawn('ip', ['netns', 'exec', name, process.execPath, KUBELET_NODE_ENTRY, configFile], { stdio: ['ignore', out, out] });
      const c = child;
      await waitFor(`kubelet ${name} to start`, 60_000, async () => {
        if (c.exitCode !== null) throw new Error(`kubelet exited with ${c.exitCode}: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
        return readFileSync(logFile, 'utf8').includes('kubelet-node ready') ? true : undefined;
      });
    };

    // the first start registers the node; it needs a podCIDR before pods can get an IP
    const launchPromise = launch();
    const client = cp.client();
    let podCIDR = `10.244.${index}.0/24`;
    await waitFor(`node ${name} to register`, 60_000, async () => {
      const node = await client.get(findResource('', 'v1', 'nodes')!, undefined, name).catch(() => undefined);
      if (!node) return undefined;
      const existing = (node.spec as { podCIDR?: string } | undefined)?.podCIDR;
      if (existing) podCIDR = existing;
      else await cp.k(['patch', 'node', name, '--type=merge', '-p', JSON.stringify({ spec: { podCIDR, podCIDRs: [podCIDR] } })]);
      return true;
    });
    await launchPromise;

    return {
      name, nodeIP, netns: name, stateDir: config.stateDir, logFile, podCIDR,
      pid: () => child?.pid,
      async kill() {
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const c = child;
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        await exited;
      },
      restart: launch,
      exec: (cmd) => sh('ip', ['netns', 'exec', name, ...cmd]),
      stop: cleanup,
      log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
