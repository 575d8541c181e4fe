/** `tug kubeconfig [--name NAME]`: prints the cluster's admin kubeconfig. */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clusterPaths, loadConfig } from '../cluster-config.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { name: { type: 'string', default: 'local' } } });
  const cfg = loadConfig(values.name!);
  const file = cfg ? clusterPaths(cfg).kubeconfig : undefined;
  if (!file || !existsSync(file)) {
    process.stderr.write(`no cluster named "${values.name}": run \`tug up --name ${values.name}\` first\n`);
    return 1;
  }
  process.stdout.write(readFileSync(file, 'utf8'));
  return 0;
}
