/**
 * Test entry: runs the service proxy alone, as `tug agent` would, inside a node network namespace
 * (`ip netns exec NS node dist/test/support/proxy-node.js …`). Prints "synced" after the first
 * successful sync; SIGTERM stops it cleanly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ApiClient } from '../../control/client/index.js';
import { buildProxy, type ProxyMode } from '../../dataplane/proxy/index.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string' }, pki: { type: 'string' }, node: { type: 'string' }, 'node-ip': { type: 'string' },
    mode: { type: 'string', default: 'iptables' }, 'cluster-cidr': { type: 'string', default: '10.244.0.0/16' },
    'min-sync-ms': { type: 'string', default: '500' },
  },
});

const pki = values.pki!;
const client = new ApiClient({
  server: values.server!, ca: readFileSync(join(pki, 'ca.crt'), 'utf8'),
  cert: readFileSync(join(pki, 'admin.crt'), 'utf8'), key: readFileSync(join(pki, 'admin.key'), 'utf8'),
});
const log = pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2));
const proxy = buildProxy({
  client, nodeName: values.node!, nodeIP: values['node-ip']!, log, metrics: new Registry(), mode: values.mode as ProxyMode,
  clusterCidr: values['cluster-cidr']!, serviceCidr: '10.96.0.0/12', minSyncMs: Number(values['min-sync-ms']),
});
await proxy.start();
void proxy.synced().then(() => process.stdout.write('synced\n'));
process.on('SIGTERM', () => {
  void proxy.stop().finally(() => {
    client.close();
    process.exit(0);
  });
});
