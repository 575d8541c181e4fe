/** `tug images build [--force]`: builds the offline images (tugboat/pause, tugboat/testapp). */
import { parseArgs } from 'node:util';
import { buildImages } from '../images/index.js';

export const usage = 'tug images build [--force]';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
  if (positionals[0] !== 'build' || positionals.length !== 1) {
    process.stderr.write(`usage: ${usage}\n`);
    return 2;
  }
  await buildImages({ force: values.force, log: (line) => process.stdout.write(`${line}\n`) });
  return 0;
}
