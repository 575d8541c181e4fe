/**
 * `tug agent`: one process per node composing the node's components (kubelet, overlay, proxy, DNS) around
 * one API client, one prom-client Registry and one pino logger. For local clusters it runs inside the
 * node's network namespace (`ip netns exec tug-<cluster>-<i> node … agent`); on a real machine it runs as
 * is: `tug agent --server https://HOST:6443 --token T [--ca-file ca.crt]`.
 *
 * Components start in order and stop in reverse on SIGTERM/SIGINT. Stopping leaves the data plane as
 * last programmed (routes, rules, running pod containers): a restarted agent adopts and reconciles.
 * /metrics and /healthz are served on nodeIP:metricsPort.
 */
import { createServer, type Server } from 'node:http';
import { createSocket } from 'node:dgram';
import { hostname } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { webcrypto, randomBytes } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { ApiClient, loadKubeconfig, type ClientConfig } from '../control/client/index.js';
import { CURRENT_NETNS } from '../cni/netlink/netlink.js';
import { IpRoute2Netlink } from '../cni/netlink/iproute2.js';
import { buildOverlay } from '../cni/overlay/index.js';
import { buildProxy } from './proxy/index.js';
import { buildKubelet } from './kubelet/index.js';
import { buildDns } from './dns/index.js';
import { parseUpstreamList } from './dns/forwarder.js';

export const usage = `tug agent --server URL (--kubeconfig FILE | --token T [--ca-file F]) [--node NAME] [--node-ip IP]
          [--proxy-mode iptables|userspace] [--cluster-cidr 10.244.0.0/16] [--service-cidr 10.96.0.0/12]
          [--cluster-dns 10.96.0.10] [--cluster-domain cluster.local] [--state-dir DIR]
          [--metrics-port 10249] [--kubelet-port 10250] [--node-mode auto|netns|host] [--underlay-device DEV]
          [--cluster-name NAME] [--dns-upstream IP[:PORT][,IP[:PORT]...]]`;

export interface AgentOptions {
  nodeName: string;
  nodeIP: string;
  client: ClientConfig;
  proxyMode: 'iptables' | 'userspace';
  clusterCidr: string;
  serviceCidr: string;
  clusterDNS: string;
  clusterDomain: string;
  stateDir: string;
  metricsPort: number;
  kubeletPort: number;
  /** netns = a local node (no default route): overlay also sets rp_filter/IPv6 and the service route */
  nodeMode: 'netns' | 'host';
  underlayDevice: string;
  /** labels pod containers tugboat.cluster=<name> (local clusters) */
  clusterName?: string;
  /** resolvers for names outside the cluster zone; empty = the nameservers of /etc/resolv.conf */
  dnsUpstreams: string[];
}

/** What every component of the agent is: built from deps, started and stopped by the agent. */
interface Component {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  healthy?(): boolean;
}

export interface Agent {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** the metrics/health server's address once started */
  address(): { host: string; port: number } | undefined;
}

/** The tug-cni executable next to this module in dist (dist/dataplane/agent.js → dist/cni/plugin/main.js). */
export function cniPluginPath(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'cni', 'plugin', 'main.js');
}

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/**
 * The kubelet's serving certificate: self-signed and kept in the state dir, as kubelet does without
 * --tls-cert-file (the API server does not verify kubelet certificates; clients are verified by CA).
 */
