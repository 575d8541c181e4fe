// host-local's on-disk layout, one directory per network (<dataDir>/<network name>/):
//   <ip>                 one file per reserved IP, created with O_EXCL; content "<containerID>\r\n<ifname>"
//   last_reserved_ip.0   the last IP handed out, so allocation continues round-robin after it
//   lock                 cross-process lock (file-lock.ts)
// The same layout as containernetworking/plugins plugins/ipam/host-local/backend/disk, so operators who know
// that plugin can read and repair this state by hand.
import { mkdir, open, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireFileLock, type FileLockOptions, type ReleaseLock } from './file-lock.js';
import { parseIpv4 } from './ipv4.js';

export interface Attachment {
  containerId: string;
  ifname: string;
}

export interface Reservation extends Attachment {
  ip: string;
}

const LAST_RESERVED = 'last_reserved_ip.0';
const LOCK = 'lock';
const LINE_BREAK = '\r\n';

export class DiskStore {
  constructor(
    readonly dir: string,
    private readonly lockOptions: FileLockOptions = {},
  ) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
  }

  lock(): Promise<ReleaseLock> {
    return acquireFileLock(join(this.dir, LOCK), this.lockOptions);
  }

  /** Exclusive create: false when the IP is already reserved (by anyone). */
  async reserve(ip: string, att: Attachment): Promise<boolean> {
    try {
      const fh = await open(join(this.dir, ip), 'wx', 0o600);
      try {
        await fh.writeFile(att.containerId.trim() + LINE_BREAK + att.ifname);
      } finally {
        await fh.close();
      }
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  async release(ip: string): Promise<void> {
    await unlink(join(this.dir, ip)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Every reservation file. A file emptied by a crash mid-write shows up with an empty containerId. */
  async list(): Promise<Reservation[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const ips = names.filter((n) => parseIpv4(n) !== undefined);
    const read = await Promise.all(
      ips.map(async (ip): Promise<Reservation | undefined> => {
        try {
          const [containerId = '', ifname = ''] = (await readFile(join(this.dir, ip), 'utf8')).split(LINE_BREAK);
          return { ip, containerId: containerId.trim(), ifname: ifname.trim() };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // released meanwhile
          throw err;
        }
      }),
    );
    return read.filter((r): r is Reservation => r !== undefined);
  }

  async lastReserved(): Promise<string | undefined> {
    try {
      const ip = (await readFile(join(this.dir, LAST_RESERVED), 'utf8')).trim();
      return parseIpv4(ip) === undefined ? undefined : ip;
    } catch {
      return undefined; // missing or unreadable: round-robin restarts at the beginning, nothing else depends on it
    }
  }

  async setLastReserved(ip: string): Promise<void> {
    await writeFile(join(this.dir, LAST_RESERVED), ip);
  }
}
