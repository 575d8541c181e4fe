/**
 * CNI as a runtime calls it: the tug-cni plugin is executed as a separate process (never
 * imported) in the kubelet's netns (the node's), with the network config on stdin and CNI_* in
 * the environment; the result or the spec error comes back on stdout.
 */
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';

export const CNI_NETWORK = 'tugnet';
const CNI_TIMEOUT_MS = 60_000;

export interface CniAttachment {
  containerId: string;
  /** /proc/<pid>/ns/net of the sandbox; '' when the sandbox is gone (DEL) */
  netns: string;
  podNamespace: string;
  podName: string;
  podUid: string;
}

export interface Cni {
  /** ADD; resolves with the pod IP */
  add(podCIDR: string, a: CniAttachment): Promise<string>;
  /** DEL; repeatable, fine when the netns or the attachment is already gone */
  del(podCIDR: string, a: CniAttachment): Promise<void>;
}

export class CniError extends Error {
  constructor(message: string, readonly code?: number) {
    super(message);
  }
}

export function cniConfig(podCIDR: string, dataDir: string): string {
  return JSON.stringify({ cniVersion: '1.0.0', name: CNI_NETWORK, type: 'tug-cni', subnet: podCIDR, bridge: 'cni0', mtu: 1450, dataDir });
}

/** The first IPv4 address of an ADD result ("10.244.1.2/24" → "10.244.1.2"). */
export function resultIP(stdout: string): string {
  const res = JSON.parse(stdout) as { ips?: Array<{ address?: string }> };
  const addr = res.ips?.[0]?.address;
  if (!addr) throw new CniError(`CNI ADD returned no IP: ${stdout.slice(0, 200)}`);
  return addr.split('/')[0]!;
}

export class CniPluginExec implements Cni {
  constructor(private readonly pluginPath: string, private readonly dataDir: string) {}

  async add(podCIDR: string, a: CniAttachment): Promise<string> {
    const out = await this.run('ADD', podCIDR, a);
    return resultIP(out);
  }

  async del(podCIDR: string, a: CniAttachment): Promise<void> {
    await this.run('DEL', podCIDR, a);
  }

  private run(command: 'ADD' | 'DEL', podCIDR: string, a: CniAttachment): Promise<string> {
    // a .js plugin runs on this node binary (the tug-cni of a dev checkout is `dist/cni/plugin/main.js`)
    const [file, args] = this.pluginPath.endsWith('.js') ? [process.execPath, [this.pluginPath]] : [this.pluginPath, []];
    const env = {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: command,
      CNI_CONTAINERID: a.containerId,
      CNI_NETNS: a.netns,
      CNI_IFNAME: 'eth0',
      CNI_PATH: dirname(this.pluginPath),
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${a.podNamespace};K8S_POD_NAME=${a.podName};K8S_POD_INFRA_CONTAINER_ID=${a.containerId};K8S_POD_UID=${a.podUid}`,
    };
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'], timeout: CNI_TIMEOUT_MS });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', (err) => reject(new CniError(`CNI ${command}: cannot run ${this.pluginPath}: ${err.message}`)));
      child.on('close', (code) => {
        if (code === 0) return resolve(stdout);
        let msg = stderr.trim() || `exit ${code}`;
        let cniCode: number | undefined;
        try {
          const e = JSON.parse(stdout) as { code?: number; msg?: string; details?: string };
          cniCode = e.code;
          msg = `${e.msg ?? ''}${e.details ? `: ${e.details}` : ''}`;
        } catch {
          // not a CNI error document: keep stderr
        }
        reject(new CniError(`CNI ${command} for pod ${a.podNamespace}/${a.podName} failed${cniCode !== undefined ? ` (code ${cniCode})` : ''}: ${msg}`, cniCode));
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(cniConfig(podCIDR, this.dataDir));
    });
  }
}
