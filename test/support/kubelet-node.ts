/**
 * Test entry: one kubelet running INSIDE a node network namespace (`ip netns exec NS node
 * dist/test/support/kubelet-node.js CONFIG.json`), for test/integration/kubelet and the pods
 * benchmark. The test control plane listens on 127.0.0.1 of the root netns, which a node netns
 * cannot reach without touching the root netns' routes, so two relays bridge the namespaces
 * through unix sockets (paths cross network namespaces):
 *   kubelet → API server:  tcp 127.0.0.1:<apiPort> here → apiSocket → (harness) → 127.0.0.1:<apiPort>
 *   API server → kubelet:  (harness) nodeIP:kubeletPort → kubeletSocket → here → nodeIP:kubeletPort
 * nodeIP is a 127.x address: local in every netns whose `lo` is up, so the API server's
 * kubelet proxy dials it in the root netns and the harness relays it here.
 */
import { readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ApiClient } from '../../control/client/index.js';
import { buildKubelet } from '../../dataplane/kubelet/index.js';

export interface KubeletNodeConfig {
  nodeName: string;
  nodeIP: string;
  clusterName: string;
  apiPort: number;
  apiSocket: string;
  kubeletSocket: string;
  kubeletPort: number;
  stateDir: string;
  cniPluginPath: string;
  ca: string;
  clientCert: string;
  clientKey: string;
  servingCert: string;
  servingKey: string;
}

function relay(listen: () => net.Server, connect: () => net.Socket): net.Server {
  const server = listen();
  server.on('connection', (inbound) => {
    const outbound = connect();
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const close = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', close);
    outbound.on('error', close);
    inbound.on('close', close);
    outbound.on('close', close);
  });
  return server;
}

async function main(): Promise<void> {
  const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as KubeletNodeConfig;
  const log = pino({ base: { node: cfg.nodeName } });
  const toApi = relay(() => net.createServer(), () => net.connect(cfg.apiSocket));
  await new Promise<void>((r) => toApi.listen(cfg.apiPort, '127.0.0.1', r));
  const fromApi = relay(() => net.createServer(), () => net.connect(cfg.kubeletPort, cfg.nodeIP));
  rmSync(cfg.kubeletSocket, { force: true }); // left behind by a killed predecessor
  await new Promise<void>((r) => fromApi.listen(cfg.kubeletSocket, r));

  const client = new ApiClient({ server: `https://127.0.0.1:${cfg.apiPort}`, ca: cfg.ca, cert: cfg.clientCert, key: cfg.clientKey });
  const kubelet = buildKubelet({
    client, nodeName: cfg.nodeName, nodeIP: cfg.nodeIP, log, metrics: new Registry(), kubeletPort: cfg.kubeletPort,
    stateDir: cfg.stateDir, clusterDNS: '10.96.0.10', clusterDomain: 'cluster.local', cniPluginPath: cfg.cniPluginPath,
    tls: { cert: cfg.servingCert, key: cfg.servingKey }, clientCA: cfg.ca, clusterName: cfg.clusterName,
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    kubelet.stop().finally(() => {
      client.close();
      toApi.close();
      fromApi.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await kubelet.start();
  log.info('kubelet-node ready');
}

main().catch((err: Error) => {
  process.stderr.write(`kubelet-node: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
