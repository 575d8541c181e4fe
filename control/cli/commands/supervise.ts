/** `tug supervise --pid-file F --log L -- CMD…` (internal; see ../supervisor.ts). */
import { parseArgs } from 'node:util';
import { supervise } from '../supervisor.js';

export async function run(argv: string[]): Promise<number> {
  const sep = argv.indexOf('--');
  if (sep < 0 || sep === argv.length - 1) throw new Error('supervise: missing -- COMMAND');
  const { values } = parseArgs({ args: argv.slice(0, sep), options: { 'pid-file': { type: 'string' }, log: { type: 'string' } } });
  if (!values['pid-file'] || !values.log) throw new Error('supervise: --pid-file and --log are required');
  return supervise({ pidFile: values['pid-file'], logFile: values.log, command: argv.slice(sep + 1) });
}
