// `kubectl top nodes|pods` end to end: `tug up --nodes 1`, a testapp pod burning CPU through its
// GET /cpu endpoint (driven by `kubectl exec … wget` inside the pod), and the real kubectl reading
// metrics.k8s.io/v1beta1, which the API server assembles from the kubelet's cgroup samples.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCluster } from '../../support/local-cluster.js';

const NAME = 'e2etop';
const cluster = localCluster(NAME);
const k = (...args: string[]): Promise<string> => cluster.k(args);
const NODE = cluster.node(1);
const POD = 'burner';

/** "123m" / "1" (cores) → millicores; "12Mi"/"512Ki"/"1Gi" → bytes. */
const millicores = (q: string): number => (q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
const bytes = (q: string): number => {
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 };
  const m = /^(\d+)(Ki|Mi|Gi)?$/.exec(q);
  return m ? Number(m[1]) * (m[2] ? units[m[2]]! : 1) : NaN;
};

/** `kubectl top … --no-headers` rows as whitespace-split columns. */
async function topRows(...args: string[]): Promise<string[][]> {
  const r = await cluster.kubectl(['top', ...args, '--no-headers']);
  if (r.code !== 0) return [];
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/));
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await fn();
    if (last !== undefined) return last;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let burning: Promise<unknown> | undefined;

beforeAll(async () => {
  const r = await cluster.tug('up', '--name', NAME, '--nodes', '1');
  if (r.code !== 0) throw new Error(`tug up failed: ${r.stderr}${r.stdout}`);
  await k('wait', '--for=condition=Ready', `node/${NODE}`, '--timeout=60s');
  await cluster.k(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: POD, labels: { app: 'burner' } },
    spec: { containers: [{ name: 'app', image: 'tugboat/testapp:latest', imagePullPolicy: 'Never' }] },
  }));
  await k('wait', '--for=condition=Ready', `pod/${POD}`, '--timeout=60s');
  // ~40 s of one busy core inside the pod; not awaited, it runs while the assertions poll.
  burning = cluster.kubectl(['exec', POD, '--', 'timeout', '45', 'wget', '-qO-', 'http://127.0.0.1:8080/cpu?ms=40000']);
}, 180_000);

afterAll(async () => {
  await cluster.stop();
  await burning;
}, 180_000);

describe('kubectl top', () => {
  it('top pods shows the burning pod with its CPU and memory', async () => {
    const row = await eventually('a busy burner row in kubectl top pods', async () => {
      const rows = await topRows('pods', '-l', 'app=burner');
      const r = rows.find((c) => c[0] === POD);
      return r && millicores(r[1]!) >= 200 ? r : undefined;
    });
    expect(row[0]).toBe(POD);
    expect(millicores(row[1]!)).toBeGreaterThanOrEqual(200);
    expect(bytes(row[2]!)).toBeGreaterThan(1024 * 1024);
    // The label selector is honoured: nothing matches another app.
    expect(await topRows('pods', '-l', 'app=nothing')).toEqual([]);
  });

  it('top pods --containers names the container', async () => {
    const rows = await topRows('pods', POD, '--containers');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.slice(0, 2)).toEqual([POD, 'app']);
    expect(bytes(rows[0]![3]!)).toBeGreaterThan(0);
  });

  it('top nodes shows the node with non-zero CPU and memory and percentages of allocatable', async () => {
    const row = await eventually('a node row in kubectl top nodes', async () => {
      const r = (await topRows('nodes')).find((c) => c[0] === NODE);
      return r && millicores(r[1]!) > 0 ? r : undefined;
    });
    expect(millicores(row[1]!)).toBeGreaterThan(0);
    expect(row[2]).toMatch(/^\d+%$/);
    expect(bytes(row[3]!)).toBeGreaterThan(1024 * 1024);
    expect(row[4]).toMatch(/^\d+%$/);
  });
});
