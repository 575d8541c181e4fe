/**
 * `npm run bench -- pods [--sizes 1,10,50] [--rounds 3]`: pod startup latency through the whole
 * path — `kubectl apply` of N pods → (bound by spec.nodeName) → kubelet in a node netns → pause
 * container + CNI ADD + app container → Ready seen by a watch — for N = 1, 10, 50.
 * Baseline in the same run: N plain `docker run -d --network none` of the same image started
 * concurrently (what a pod costs in Docker alone, without sandbox, CNI or the API). Per-pod
 * latency = apply start → that pod's Ready; figures are medians over rounds of p50/p99.
 */
import { spawn } from 'node:child_process';
import { findResource } from '../../control/api/resources.js';
import type { KubeObject, WatchEvent } from '../../control/api/object.js';
import { buildImages, TESTAPP_IMAGE } from '../../control/cli/images/index.js';
import { startControlPlane } from '../support/control-plane.js';
import { startKubeletNode } from '../support/kubelet-harness.js';
import { median, percentile, type BenchResult } from './report.js';

const PODS = findResource('', 'v1', 'pods')!;
const BENCH_LABEL = 'tugboat.bench=pods';

interface PodShape extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string }> };
}

function arg(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
}

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    p.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`docker ${args[0]}: ${err.trim()}`))));
  });
}

/** N concurrent `docker run -d` (they return once the container runs); latency of each. */
async function dockerRunBaseline(n: number): Promise<number[]> {
  const t0 = performance.now();
  const lat = await Promise.all(Array.from({ length: n }, async () => {
    await docker(['run', '-d', '--network', 'none', '--label', BENCH_LABEL, TESTAPP_IMAGE]);
    return performance.now() - t0;
  }));
  const ids = (await docker(['ps', '-aq', '--filter', `label=${BENCH_LABEL}`])).split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', ...ids]);
  return lat;
}

function manifest(n: number, round: string): string {
  return Array.from({ length: n }, (_, i) => `apiVersion: v1
kind: Pod
metadata: {name: bench-${round}-${i}, labels: {tugboat.bench: pods}}
spec:
  nodeName: tugt-kl-1
  terminationGracePeriodSeconds: 5
  containers: [{name: app, image: "${TESTAPP_IMAGE}", imagePullPolicy: IfNotPresent}]
`).join('---\n');
}

export async function run(args: string[]): Promise<BenchResult> {
  const sizes = arg(args, 'sizes', '1,10,50').split(',').map(Number);
  const rounds = Number(arg(args, 'rounds', '3'));
  await buildImages();
  const cp = await startControlPlane();
  const rows: (string | number)[][] = [];
  let node;
  try {
    node = await startKubeletNode(cp, 1);
    const client = cp.client();
    for (const n of sizes) {
      const pods = { p50: [] as number[], p99: [] as number[], all: [] as number[] };
      const base = { p50: [] as number[], p99: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        const b = await dockerRunBaseline(n);
        base.p50.push(median(b));
        base.p99.push(percentile(b, 99));

        const readyAt = new Map<string, number>();
        let t0 = 0;
        let done: () => void = () => undefined;
        const allReady = new Promise<void>((res) => (done = res));
        const watch = client.watch<PodShape>(PODS, { namespace: 'default', labelSelector: BENCH_LABEL }, (ev: WatchEvent<PodShape>) => {
          const ready = ev.object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
          const name = ev.object.metadata.name ?? '';
          if (ready && t0 && !readyAt.has(name)) {
            readyAt.set(name, performance.now() - t0);
            if (readyAt.size === n) done();
          }
        }, () => undefined);
        await new Promise((res) => setTimeout(res, 200));
        t0 = performance.now();
        await cp.k(['apply', '-f', '-'], manifest(n, `${n}-${r}`));
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([allReady, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`${n} pods not Ready within 180 s (${readyAt.size} were)`)), 180_000)))]);
        } finally {
          clearTimeout(timer);
          watch.stop();
        }
        const lat = [...readyAt.values()];
        pods.p50.push(median(lat));
        pods.p99.push(percentile(lat, 99));
        pods.all.push(Math.max(...lat));
        const t1 = performance.now();
        await cp.k(['delete', 'pods', '-l', BENCH_LABEL, '--wait=true', '--timeout=180s']);
        process.stderr.write(`pods=${n} round ${r + 1}: all Ready in ${Math.round(Math.max(...lat))} ms, deleted in ${Math.round(performance.now() - t1)} ms\n`);
      }
      const p50 = median(pods.p50);
      rows.push([n, median(base.p50), median(base.p99), p50, median(pods.p99), median(pods.all), p50 / median(base.p50)]);
    }
  } finally {
    await node?.stop();
    await cp.stop();
    const ids = (await docker(['ps', '-aq', '--filter', `label=${BENCH_LABEL}`]).catch(() => '')).split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', ...ids]).catch(() => undefined);
  }
  return {
    name: 'pods',
    tables: [{
      title: `Pod startup latency (apply → Ready), medians of ${rounds} rounds`,
      columns: ['pods', 'docker run p50 ms', 'docker run p99 ms', 'pod p50 ms', 'pod p99 ms', 'all Ready ms', 'p50 ratio pod/docker'],
      rows,
      notes: [
        'baseline: N concurrent `docker run -d --network none` of tugboat/testapp (no sandbox, CNI or API)',
        'pods: kubectl apply of N pods bound to one kubelet (pause + tug-cni ADD + app container each), Ready seen by a watch',
        'upstream SLO: p99 ≤ 5 s excluding image pulls; target here: p99 < 2 s at 50 pods',
      ],
    }],
  };
}
