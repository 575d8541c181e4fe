/**
 * `tug down [--name NAME] [--purge]`: stops every process and removes every namespace, link,
 * rule and container the cluster made, keeping its data (so `tug up` brings every object
 * back); --purge also deletes the data and the kubeconfig context.
 */
import { parseArgs } from 'node:util';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { consoleProgress } from '../progress.js';
import { clusterPaths, loadConfig } from '../cluster-config.js';
import { stopByPidFile } from '../processes.js';
import { killEtcdOrphans } from '../../store/etcd-orphans.js';
import { removeFromUserKubeconfig } from '../kubeconfig.js';
import { removeNodes } from '../local-nodes.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { name: { type: 'string', default: 'local' }, purge: { type: 'boolean', default: false } } });
  const name = values.name!;
  const cfg = loadConfig(name);
  if (!cfg) {
    process.stdout.write(`no cluster named "${name}"\n`);
    return 0;
  }
  const progress = consoleProgress();
  const paths = clusterPaths(cfg);
  await removeNodes(cfg, progress);
  await progress.step('control plane', async () => {
    const stopped = await stopByPidFile(paths.pidFile('server'));
    const orphans = await killEtcdOrphans(join(cfg.stateDir, 'etcd'));
    progress.info(stopped ? 'stopped' : 'was not running');
    if (orphans) progress.info(`stopped ${orphans} orphaned etcd`);
  });
  if (values.purge) {
    await progress.step('data and kubeconfig context', async () => {
      rmSync(cfg.stateDir, { recursive: true, force: true });
      removeFromUserKubeconfig(name);
    });
  }
  process.stdout.write(`Cluster "${name}" is down${values.purge ? ' and purged' : ' (data kept; `tug up` brings it back)'}.\n`);
  return 0;
}
