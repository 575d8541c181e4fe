// What every command receives, plus the one place where lower-level failures become catalog codes.
import { join } from 'node:path';
import { Allocator, IpamError } from '../ipam/allocator.js';
import { DiskStore } from '../ipam/disk-store.js';
import { LockTimeoutError, type FileLockOptions } from '../ipam/file-lock.js';
import { NetlinkError, type Netlink } from '../netlink/netlink.js';
import { requireSubnet, type NetConf } from './config.js';
import type { CniEnv } from './env.js';
import { CniError, CNI_ERRORS } from './errors.js';

export interface CommandContext {
  env: CniEnv;
  conf: NetConf;
  netlink: Netlink;
  lockOptions?: FileLockOptions;
  /** diagnostics for stderr (the runtime logs it; stdout is reserved for the result) */
  log: (line: string) => void;
}

/** The network's own directory: <dataDir>/<network name>, as host-local lays it out. */
export function storeDir(conf: NetConf): string {
  return join(conf.dataDir, conf.name);
}

export function allocatorFor(ctx: CommandContext): Allocator {
  return new Allocator(new DiskStore(storeDir(ctx.conf), ctx.lockOptions), requireSubnet(ctx.conf));
}

const IO_ERRNOS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EIO', 'ENOTDIR', 'EISDIR', 'EDQUOT', 'EMFILE', 'ENFILE']);

export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  if (err instanceof IpamError) {
    if (err.kind === 'exhausted') return new CniError(CNI_ERRORS.IPAM_EXHAUSTED, err.message);
    if (err.kind === 'duplicate') return new CniError(CNI_ERRORS.ALREADY_ATTACHED, err.message);
    return new CniError(CNI_ERRORS.REQUESTED_IP_UNAVAILABLE, err.message);
  }
  if (err instanceof LockTimeoutError) return new CniError(CNI_ERRORS.TRY_AGAIN_LATER, err.message);
  if (err instanceof NetlinkError) return new CniError(CNI_ERRORS.NETLINK_FAILED, err.message, err.stderr);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && IO_ERRNOS.has(code)) return new CniError(CNI_ERRORS.IO_FAILURE, (err as Error).message);
  return new CniError(CNI_ERRORS.INTERNAL, err instanceof Error ? err.message : String(err), err instanceof Error ? (err.stack ?? '') : '');
}
