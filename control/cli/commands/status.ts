/** `tug status [--name NAME]`: a table of the cluster's components and their health. */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { clusterPaths, loadConfig } from '../cluster-config.js';
import { alive, readPid } from '../processes.js';
import { findEtcdPids } from '../../store/etcd-orphans.js';
import { readyz } from '../cluster-client.js';
import { nodeStatusRows } from '../local-nodes.js';

export function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('')).join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { name: { type: 'string', default: 'local' } } });
  const cfg = loadConfig(values.name!);
  if (!cfg) {
    process.stderr.write(`no cluster named "${values.name}"\n`);
    return 1;
  }
  const paths = clusterPaths(cfg);
  const rows: string[][] = [['COMPONENT', 'STATUS', 'PID', 'DETAIL']];
  const supervisor = readPid(paths.pidFile('server'));
  const serverPid = readPid(`${paths.pidFile('server')}.child`);
  const etcdPids = findEtcdPids(join(cfg.stateDir, 'etcd'));
  const up = alive(supervisor);
  const ready = up ? await readyz(cfg) : { ok: false, detail: 'not running' };
  rows.push(['etcd', etcdPids.length ? 'Running' : 'Stopped', etcdPids.join(',') || '-', `127.0.0.1:${cfg.etcdClientPort}, data ${join(cfg.stateDir, 'etcd')}`]);
  rows.push(['apiserver', !up ? 'Stopped' : ready.ok ? 'Ready' : 'NotReady', up ? String(serverPid ?? supervisor) : '-', up ? `https://127.0.0.1:${cfg.securePort} ${ready.ok ? '' : ready.detail}`.trim() : '-']);
  rows.push(['controller-manager', up ? (ready.ok ? 'Running' : 'Unknown') : 'Stopped', up ? String(serverPid ?? supervisor) : '-', 'in the server process']);
  const nodeRows = await nodeStatusRows(cfg);
  rows.push(...nodeRows);
  process.stdout.write(renderTable(rows));
  process.stdout.write(`kubeconfig: ${paths.kubeconfig}\n`);
  return up && ready.ok && nodeRows.every((r) => r[1] === 'Ready') ? 0 : 3;
}
