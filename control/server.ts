/**
 * `tug server`: the control plane in one process (k3s-style): a supervised local etcd (unless
 * --etcd-endpoints names an existing cluster), the API server, and the controllers and scheduler
 * as API clients of it. Composition only; every part is built by its own module.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { startEtcd, type EtcdProcess } from './store/etcd-process.js';
import { killEtcdOrphans } from './store/etcd-orphans.js';
import { EtcdStore } from './store/etcd-store.js';
import { ensurePki, defaultServerSans, issueCertificate, parseTokenFile } from './apiserver/pki.js';
import { buildApiServer } from './apiserver/server.js';
import { bootstrapCluster } from './apiserver/bootstrap.js';
import { buildServiceAllocator } from './apiserver/allocators/service-allocator.js';
import { buildServiceAccountAdmission } from './apiserver/registry/service-account-admission.js';
import { signingKeyFromPem } from './apiserver/serviceaccount/jwt.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER } from './apiserver/serviceaccount/token-request.js';
import { findResource } from './api/resources.js';
import { formatIpv4, mustParseCidr } from './api/ipv4.js';
import { readFileSync, existsSync, writeFileSync } from 'node:fs';
import { buildControllers, type ControllerOptions } from './controllers/index.js';

export interface ServerOptions {
  stateDir: string;
  bindAddress: string;
  securePort: number;
  advertiseAddress: string;
  extraSans: string[];
  etcdEndpoints?: string[];
  etcdClientPort: number;
  etcdPeerPort: number;
  serviceCidr: string;
  nodePortRange: [number, number];
  controllers: ControllerOptions;
  log?: Logger;
}

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

export async function runServer(opts: ServerOptions): Promise<RunningServer> {
  const log = opts.log ?? pino({ name: 'tug-server' });
  mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
  const pkiDir = join(opts.stateDir, 'pki');
  // The `kubernetes` Service's ClusterIP (first address of the service CIDR) is how in-cluster clients
  // (KUBERNETES_SERVICE_HOST) reach us: the serving certificate must carry it for any --service-cidr.
  const kubernetesServiceIP = formatIpv4(mustParseCidr(opts.serviceCidr).network + 1);
  const pki = await ensurePki(pkiDir, defaultServerSans([kubernetesServiceIP, opts.advertiseAddress, ...opts.extraSans]));
  const kubeletClientPath = join(pkiDir, 'apiserver-kubelet-client');
  if (!existsSync(`${kubeletClientPath}.crt`)) {
    const pair = await issueCertificate(pki.ca, { subject: 'CN=kube-apiserver-kubelet-client, O=system:masters', client: true });
    writeFileSync(`${kubeletClientPath}.crt`, pair.cert);
    writeFileSync(`${kubeletClientPath}.key`, pair.key, { mode: 0o600 });
  }
  const kubeletClient = { cert: readFileSync(`${kubeletClientPath}.crt`, 'utf8'), key: readFileSync(`${kubeletClientPath}.key`, 'utf8'), ca: pki.ca.cert };

  let etcd: EtcdProcess | undefined;
  let endpoints = opts.etcdEndpoints;
  if (!endpoints?.length) {
    // A server killed with SIGKILL leaves its etcd running on our data dir and ports.
    const orphans = await killEtcdOrphans(join(opts.stateDir, 'etcd'));
    if (orphans) log.warn({ orphans }, 'stopped an etcd left behind by a previous server');
    log.info({ step: 'etcd' }, 'starting etcd');
    etcd = await startEtcd({
      dataDir: join(opts.stateDir, 'etcd'), clientPort: opts.etcdClientPort, peerPort: opts.etcdPeerPort,
      logFile: join(opts.stateDir, 'logs', 'etcd.log'),
      onRestart: (info) => log.warn({ component: 'etcd', ...info }, 'etcd restarted'),
    });
    endpoints = etcd.endpoints;
    log.info({ endpoints, pid: etcd.pid }, 'etcd is healthy');
  }
  const store = new EtcdStore({ endpoints });
  const allocator = buildServiceAllocator({ serviceCidr: opts.serviceCidr, nodePortRange: opts.nodePortRange });
  const serviceAccountsInfo = findResource('', 'v1', 'serviceaccounts')!;
  // reads through the API server's own storage, built just below (only called once requests flow)
  const serviceAccountAdmission = buildServiceAccountAdmission({ lookup: (ns, name) => api.rest.read(serviceAccountsInfo, ns, name) });
  const api = buildApiServer({
    store, log: log.child({ component: 'apiserver' }),
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert },
    tokens: parseTokenFile(readFileSync(join(pkiDir, 'tokens.csv'), 'utf8')),
    kubeletClient, admission: [allocator, serviceAccountAdmission],
    // kubeadm's issuer; the API audiences default to it, as kube-apiserver's --api-audiences do
    serviceAccounts: { issuer: DEFAULT_SERVICE_ACCOUNT_ISSUER, apiAudiences: [DEFAULT_SERVICE_ACCOUNT_ISSUER], key: signingKeyFromPem(pki.serviceAccountKey.key) },
  });
  const services = await retryUntilUp(() => api.rest.list(findResource('', 'v1', 'services')!, undefined), log);
  allocator.seed(services.items);
  await bootstrapCluster(api.rest, { serviceCidr: opts.serviceCidr, advertiseAddress: opts.advertiseAddress, securePort: opts.securePort });
  const addr = await api.start({ host: opts.bindAddress, port: opts.securePort });
  const url = `https://${opts.advertiseAddress}:${addr.port}`;
  log.info({ url }, 'API server listening');

  const controllers = buildControllers({
    server: `https://127.0.0.1:${addr.port}`, ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key,
    log: log.child({ component: 'controller-manager' }),
    options: { localPathRoot: join(opts.stateDir, 'local-path'), ...opts.controllers },
  });
  await controllers.start();

  return {
    url,
    async stop() {
      const timed = async (what: string, fn: () => Promise<void>) => {
        const t = Date.now();
        await fn();
        log.info({ step: what, ms: Date.now() - t }, 'stopped');
      };
      await timed('controllers', () => controllers.stop());
      await timed('apiserver', () => api.stop());
      await timed('store', () => store.close());
      if (etcd) await timed('etcd', () => etcd!.stop());
    },
  };
}

async function retryUntilUp<T>(fn: () => Promise<T>, log: Logger): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 30) throw err;
      log.warn({ err: (err as Error).message }, 'storage not ready yet; retrying');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
