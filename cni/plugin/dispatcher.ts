// The skel: CNI_COMMAND + CNI_* env + stdin in; result or error JSON out, plus an exit code.
// Everything is injected (env, stdin, netlink), so tests run the whole plugin in-process; main.ts only wires
// process.env/stdin/stdout to this.
//
// Order of checks, as in containernetworking/cni pkg/skel: command and env vars first (code 4), then the
// config (6/1/2/7), then the version gate for 1.1.0-only commands (1), then the command itself.
import type { FileLockOptions } from '../ipam/file-lock.js';
import type { Netlink } from '../netlink/netlink.js';
import { cmdAdd } from './cmd-add.js';
import { cmdCheck } from './cmd-check.js';
import { cmdDel } from './cmd-del.js';
import { cmdGc } from './cmd-gc.js';
import { cmdStatus } from './cmd-status.js';
import { parseNetConf, peekVersion } from './config.js';
import { toCniError, type CommandContext } from './context.js';
import { parseCommand, parseEnv } from './env.js';
import { CniError, CNI_ERRORS, errorJson } from './errors.js';
import { LATEST_VERSION, SUPPORTED_VERSIONS, versionAtLeast } from './version.js';

export interface PluginInput {
  env: Readonly<Record<string, string | undefined>>;
  stdin: string;
}

export interface PluginOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface PluginDeps {
  netlink: Netlink;
  lockOptions?: FileLockOptions;
}

export async function runPlugin(input: PluginInput, deps: PluginDeps): Promise<PluginOutput> {
  const stderr: string[] = [];
  const log = (line: string) => stderr.push(line);
  try {
    const stdout = await dispatch(input, deps, log);
    return { exitCode: 0, stdout, stderr: joinLines(stderr) };
  } catch (err) {
    const cniErr = toCniError(err);
    if (cniErr.code === CNI_ERRORS.INTERNAL) log(cniErr.details);
    const version = peekVersion(input.stdin) ?? LATEST_VERSION;
    return { exitCode: 1, stdout: JSON.stringify(errorJson(cniErr, version)) + '\n', stderr: joinLines(stderr) };
  }
}

const joinLines = (lines: string[]) => (lines.length > 0 ? lines.join('\n') + '\n' : '');

async function dispatch(input: PluginInput, deps: PluginDeps, log: (l: string) => void): Promise<string> {
  if (parseCommand(input.env) === 'VERSION') {
    // Answered whatever the stdin version is: a newer runtime uses the list to pick a version we share.
    return JSON.stringify({ cniVersion: LATEST_VERSION, supportedVersions: [...SUPPORTED_VERSIONS] }) + '\n';
  }
  const env = parseEnv(input.env);
  const conf = parseNetConf(input.stdin);
  if ((env.command === 'GC' || env.command === 'STATUS') && !versionAtLeast(conf.cniVersion, '1.1.0')) {
    throw new CniError(CNI_ERRORS.INCOMPATIBLE_VERSION, `config version ${conf.cniVersion} does not allow ${env.command} (needs 1.1.0)`);
  }
  const ctx: CommandContext = { env, conf, netlink: deps.netlink, log };
  if (deps.lockOptions) ctx.lockOptions = deps.lockOptions;
  switch (env.command) {
    case 'ADD':
      return JSON.stringify(await cmdAdd(ctx)) + '\n';
    case 'DEL':
      await cmdDel(ctx);
      return '';
    case 'CHECK':
      await cmdCheck(ctx);
      return '';
    case 'GC':
      await cmdGc(ctx);
      return '';
    case 'STATUS':
      await cmdStatus(ctx);
      return '';
    default:
      throw new CniError(CNI_ERRORS.INVALID_ENV, `CNI_COMMAND ${env.command} is not handled`);
  }
}