export async function servingCertificate(stateDir: string, nodeName: string, nodeIP: string): Promise<{ cert: string; key: string }> {
  const dir = join(stateDir, 'pki');
  const certFile = join(dir, 'kubelet.crt');
  const keyFile = join(dir, 'kubelet.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    const cert = readFileSync(certFile, 'utf8');
    const sans = new x509.X509Certificate(cert).getExtension(x509.SubjectAlternativeNameExtension)?.names.items.map((n) => n.value) ?? [];
    if (sans.includes(nodeIP)) return { cert, key: readFileSync(keyFile, 'utf8') };
  }
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'), name: `CN=${nodeName}`, keys, signingAlgorithm: alg,
    notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 10 * 365 * 24 * 3600 * 1000),
    extensions: [
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: nodeIP }, { type: 'dns', value: nodeName }]),
    ],
  });
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as unknown as webcrypto.CryptoKey);
  const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trimEnd()}\n-----END PRIVATE KEY-----\n`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(certFile, cert.toString('pem') + '\n', { mode: 0o644 });
  writeFileSync(keyFile, key, { mode: 0o600 });
  return { cert: cert.toString('pem') + '\n', key };
}

export function buildAgent(opts: AgentOptions, log: Logger, tls: { cert: string; key: string }): Agent {
  const client = new ApiClient({ ...opts.client, userAgent: `tug-agent/${opts.nodeName}` });
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const netlink = new IpRoute2Netlink();
  const base = { client, nodeName: opts.nodeName, nodeIP: opts.nodeIP, metrics };

  const overlay = buildOverlay({
    ...base, log: log.child({ component: 'overlay' }), netlink, clusterCidr: opts.clusterCidr,
    underlayDevice: opts.underlayDevice, nodeMode: opts.nodeMode, serviceCidr: opts.serviceCidr,
  });
  const kubelet = buildKubelet({
    ...base, log, kubeletPort: opts.kubeletPort, stateDir: opts.stateDir, clusterDNS: opts.clusterDNS,
    clusterDomain: opts.clusterDomain, cniPluginPath: cniPluginPath(), tls,
    clientCA: opts.client.ca ? String(opts.client.ca) : '', clusterName: opts.clusterName,
  });
  const proxy = buildProxy({
    ...base, log, mode: opts.proxyMode, clusterCidr: opts.clusterCidr, serviceCidr: opts.serviceCidr,
  });
  let proxySynced = false;
  const dns = buildDns({ ...base, log, listenAddresses: [opts.nodeIP], clusterDomain: opts.clusterDomain, upstreams: opts.dnsUpstreams });
  let dnsSynced = false;
  // Start order: the kubelet registers the Node the overlay annotates; stop runs in reverse.
  const components: Component[] = [
    { name: 'kubelet', start: () => kubelet.start(), stop: () => kubelet.stop() },
    { name: 'overlay', start: () => overlay.start(), stop: () => overlay.stop(), healthy: () => overlay.status().synced },
    {
      name: 'proxy',
      start: async () => {
        await proxy.start();
        void proxy.synced().then(() => (proxySynced = true));
      },
      stop: () => proxy.stop(),
      healthy: () => proxySynced,
    },
    {
      name: 'dns',
      start: async () => {
        await dns.start();
        void dns.waitForSync().then((ok) => (dnsSynced = ok));
      },
      stop: () => dns.stop(),
      healthy: () => dnsSynced,
    },
  ];

  const started: Component[] = [];
  let server: Server | undefined;

  const health = () => {
    const parts = components.map((c) => ({ name: c.name, started: started.includes(c), healthy: started.includes(c) && (c.healthy?.() ?? true) }));
    return { ok: parts.every((p) => p.healthy), parts };
  };

  return {
    async start() {
      server = createServer((req, res) => {
        const path = (req.url ?? '/').split('?')[0];
        if (path === '/healthz' || path === '/readyz') {
          const h = health();
          res.writeHead(h.ok ? 200 : 503, { 'Content-Type': 'text/plain' });
          res.end(h.ok ? 'ok\n' : h.parts.filter((p) => !p.healthy).map((p) => `${p.name}: ${p.started ? 'not synced' : 'not started'}`).join('\n') + '\n');
          return;
        }
        if (path === '/metrics') {
          metrics.metrics().then((text) => {
            res.writeHead(200, { 'Content-Type': metrics.contentType });
            res.end(text);
          }, (err: Error) => {
            res.writeHead(500);
            res.end(err.message);
          });
          return;
        }
        res.writeHead(404);
        res.end('not found\n');
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(opts.metricsPort, opts.nodeIP, () => resolve());
      });
      for (const c of components) {
        await c.start();
        started.push(c);
        log.info({ component: c.name }, 'started');
      }
      log.info({ nodeIP: opts.nodeIP, components: components.map((c) => c.name) }, 'agent running');
    },
    async stop() {
      for (const c of [...started].reverse()) {
        try {
          await c.stop();
        } catch (err) {
          log.warn({ component: c.name, err: (err as Error).message }, 'stop failed');
        }
      }
      started.length = 0;
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      client.close();
    },
    address() {
      const a = server?.address();
      return a && typeof a === 'object' ? { host: a.address, port: a.port } : undefined;
    },
  };
}

/** The local address this machine would use to reach `server` (a UDP connect sends nothing). */
export async function localAddressFor(server: string): Promise<string> {
  const url = new URL(server);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve, reject) => {
    const sock = createSocket('udp4');
    sock.once('error', (err) => {
      sock.close();
      reject(err);
    });
    sock.connect(Number(url.port || 443), host, () => {
      const { address } = sock.address();
      sock.close();
      resolve(address);
    });
  });
}

async function detectNodeSetup(nodeIP: string, underlayFlag: string | undefined, modeFlag: string): Promise<{ underlayDevice: string; nodeMode: 'netns' | 'host' }> {
  const netlink = new IpRoute2Netlink();
  let underlayDevice = underlayFlag;
  if (!underlayDevice) {
    const addrs = await netlink.addresses(CURRENT_NETNS);
    underlayDevice = addrs.find((a) => a.local === nodeIP)?.dev;
    if (!underlayDevice) throw new Error(`--node-ip ${nodeIP} is not an address of this machine (or pass --underlay-device)`);
  }
  let nodeMode: 'netns' | 'host';
  if (modeFlag === 'netns' || modeFlag === 'host') nodeMode = modeFlag;
  else if (modeFlag === 'auto') {
    // Local nodes have no default route on purpose (recipe gotcha 2); a real machine has one.
    const routes = await netlink.routes(CURRENT_NETNS);
    nodeMode = routes.some((r) => r.dst === 'default') ? 'host' : 'netns';
  } else throw new Error(`--node-mode: expected auto, netns or host, got "${modeFlag}"`);
  return { underlayDevice, nodeMode };
}

function port(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`--${flag}: expected a port, got "${value}"`);
  return n;
}

export async function parseAgentArgs(argv: string[], log: Logger): Promise<AgentOptions> {
  const { values } = parseArgs({
    args: argv,
    options: {
      node: { type: 'string' },
      server: { type: 'string' },
      kubeconfig: { type: 'string' },
      token: { type: 'string' },
      'ca-file': { type: 'string' },
      'node-ip': { type: 'string' },
      'proxy-mode': { type: 'string', default: 'iptables' },
      'cluster-cidr': { type: 'string', default: '10.244.0.0/16' },
      'service-cidr': { type: 'string', default: '10.96.0.0/12' },
      'cluster-dns': { type: 'string', default: '10.96.0.10' },
      'cluster-domain': { type: 'string', default: 'cluster.local' },
      'state-dir': { type: 'string' },
      'metrics-port': { type: 'string', default: '10249' },
      'kubelet-port': { type: 'string', default: '10250' },
      'node-mode': { type: 'string', default: 'auto' },
      'underlay-device': { type: 'string' },
      'cluster-name': { type: 'string' },
      'dns-upstream': { type: 'string', multiple: true },
    },
  });
  let client: ClientConfig;
  if (values.kubeconfig) {
    client = loadKubeconfig(values.kubeconfig);
    if (values.server) client = { ...client, server: values.server };
  } else if (values.server && values.token) {
    client = { server: values.server, token: values.token };
    if (values['ca-file']) client.ca = readFileSync(values['ca-file'], 'utf8');
    else {
      // Like `kubeadm join --discovery-token-unsafe-skip-ca-verification`: works, but say so.
      client.insecureSkipTLSVerify = true;
      log.warn('no --ca-file: the API server certificate is not verified');
    }
  } else {
    throw new Error(`either --kubeconfig, or --server with --token, is required\nusage: ${usage}`);
  }
  const proxyMode = values['proxy-mode'];
  if (proxyMode !== 'iptables' && proxyMode !== 'userspace') throw new Error(`--proxy-mode: expected iptables or userspace, got "${proxyMode}"`);
  const dnsUpstreams = parseUpstreamList(values['dns-upstream'] ?? [], '--dns-upstream');
  const nodeName = values.node ?? hostname().toLowerCase();
  const nodeIP = values['node-ip'] ?? (await localAddressFor(client.server));
  const setup = await detectNodeSetup(nodeIP, values['underlay-device'], values['node-mode']!);
  return {
    nodeName, nodeIP, client, proxyMode,
    clusterCidr: values['cluster-cidr']!, serviceCidr: values['service-cidr']!,
    clusterDNS: values['cluster-dns']!, clusterDomain: values['cluster-domain']!,
    stateDir: values['state-dir'] ?? join('/var/lib/tugboat/agent', nodeName),
    metricsPort: port('metrics-port', values['metrics-port']!), kubeletPort: port('kubelet-port', values['kubelet-port']!),
    ...setup,
    ...(values['cluster-name'] ? { clusterName: values['cluster-name'] } : {}),
    dnsUpstreams,
  };
}

export async function run(argv: string[]): Promise<number> {
  const log = pino({ name: 'tug-agent' });
  const opts = await parseAgentArgs(argv, log);
  mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
  const tls = await servingCertificate(opts.stateDir, opts.nodeName, opts.nodeIP);
  const agent = buildAgent(opts, log.child({ node: opts.nodeName }), tls);
  const stopped = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  await agent.start();
  const signal = await stopped;
  log.info({ signal }, 'stopping');
  await agent.stop();
  return 0;
}
