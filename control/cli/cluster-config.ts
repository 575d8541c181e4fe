/**
 * Where a local cluster lives and what it is made of. Everything about a cluster is kept in
 * its state dir (default /var/lib/tugboat/<name>), so `tug down` + `tug up` brings it back:
 *   cluster.json  the settings below        pki/     certificates and tokens
 *   etcd/         etcd data                  logs/    one log file per process
 *   run/          pid files                  kubeconfig  the admin kubeconfig
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ClusterConfig {
  name: string;
  stateDir: string;
  securePort: number;
  etcdClientPort: number;
  etcdPeerPort: number;
  /** the host's address on the underlay bridge; the API server advertises it to nodes */
  hostAddress: string;
  underlayBridge: string;
  underlayCidr: string;
  serviceCidr: string;
  clusterCidr: string;
  nodePortRange: [number, number];
  /** seconds a pod tolerates an unreachable node before eviction (tests shorten it) */
  podEvictionTimeout: number;
  /** resolvers the nodes' DNS forwards to; empty = each node's /etc/resolv.conf */
  dnsUpstreams: string[];
}

export const DEFAULT_STATE_ROOT = process.env.TUG_STATE_ROOT ?? '/var/lib/tugboat';

export function defaultConfig(name: string, stateRoot = DEFAULT_STATE_ROOT): ClusterConfig {
  return {
    name,
    stateDir: join(stateRoot, name),
    securePort: 6443,
    etcdClientPort: 2379,
    etcdPeerPort: 2380,
    hostAddress: '10.200.0.1',
    underlayBridge: 'tug0',
    underlayCidr: '10.200.0.0/24',
    serviceCidr: '10.96.0.0/12',
    clusterCidr: '10.244.0.0/16',
    nodePortRange: [30000, 32767],
    podEvictionTimeout: 300,
    dnsUpstreams: [],
  };
}

export function clusterPaths(cfg: Pick<ClusterConfig, 'stateDir'>) {
  const d = cfg.stateDir;
  return {
    configFile: join(d, 'cluster.json'),
    kubeconfig: join(d, 'kubeconfig'),
    pkiDir: join(d, 'pki'),
    logsDir: join(d, 'logs'),
    runDir: join(d, 'run'),
    pidFile: (proc: string) => join(d, 'run', `${proc}.pid`),
    logFile: (proc: string) => join(d, 'logs', `${proc}.log`),
  };
}

export function loadConfig(name: string, stateRoot = DEFAULT_STATE_ROOT): ClusterConfig | undefined {
  const file = clusterPaths({ stateDir: join(stateRoot, name) }).configFile;
  if (!existsSync(file)) return undefined;
  return { ...defaultConfig(name, stateRoot), ...(JSON.parse(readFileSync(file, 'utf8')) as Partial<ClusterConfig>) };
}

export function saveConfig(cfg: ClusterConfig): void {
  const p = clusterPaths(cfg);
  for (const dir of [cfg.stateDir, p.logsDir, p.runDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(p.configFile, JSON.stringify(cfg, null, 2) + '\n');
}
