/**
 * `tug up [--name NAME] [--nodes N]`: brings up (or back) a local cluster and returns when it
 * is ready, printing each step. Idempotent: what already runs is left alone.
 */
import { parseArgs } from 'node:util';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consoleProgress } from '../progress.js';
import { clusterPaths, DEFAULT_STATE_ROOT, defaultConfig, loadConfig, saveConfig, type ClusterConfig } from '../cluster-config.js';
import { alive, readPid, startSupervised, tugEntry } from '../processes.js';
import { killEtcdOrphans } from '../../store/etcd-orphans.js';
import { readyz, adminClient } from '../cluster-client.js';
import { contextName, mergeIntoUserKubeconfig, renderKubeconfig, userKubeconfigPath } from '../kubeconfig.js';
import { findResource } from '../../api/resources.js';
import { DEFAULT_LOCAL_NODES, ensureNodes, knownNodeIndexes } from '../local-nodes.js';
import { parseUpstreamList } from '../../../dataplane/dns/forwarder.js';

export const usage = 'tug up [--name NAME] [--nodes N] [--pod-eviction-timeout SECONDS] [--dns-upstream IP[:PORT][,...]]';

function runningClusters(except: string): string[] {
  if (!existsSync(DEFAULT_STATE_ROOT)) return [];
  return readdirSync(DEFAULT_STATE_ROOT).filter((name) => name !== except && alive(readPid(join(DEFAULT_STATE_ROOT, name, 'run', 'server.pid'))));
}

async function waitFor(what: string, timeoutMs: number, probe: () => Promise<{ ok: boolean; detail: string }>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const r = await probe();
    if (r.ok) return;
    last = r.detail;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`${what} not ready after ${timeoutMs / 1000}s: ${last}`);
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      name: { type: 'string', default: 'local' },
      nodes: { type: 'string' },
      'pod-eviction-timeout': { type: 'string' },
      'dns-upstream': { type: 'string', multiple: true },
    },
  });
  const name = values.name!;
  if (!/^[a-z0-9]([-a-z0-9]{0,14}[a-z0-9])?$/.test(name)) throw new Error(`--name: "${name}" must be 1-16 lowercase letters, digits or '-'`);
  const requestedNodes = values.nodes === undefined ? undefined : Number(values.nodes);
  if (requestedNodes !== undefined && (!Number.isInteger(requestedNodes) || requestedNodes < 0 || requestedNodes > 50)) throw new Error(`--nodes: expected an integer 0..50, got "${values.nodes}"`);
  const others = runningClusters(name);
  if (others.length) throw new Error(`cluster "${others[0]}" is running; Tugboat runs one local cluster at a time (tug down --name ${others[0]})`);

  const progress = consoleProgress();
  const cfg: ClusterConfig = loadConfig(name) ?? defaultConfig(name);
  if (values['pod-eviction-timeout'] !== undefined) {
    const seconds = Number(values['pod-eviction-timeout']);
    if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`--pod-eviction-timeout: expected whole seconds >= 0, got "${values['pod-eviction-timeout']}"`);
    cfg.podEvictionTimeout = seconds;
  }
  if (values['dns-upstream']) cfg.dnsUpstreams = parseUpstreamList(values['dns-upstream'], '--dns-upstream');
  saveConfig(cfg);
  const paths = clusterPaths(cfg);
  // Without --nodes, an existing cluster keeps its node count (tug down keeps node state); a new one gets 2.
  const nodes = requestedNodes ?? (knownNodeIndexes(cfg).length || DEFAULT_LOCAL_NODES);
  process.stdout.write(`Bringing up cluster "${name}" (state in ${cfg.stateDir})\n`);

  await progress.step('control plane (etcd, API server, controllers)', async () => {
    if (alive(readPid(paths.pidFile('server')))) {
      progress.info('already running');
      return;
    }
    const orphans = await killEtcdOrphans(join(cfg.stateDir, 'etcd'));
    if (orphans) progress.info(`stopped ${orphans} etcd left behind by an earlier server`);
    const pid = await startSupervised(paths.pidFile('server'), paths.logFile('server'), [
      process.execPath, tugEntry(), 'server', '--name', name, '--state-dir', cfg.stateDir,
      '--advertise-address', cfg.hostAddress, '--tls-san', cfg.hostAddress,
    ]);
    progress.info(`supervisor pid ${pid}, log ${paths.logFile('server')}`);
  });

  await progress.step('API server ready', async () => {
    await waitFor('API server', 90_000, async () => (existsSync(join(paths.pkiDir, 'admin.crt')) ? readyz(cfg) : { ok: false, detail: 'certificates not written yet' }));
  });

  await progress.step('admin kubeconfig', async () => {
    const text = renderKubeconfig(name, {
      server: `https://127.0.0.1:${cfg.securePort}`,
      caPem: readFileSync(join(paths.pkiDir, 'ca.crt'), 'utf8'),
      certPem: readFileSync(join(paths.pkiDir, 'admin.crt'), 'utf8'),
      keyPem: readFileSync(join(paths.pkiDir, 'admin.key'), 'utf8'),
    });
    writeFileSync(paths.kubeconfig, text, { mode: 0o600 });
    mergeIntoUserKubeconfig(text);
    progress.info(`${paths.kubeconfig}; merged into ${userKubeconfigPath()} as context ${contextName(name)}`);
  });

  await progress.step('default namespace and kubernetes Service', async () => {
    const client = adminClient(cfg);
    try {
      await waitFor('bootstrap objects', 30_000, async () => {
        try {
          await client.get(findResource('', 'v1', 'services')!, 'default', 'kubernetes');
          return { ok: true, detail: '' };
        } catch (err) {
          return { ok: false, detail: (err as Error).message };
        }
      });
    } finally {
      client.close();
    }
  });

  await ensureNodes(cfg, nodes, progress);

  process.stdout.write(`\nCluster "${name}" is ready.\n  kubectl --context ${contextName(name)} get all -A\n  tug status --name ${name}\n`);
  return 0;
}
