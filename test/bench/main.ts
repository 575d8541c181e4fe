/**
 * `npm run bench -- <name>`: runs one benchmark (or all with no name), prints its tables and
 * writes JSON under test/bench/results/. Benchmarks are not tests: they measure, as ratios
 * against a baseline run side by side, and never fail on a number.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderTable, writeResult, type BenchResult } from './report.js';

const BENCHES: Record<string, () => Promise<{ run(args: string[]): Promise<BenchResult> }>> = {
  api: () => import('./api.js'),
  proxy: () => import('./proxy.js'),
  network: () => import('./network.js'),
  dns: () => import('./dns.js'),
  pods: () => import('./pods.js'),
};

async function main(): Promise<number> {
  const [name, ...args] = process.argv.slice(2);
  const names = name ? [name] : Object.keys(BENCHES);
  for (const n of names) {
    const load = BENCHES[n];
    if (!load) {
      process.stderr.write(`unknown benchmark "${n}"; known: ${Object.keys(BENCHES).join(', ')}\n`);
      return 2;
    }
    process.stdout.write(`== bench ${n} ==\n`);
    const result = await (await load()).run(args);
    for (const t of result.tables) process.stdout.write(renderTable(t) + '\n');
    const repo = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
    process.stdout.write(`results: ${writeResult(result, join(repo, 'test', 'bench', 'results'))}\n`);
  }
  return 0;
}

main().then((c) => (process.exitCode = c), (e: Error) => {
  process.stderr.write(`bench failed: ${e.stack ?? e.message}\n`);
  process.exitCode = 1;
});
