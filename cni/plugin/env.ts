// CNI_* environment parsing (SPEC.md "Parameters"). Every problem is code 4 and names the variable, so a
// runtime author sees which variable to fix.
import { CniError, CNI_ERRORS } from './errors.js';

export const COMMANDS = ['ADD', 'DEL', 'CHECK', 'VERSION', 'GC', 'STATUS'] as const;
export type CniCommand = (typeof COMMANDS)[number];

export interface CniEnv {
  command: CniCommand;
  containerId: string;
  /** empty when not given (allowed for DEL, GC, STATUS, VERSION) */
  netns: string;
  ifname: string;
  /** CNI_ARGS as key/value pairs (e.g. IP=10.244.1.9, K8S_POD_NAME=…) */
  args: ReadonlyMap<string, string>;
  path: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const REQUIRED: Record<CniCommand, readonly string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME'],
  VERSION: [],
  GC: [],
  STATUS: [],
};

// SPEC.md: "must contain only alphanumeric characters, underscore, period and hyphen", starting alphanumeric.
const CONTAINER_ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

const invalid = (variable: string, why: string) => new CniError(CNI_ERRORS.INVALID_ENV, `${variable} ${why}`);

/** Linux interface name rules (dev_valid_name): 1-15 bytes, not "." or "..", no '/', ':' or whitespace. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (Buffer.byteLength(name) > 15) return `"${name}" is longer than 15 characters`;
  if (name === '.' || name === '..') return `"${name}" is not a valid interface name`;
  if (/[/:\s]/.test(name)) return `"${name}" contains '/', ':' or whitespace`;
  return undefined;
}

export function parseCniArgs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  if (text.trim() === '') return out;
  for (const pair of text.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw invalid('CNI_ARGS', `has a malformed pair "${pair}" (expected KEY=VALUE;KEY=VALUE)`);
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

export function parseCommand(env: Env): CniCommand {
  const command = env['CNI_COMMAND'];
  if (command === undefined || command === '') throw invalid('CNI_COMMAND', 'is not set');
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw invalid('CNI_COMMAND', `"${command}" is not one of ${COMMANDS.join(', ')}`);
  }
  return command as CniCommand;
}

export function parseEnv(env: Env): CniEnv {
  const command = parseCommand(env);
  for (const variable of REQUIRED[command]) {
    if (!env[variable]) throw invalid(variable, `is required for ${command} but is not set`);
  }
  const containerId = env['CNI_CONTAINERID'] ?? '';
  if (containerId && !CONTAINER_ID.test(containerId)) {
    throw invalid('CNI_CONTAINERID', `"${containerId}" must start with a letter or digit and contain only letters, digits, '_', '.', '-'`);
  }
  const ifname = env['CNI_IFNAME'] ?? '';
  if (REQUIRED[command].includes('CNI_IFNAME')) {
    const problem = interfaceNameProblem(ifname);
    if (problem) throw invalid('CNI_IFNAME', problem);
  }
  const netns = env['CNI_NETNS'] ?? '';
  if (netns && !netns.startsWith('/')) throw invalid('CNI_NETNS', `"${netns}" is not an absolute path`);
  return { command, containerId, netns, ifname, args: parseCniArgs(env['CNI_ARGS'] ?? ''), path: env['CNI_PATH'] ?? '' };
}
