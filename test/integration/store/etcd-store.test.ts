/**
 * EtcdStore against a real etcd (Debian's /usr/bin/etcd) started by etcd-process.ts in a temp
 * dir on free loopback ports: the shared conformance suite, then what only a real etcd can show
 * (stored bytes, outage and recovery, supervision).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdStore } from '../../../control/store/etcd-store.js';
import { startEtcd, type EtcdProcess } from '../../../control/store/etcd-process.js';
import { findFreePort } from '../../../control/store/free-port.js';
import { StoreError } from '../../../control/store/store.js';
import { record, storeConformance } from '../../unit/store/store-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'tug-store-test-'));
let etcd: EtcdProcess | undefined;
let clientPort = 0;
let peerPort = 0;
const stores: EtcdStore[] = [];

function etcdOptions() {
  return { dataDir: join(dir, 'data'), clientPort, peerPort, logFile: join(dir, 'etcd.log') };
}

function newStore(opts: { watchCacheSize?: number } = {}): EtcdStore {
  const store = new EtcdStore({ endpoints: [`http://127.0.0.1:${clientPort}`], ...opts });
  stores.push(store);
  return store;
}

beforeAll(async () => {
  clientPort = await findFreePort();
  peerPort = await findFreePort();
  etcd = await startEtcd(etcdOptions());
});

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

storeConformance('EtcdStore', async (opts) => newStore(opts));

async function failsUnavailableWithin(p: Promise<unknown>, ms: number): Promise<void> {
  const started = Date.now();
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err, 'call should fail while etcd is down').toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe('Unavailable');
  expect(Date.now() - started).toBeLessThan(ms);
}

async function eventually<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('EtcdStore on a real etcd', () => {
  it('stores JSON without resourceVersion', async () => {
    const store = newStore();
    await store.create('/registry/core/configmaps/default/raw', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raw', resourceVersion: '42' }, data: { a: 'b' },
    });
    const raw = await store.client.get('/registry/core/configmaps/default/raw').string();
    expect(JSON.parse(raw as string)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'raw' }, data: { a: 'b' } });
  });

  it('serves recent watches from one shared window that follows the latest revision', async () => {
    const store = newStore();
    await eventually(async () => { if (!store.watchWindow().connected) throw new Error('not connected'); }, 5_000);
    const written = await store.create('/registry/core/configmaps/default/window', { metadata: { name: 'window' } });
    await eventually(async () => {
      if (store.watchWindow().lastRevision < Number(written.metadata.resourceVersion)) throw new Error('behind');
    }, 5_000);
    expect(store.watchWindow().floor).toBeLessThan(Number(written.metadata.resourceVersion));
  });

  it('progress notifications reach quiet watches (for bookmarks)', async () => {
    const store = newStore();
    const progress: number[] = [];
    const errors: StoreError[] = [];
    const handle = store.watch('/registry/quiet/', 0, {
      onEvent: () => undefined, onError: (e) => { errors.push(e); }, onProgress: (rev) => { progress.push(rev); },
    });
    const revision = await store.currentRevision();
    // the managed etcd sends progress every 5 s (--experimental-watch-progress-notify-interval)
    await eventually(async () => { if (!progress.some((r) => r >= revision)) throw new Error('no progress yet'); }, 15_000);
    expect(errors).toEqual([]);
    handle.stop();
  });

  it('a compaction while the shared watch lags: watches whose history survived carry on, older ones get Gone', async () => {
    const store = newStore({ watchCacheSize: 4 });
    const prefix = '/registry/core/configmaps/lagging/';
    await eventually(async () => { if (!store.watchWindow().connected) throw new Error('not connected'); }, 5_000);
    const before = await store.currentRevision();
    // Blocks this event loop, so the shared watch stream is not read while another client writes
    // several MB and compacts: etcd finds our watcher behind its compaction point.
    const compactedAt = Number(execFileSync(process.execPath, [
      fileURLToPath(new URL('./write-and-compact.mjs', import.meta.url)), `http://127.0.0.1:${clientPort}`, prefix, '400', '32768',
    ], { encoding: 'utf8' }).trim());
    const old = record(store, prefix, before);
    const current = record(store, prefix, compactedAt);
    expect((await old.untilError()).code).toBe('Gone');
    expect(old.events).toEqual([]);
    const next = await store.create(`${prefix}after`, { metadata: { name: 'after' } });
    await current.until((evs) => evs.length >= 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(current.events.map((e) => e.revision)).toEqual([Number(next.metadata.resourceVersion)]);
    expect(current.errors).toEqual([]);
    current.stop();
  });

  it('etcd down: calls fail Unavailable within 3 s and watches end; back up: data intact, service resumes', async () => {
    const store = newStore();
    const key = '/registry/core/configmaps/default/survivor';
    const kept = await store.create(key, { metadata: { name: 'survivor' }, data: { v: '1' } });
    const shared = record(store, '/registry/core/', Number(kept.metadata.resourceVersion));
    const dedicated = record(store, '/elsewhere/', 0); // outside the shared prefix: its own etcd watch
    await eventually(async () => { if (!store.watchWindow().connected) throw new Error('not connected'); }, 5_000);

    await etcd?.stop();
    etcd = undefined;

    const watchError = await shared.untilError(3_000);
    expect(watchError.code).toBe('Unavailable');
    expect((await dedicated.untilError(3_000)).code).toBe('Unavailable');
    await failsUnavailableWithin(store.get(key), 3_000);
    await failsUnavailableWithin(store.list('/registry/'), 3_000);
    await failsUnavailableWithin(store.create(`${key}-2`, { metadata: { name: 'x' } }), 3_000);
    await failsUnavailableWithin(store.update(key, { metadata: { name: 'survivor' } }, 1), 3_000);
    await failsUnavailableWithin(store.delete(key), 3_000);
    await failsUnavailableWithin(store.currentRevision(), 3_000);
    await failsUnavailableWithin(store.ping(), 3_000);
    const late = record(store, '/registry/core/', 0);
    expect((await late.untilError(3_000)).code).toBe('Unavailable');

    etcd = await startEtcd(etcdOptions()); // same data dir and ports
    const back = await eventually(() => store.get(key), 10_000);
    expect(back).toEqual(kept);
    const resumed = await eventually(async () => {
      const rec = record(store, '/registry/core/', Number(kept.metadata.resourceVersion));
      await new Promise((r) => setTimeout(r, 200));
      if (rec.errors.length > 0) throw rec.errors[0];
      return rec;
    }, 10_000);
    const updated = await store.update(key, { metadata: { name: 'survivor' }, data: { v: '2' } }, Number(kept.metadata.resourceVersion));
    await resumed.until((evs) => evs.some((e) => e.revision === Number(updated.metadata.resourceVersion)));
    expect(resumed.events.map((e) => e.revision)).toEqual([Number(updated.metadata.resourceVersion)]);
    resumed.stop();
  });

  it('a crashed etcd is restarted by its supervisor on the same data', async () => {
    const store = newStore();
    const key = '/registry/core/configmaps/default/crash';
    const before = await store.create(key, { metadata: { name: 'crash' } });
    const proc = etcd as EtcdProcess;
    const oldPid = proc.pid;
    process.kill(oldPid, 'SIGKILL');
    await eventually(async () => { if (proc.pid === oldPid || proc.restarts < 1) throw new Error('not restarted'); }, 10_000);
    await proc.waitHealthy(10_000);
    expect(await eventually(() => store.get(key), 10_000)).toEqual(before);
    expect(() => process.kill(oldPid, 0)).toThrow();
  });
});

describe('startEtcd', () => {
  it('fails with an error naming the log file when etcd cannot start', async () => {
    const sockets = new Set<Socket>();
    const blocker: Server = createServer((s) => { sockets.add(s); });
    const port = await findFreePort();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    const logFile = join(dir, 'blocked', 'etcd.log');
    try {
      await expect(startEtcd({ dataDir: join(dir, 'blocked', 'data'), clientPort: port, peerPort: await findFreePort(), logFile, startTimeoutMs: 10_000 }))
        .rejects.toThrow(logFile);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => blocker.close(r));
    }
  });

  it('stop() terminates etcd, waits for exit, and is idempotent', async () => {
    const proc = await startEtcd({
      dataDir: join(dir, 'second', 'data'), clientPort: await findFreePort(), peerPort: await findFreePort(),
      logFile: join(dir, 'second', 'etcd.log'),
    });
    const pid = proc.pid;
    expect(() => process.kill(pid, 0)).not.toThrow();
    await proc.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    await proc.stop();
  });
});
