/** `tug server`: the control plane in the foreground (for real multi-machine setups, and under `tug up`). */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { runServer } from '../../server.js';
import { DEFAULT_STATE_ROOT, defaultConfig, loadConfig } from '../cluster-config.js';
import { join } from 'node:path';

export const usage = `tug server [--name NAME] [--state-dir DIR] [--bind-address IP] [--secure-port PORT]
           [--advertise-address IP] [--tls-san NAME]... [--etcd-endpoints URL,...]
           [--service-cluster-ip-range CIDR] [--service-node-port-range A-B] [--cluster-cidr CIDR]
           [--pod-eviction-timeout SECONDS] [--node-monitor-grace-period SECONDS]`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string', default: 'local' },
      'state-dir': { type: 'string' },
      'bind-address': { type: 'string', default: '0.0.0.0' },
      'secure-port': { type: 'string' },
      'advertise-address': { type: 'string' },
      'tls-san': { type: 'string', multiple: true, default: [] },
      'etcd-endpoints': { type: 'string' },
      'etcd-client-port': { type: 'string' },
      'etcd-peer-port': { type: 'string' },
      'service-cluster-ip-range': { type: 'string' },
      'service-node-port-range': { type: 'string' },
      'cluster-cidr': { type: 'string' },
      'pod-eviction-timeout': { type: 'string' },
      'node-monitor-grace-period': { type: 'string' },
    },
  });
  const name = values.name!;
  const base = loadConfig(name) ?? defaultConfig(name);
  const stateDir = values['state-dir'] ?? base.stateDir ?? join(DEFAULT_STATE_ROOT, name);
  const range = (values['service-node-port-range'] ?? `${base.nodePortRange[0]}-${base.nodePortRange[1]}`).split('-').map(Number);
  if (range.length !== 2 || range.some((n) => !Number.isInteger(n))) throw new Error(`--service-node-port-range: expected A-B, got ${values['service-node-port-range']}`);
  const log = pino({ name: 'tug-server' });
  const server = await runServer({
    stateDir,
    bindAddress: values['bind-address']!,
    securePort: Number(values['secure-port'] ?? base.securePort),
    advertiseAddress: values['advertise-address'] ?? '127.0.0.1',
    extraSans: values['tls-san'] as string[],
    etcdEndpoints: values['etcd-endpoints']?.split(',').map((s) => s.trim()).filter(Boolean),
    etcdClientPort: Number(values['etcd-client-port'] ?? base.etcdClientPort),
    etcdPeerPort: Number(values['etcd-peer-port'] ?? base.etcdPeerPort),
    serviceCidr: values['service-cluster-ip-range'] ?? base.serviceCidr,
    nodePortRange: [range[0]!, range[1]!],
    controllers: {
      clusterCidr: values['cluster-cidr'] ?? base.clusterCidr,
      podEvictionTimeoutSeconds: Number(values['pod-eviction-timeout'] ?? base.podEvictionTimeout),
      nodeMonitorGracePeriodSeconds: values['node-monitor-grace-period'] ? Number(values['node-monitor-grace-period']) : undefined,
    },
    log,
  });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log.info('shutting down');
  await server.stop();
  return 0;
}
