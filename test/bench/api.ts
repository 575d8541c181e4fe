/**
 * `npm run bench -- api`: API server throughput and latency on a real etcd, for 1, 16 and 64
 * concurrent clients: creates/s, get and list latency, and watch delivery latency (write
 * start → event received). Baseline in the same run: the same puts straight to etcd, so the
 * API server's cost shows as a ratio.
 */
import { Etcd3 } from 'etcd3';
import { startControlPlane } from '../support/control-plane.js';
import { findResource } from '../../control/api/resources.js';
import type { ApiClient } from '../../control/client/index.js';
import { median, percentile, type BenchResult, type BenchTable } from './report.js';

const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const PHASE_MS = Number(process.env.BENCH_PHASE_MS ?? 3000);

async function forDuration(workers: number, ms: number, op: (worker: number, i: number) => Promise<void>): Promise<{ ops: number; latencies: number[] }> {
  const latencies: number[] = [];
  const deadline = Date.now() + ms;
  let ops = 0;
  await Promise.all(Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; Date.now() < deadline; i++) {
      const t = performance.now();
      await op(w, i);
      latencies.push(performance.now() - t);
      ops++;
    }
  }));
  return { ops: (ops * 1000) / ms, latencies };
}

export async function run(): Promise<BenchResult> {
  const cp = await startControlPlane();
  const etcd = new Etcd3({ hosts: [cp.etcdEndpoint] });
  const rows: (string | number)[][] = [];
  const watchRows: (string | number)[][] = [];
  try {
    for (const c of [1, 16, 64]) {
      const clients: ApiClient[] = Array.from({ length: Math.min(c, 16) }, () => cp.client());
      const ns = `bench-${c}`;
      await clients[0]!.create(NAMESPACES, { metadata: { name: ns } });
      const created: string[] = [];
      const creates = await forDuration(c, PHASE_MS, async (w, i) => {
        created.push(`cm-${w}-${i}`);
        await clients[w % clients.length]!.create(CONFIGMAPS, { metadata: { name: `cm-${w}-${i}`, namespace: ns }, data: { v: 'x'.repeat(200) } });
      });
      const baseline = await forDuration(c, PHASE_MS, async (w, i) => {
        await etcd.put(`/bench/${c}/${w}/${i}`).value(JSON.stringify({ metadata: { name: `cm-${w}-${i}` }, data: { v: 'x'.repeat(200) } }));
      });
      const gets = await forDuration(c, PHASE_MS, async (w, i) => {
        await clients[w % clients.length]!.get(CONFIGMAPS, ns, created[(w * 7919 + i) % created.length]!);
      });
      const listNs = `${ns}-list`;
      await clients[0]!.create(NAMESPACES, { metadata: { name: listNs } });
      for (let i = 0; i < 100; i++) await clients[0]!.create(CONFIGMAPS, { metadata: { name: `l-${i}`, namespace: listNs } });
      const lists = await forDuration(c, PHASE_MS, async (w) => {
        await clients[w % clients.length]!.list(CONFIGMAPS, { namespace: listNs });
      });
      rows.push([c, creates.ops, baseline.ops, creates.ops / baseline.ops, median(creates.latencies), percentile(creates.latencies, 99),
        median(gets.latencies), percentile(gets.latencies, 99), median(lists.latencies), percentile(lists.latencies, 99)]);

      // watch delivery: c watchers on one namespace; one writer at a steady pace
      const wns = `${ns}-watch`;
      await clients[0]!.create(NAMESPACES, { metadata: { name: wns } });
      const sent = new Map<string, number>();
      const delivery: number[] = [];
      const handles = Array.from({ length: c }, (_, k) => clients[k % clients.length]!.watch(CONFIGMAPS, { namespace: wns, resourceVersion: '' }, (ev) => {
        const t0 = sent.get(ev.object.metadata.name ?? '');
        if (t0 !== undefined && ev.type === 'ADDED') delivery.push(performance.now() - t0);
      }, () => undefined));
      await new Promise((r) => setTimeout(r, 500));
      for (let i = 0; i < 200; i++) {
        const name = `w-${i}`;
        sent.set(name, performance.now());
        await clients[0]!.create(CONFIGMAPS, { metadata: { name, namespace: wns } });
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, 1000));
      for (const h of handles) h.stop();
      watchRows.push([c, handles.length, delivery.length, median(delivery), percentile(delivery, 99)]);
    }
  } finally {
    etcd.close();
    await cp.stop();
  }
  const tables: BenchTable[] = [
    {
      title: 'API server: writes and reads (ConfigMaps, real etcd on local disk)',
      columns: ['clients', 'creates/s', 'etcd puts/s (baseline)', 'ratio', 'create p50 ms', 'create p99 ms', 'get p50 ms', 'get p99 ms', 'list(100) p50 ms', 'list(100) p99 ms'],
      rows,
      notes: [`${PHASE_MS / 1000} s per phase; clients share at most 16 keep-alive connections; the baseline puts the same bytes straight into etcd`],
    },
    {
      title: 'Watch delivery latency (create request start → ADDED event at every watcher)',
      columns: ['watchers', 'streams', 'events received', 'p50 ms', 'p99 ms'],
      rows: watchRows,
    },
  ];
  return { name: 'api', tables };
}
