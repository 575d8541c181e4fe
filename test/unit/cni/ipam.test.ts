import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Allocator, IpamError } from '../../../cni/ipam/allocator.js';
import { DiskStore } from '../../../cni/ipam/disk-store.js';
import { acquireFileLock, LockTimeoutError } from '../../../cni/ipam/file-lock.js';
import { parseSubnet, type Ipv4Subnet } from '../../../cni/ipam/ipv4.js';

const subnet = (text: string) => parseSubnet(text) as Ipv4Subnet;
const att = (i: number | string, ifname = 'eth0') => ({ containerId: `c${i}`, ifname });
const reservationFiles = async (dir: string) => (await readdir(dir)).filter((n) => /^\d+\.\d+\.\d+\.\d+$/.test(n)).sort();

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tug-ipam-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Allocator', () => {
  it('hands out addresses after the gateway, round-robin: a freed IP is reused last', async () => {
    const a = new Allocator(new DiskStore(dir), subnet('10.244.1.0/29')); // pods .2-.6
    expect(await a.allocate(att(1))).toBe('10.244.1.2');
    expect(await a.allocate(att(2))).toBe('10.244.1.3');
    await a.release(att(1));
    expect(await a.allocate(att(3))).toBe('10.244.1.4');
    expect(await a.allocate(att(4))).toBe('10.244.1.5');
    expect(await a.allocate(att(5))).toBe('10.244.1.6');
    expect(await a.allocate(att(6))).toBe('10.244.1.2'); // wrapped around to the freed one
  });

  it('records containerID and ifname in the reservation file, host-local format', async () => {
    const a = new Allocator(new DiskStore(dir), subnet('10.244.1.0/24'));
    const ip = await a.allocate({ containerId: 'abc', ifname: 'net1' });
    expect(await readFile(join(dir, ip), 'utf8')).toBe('abc\r\nnet1');
    expect(await readFile(join(dir, 'last_reserved_ip.0'), 'utf8')).toBe(ip);
  });

  it('continues round-robin across allocator instances (state is on disk)', async () => {
    await new Allocator(new DiskStore(dir), subnet('10.244.1.0/24')).allocate(att(1));
    expect(await new Allocator(new DiskStore(dir), subnet('10.244.1.0/24')).allocate(att(2))).toBe('10.244.1.3');
  });

  it('reports exhaustion as an IpamError of kind "exhausted"', async () => {
    const a = new Allocator(new DiskStore(dir), subnet('10.244.1.0/30')); // only .2
    await a.allocate(att(1));
    const err = await a.allocate(att(2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpamError);
    expect((err as IpamError).kind).toBe('exhausted');
    expect((err as IpamError).message).toContain('10.244.1.0/30');
  });

  it('refuses a second allocation for the same containerID+ifname, allows another ifname', async () => {
    const a = new Allocator(new DiskStore(dir), subnet('10.244.1.0/24'));
    await a.allocate(att(1));
    await expect(a.allocate(att(1))).rejects.toMatchObject({ kind: 'duplicate' });
    expect(await a.allocate(att(1, 'net1'))).toBe('10.244.1.3');
  });

  it('honours a requested IP and rejects taken or out-of-range ones', async () => {
    const a = new Allocator(new DiskStore(dir), subnet('10.244.1.0/24'));
    expect(await a.allocate(att(1), '10.244.1.50')).toBe('10.244.1.50');
    await expect(a.allocate(att(2), '10.244.1.50')).rejects.toMatchObject({ kind: 'requested-unavailable' });
    await expect(a.allocate(att(3), '10.244.1.1')).rejects.toMatchObject({ kind: 'requested-invalid' }); // gateway
    await expect(a.allocate(att(4), '10.244.2.5')).rejects.toMatchObject({ kind: 'requested-invalid' });
  });

  it('50 parallel allocations through separate instances never double-allocate', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => new Allocator(new DiskStore(dir), subnet('10.244.1.0/24')).allocate(att(i))),
    );
    expect(new Set(results).size).toBe(50);
    expect(await reservationFiles(dir)).toHaveLength(50);
    // the lock is released after the burst
    expect((await readdir(dir)).filter((n) => n.startsWith('lock'))).toEqual([]);
  });

  it('parallel allocations for the SAME attachment yield exactly one IP (duplicate check is under the lock)', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, () => new Allocator(new DiskStore(dir), subnet('10.244.1.0/24')).allocate(att('same'))),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(await reservationFiles(dir)).toHaveLength(1);
  });

  it('release is idempotent and frees only that attachment', async () => {
    const a = new Allocator(new DiskStore(dir), subnet('10.244.1.0/24'));
    const ip1 = await a.allocate(att(1));
    const ip2 = await a.allocate(att(2));
    expect(await a.release(att(1))).toEqual([ip1]);
    expect(await a.release(att(1))).toEqual([]);
    expect(await a.release(att('unknown'))).toEqual([]);
    expect(await reservationFiles(dir)).toEqual([ip2]);
  });

  it('GC frees every reservation not in the valid list, including files a crash left empty', async () => {
    const a = new Allocator(new DiskStore(dir), subnet('10.244.1.0/24'));
    for (let i = 0; i < 5; i++) await a.allocate(att(i));
    await writeFile(join(dir, '10.244.1.200'), ''); // killed between create and write
    const freed = await a.gc([att(1), att(3)]);
    expect(freed.map((r) => r.containerId).sort()).toEqual(['', 'c0', 'c2', 'c4']);
    expect(await reservationFiles(dir)).toEqual(['10.244.1.3', '10.244.1.5']);
    expect(await a.gc([att(1), att(3)])).toEqual([]);
    await a.gc([]);
    expect(await reservationFiles(dir)).toEqual([]);
  });
});

describe('file lock', () => {
  const deadPid = () => {
    const r = spawnSync('true');
    return r.pid as number;
  };

  it('excludes a second holder until released', async () => {
    const path = join(dir, 'lock');
    const release = await acquireFileLock(path);
    await expect(acquireFileLock(path, { timeoutMs: 50 })).rejects.toBeInstanceOf(LockTimeoutError);
    await release();
    const again = await acquireFileLock(path, { timeoutMs: 50 });
    await again();
    expect(await readdir(dir)).toEqual([]);
  });

  it('breaks a lock left by a dead process (kill -9 while holding it)', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, `${deadPid()} 12345 tok\n`);
    const release = await acquireFileLock(path, { timeoutMs: 1000 });
    expect(await readFile(path, 'utf8')).toContain(`${process.pid} `);
    await release();
  });

  it('breaks a lock whose PID was reused by another process (start time differs)', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, `${process.pid} 1 tok\n`); // our PID, but not our start time
    const release = await acquireFileLock(path, { timeoutMs: 1000 });
    await release();
  });

  it('breaks an empty lock file only once it is old', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, '');
    await expect(acquireFileLock(path, { timeoutMs: 60, emptyStaleMs: 5_000 })).rejects.toBeInstanceOf(LockTimeoutError);
    const old = new Date(Date.now() - 10_000);
    await utimes(path, old, old);
    const release = await acquireFileLock(path, { timeoutMs: 1000, emptyStaleMs: 5_000 });
    await release();
  });

  it('many waiters racing to break the same stale lock end with exactly one holder at a time', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, `${deadPid()} 12345 tok\n`);
    let inside = 0;
    let maxInside = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const release = await acquireFileLock(path, { timeoutMs: 5000 });
        inside++;
        maxInside = Math.max(maxInside, inside);
        await new Promise((r) => setTimeout(r, 1));
        inside--;
        await release();
      }),
    );
    expect(maxInside).toBe(1);
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes a break guard left by a dead breaker', async () => {
    const path = join(dir, 'lock');
    await writeFile(path, `${deadPid()} 12345 tok\n`);
    await writeFile(`${path}.break`, `${deadPid()} 12345 tok2\n`);
    const release = await acquireFileLock(path, { timeoutMs: 1000 });
    await release();
    expect(await readdir(dir)).toEqual([]);
  });
});
