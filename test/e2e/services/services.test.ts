// Services end to end on `tug up --nodes 2`, as issue 5's "Done when" states them, with the real
// kubectl and tugboat/testapp: ClusterIP balance from pods on both nodes (and by DNS name),
// NodePort and externalIP from the host, readiness and scale-to-zero, hairpin, ClientIP affinity,
// and a rolling update under load. State lives in a temp TUG_STATE_ROOT; afterAll runs
// `tug down --purge` (test/support/local-cluster.ts) and removes the host route it added, also after failures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { localCluster } from '../../support/local-cluster.js';

const cluster = localCluster('e2esvc');
const node = (i: number) => cluster.node(i);
const nodeIP = (i: number) => cluster.nodeIP(i);
const k = (args: string[], input?: string) => cluster.k(args, input);
const EXTERNAL_IP = '10.200.0.100';

function hostGet(ip: string, port: number): Promise<{ pod: string; client: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port, path: '/', timeout: 5000, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve(JSON.parse(body) as { pod: string; client: string }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${ip}:${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Runs a Node.js load script inside a client pod (testapp carries node): `count` sequential GETs,
 * or GETs with `concurrency` workers for `seconds`; prints {pods:{name:n}, errors:[…], ms}.
 */
const LOADER = `
const http = require('http');
const [url, count, seconds, concurrency] = [process.argv[1], +process.argv[2], +process.argv[3], +process.argv[4]];
const pods = {}; const errors = []; const t0 = Date.now(); let done = 0;
const one = () => new Promise((r) => {
  const req = http.get(url, { agent: false, timeout: 3000 }, (res) => { let b = ''; res.on('data', (d) => b += d);
    res.on('end', () => { try { const p = JSON.parse(b).pod; pods[p] = (pods[p] || 0) + 1; } catch { errors.push('bad body ' + res.statusCode); } r(); }); });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => { errors.push(e.code || e.message); r(); });
});
const worker = async () => { while (seconds > 0 ? Date.now() - t0 < seconds * 1000 : done < count) { done++; await one(); } };
Promise.all(Array.from({ length: concurrency }, worker)).then(() => console.log(JSON.stringify({ pods, errors: errors.slice(0, 20), errorCount: errors.length, total: done, ms: Date.now() - t0 })));
`;

interface LoadResult { pods: Record<string, number>; errors: string[]; errorCount: number; total: number; ms: number }

async function load(fromPod: string, url: string, o: { count?: number; seconds?: number; concurrency?: number } = {}): Promise<LoadResult> {
  const out = await k(['exec', fromPod, '--', 'node', '-e', LOADER, url, String(o.count ?? 0), String(o.seconds ?? 0), String(o.concurrency ?? 1)]);
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}

function deployment(name: string, replicas: number, labels: Record<string, string>, version = 'v1'): string {
  return JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
    spec: {
      replicas, selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 10,
          containers: [{
            name: 'app', image: 'tugboat/testapp:latest', imagePullPolicy: 'Never',
            env: [
              { name: 'VERSION', value: version }, { name: 'SHUTDOWN_GRACE_MS', value: '5000' },
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            ],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 1 },
            lifecycle: { preStop: { exec: { command: ['sleep', '2'] } } },
          }],
        },
      },
    },
  });
}

function clientPod(name: string, nodeName: string): string {
  return JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { role: 'client' } },
    spec: { nodeName, containers: [{ name: 'app', image: 'tugboat/testapp:latest', imagePullPolicy: 'Never', env: [{ name: 'POD_NAME', value: name }] }] },
  });
}

const clusterIP = async (svc: string) => (await k(['get', 'svc', svc, '-o', 'jsonpath={.spec.clusterIP}'])).trim();
let hostRouteAdded = false;

beforeAll(async () => {
  const r = await cluster.tug('up', '--name', cluster.name, '--nodes', '2');
  if (r.code !== 0) throw new Error(`tug up failed (${r.code}): ${r.stdout}${r.stderr}`);
  await k(['apply', '-f', '-'], deployment('web', 4, { app: 'web' }));
  await k(['apply', '-f', '-'], clientPod('client-1', node(1)));
  await k(['apply', '-f', '-'], clientPod('client-2', node(2)));
  await k(['apply', '-f', '-'], `apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  type: NodePort
  selector: { app: web }
  externalIPs: [${EXTERNAL_IP}]
  ports: [{ name: http, port: 80, targetPort: http, nodePort: 30080 }]
`);
  await k(['rollout', 'status', 'deployment/web', '--timeout=180s']);
  await k(['wait', '--for=condition=Ready', 'pod/client-1', 'pod/client-2', '--timeout=120s']);
  // The host reaches the externalIP through node 1 (as a router in front of the cluster would).
  hostRouteAdded = spawnSync('ip', ['route', 'replace', `${EXTERNAL_IP}/32`, 'via', nodeIP(1), 'dev', 'tug0']).status === 0;
}, 600_000);

afterAll(async () => {
  if (hostRouteAdded) spawnSync('ip', ['route', 'del', `${EXTERNAL_IP}/32`]);
  await cluster.stop();
}, 180_000);

describe('Services on a 2-node cluster', () => {
  it('200 requests from pods on both nodes reach all 4 replicas, each 15–35 %', async () => {
    const ip = await clusterIP('web');
    for (const client of ['client-1', 'client-2']) {
      const r = await load(client, `http://${ip}/`, { count: 200 });
      expect(r.errorCount, r.errors.join(',')).toBe(0);
      expect(Object.keys(r.pods)).toHaveLength(4);
      for (const n of Object.values(r.pods)) {
        expect(n).toBeGreaterThanOrEqual(30);
        expect(n).toBeLessThanOrEqual(70);
      }
    }
  });

  it('by DNS name too (web, web.default.svc.cluster.local)', async () => {
    for (const host of ['web', 'web.default.svc.cluster.local']) {
      const r = await load('client-2', `http://${host}/`, { count: 40 });
      expect(r.errorCount, `${host}: ${r.errors.join(',')}`).toBe(0);
      expect(Object.keys(r.pods).length).toBeGreaterThanOrEqual(3);
    }
  });

  it('the NodePort answers from the host on every node IP; the externalIP answers from the host', async () => {
    for (const i of [1, 2]) expect((await hostGet(nodeIP(i), 30080)).pod).toMatch(/^web-/);
    expect(hostRouteAdded).toBe(true);
    expect((await hostGet(EXTERNAL_IP, 80)).pod).toMatch(/^web-/);
  });

  it('hairpin: a pod reaches itself through a Service that selects only it', async () => {
    const pod = (await k(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    await k(['label', 'pod', pod, 'solo=yes']);
    await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: Service\nmetadata: { name: solo }\nspec: { selector: { solo: "yes" }, ports: [{ port: 80, targetPort: 8080 }] }\n');
    const ip = await clusterIP('solo');
    let r: LoadResult | undefined;
    for (let i = 0; i < 30 && !(r && r.pods[pod] === 5); i++) {
      r = await load(pod, `http://${ip}/`, { count: 5 });
      if (r.pods[pod] !== 5) await new Promise((res) => setTimeout(res, 200));
    }
    expect(r!.pods).toEqual({ [pod]: 5 });
  });

  it('ClientIP affinity keeps one client on one pod', async () => {
    await k(['apply', '-f', '-'], 'apiVersion: v1\nkind: Service\nmetadata: { name: sticky }\nspec: { selector: { app: web }, sessionAffinity: ClientIP, ports: [{ port: 80, targetPort: 8080 }] }\n');
    const ip = await clusterIP('sticky');
    await new Promise((res) => setTimeout(res, 2000));
    for (const client of ['client-1', 'client-2']) {
      const r = await load(client, `http://${ip}/`, { count: 50 });
      expect(r.errorCount).toBe(0);
      expect(Object.keys(r.pods), JSON.stringify(r.pods)).toHaveLength(1);
    }
  });

  it('a pod failing its readiness probe stops receiving traffic within 2 s of the kubelet reporting it', async () => {
    const ip = await clusterIP('web');
    const victim = (await k(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[1].metadata.name}'])).trim();
    const victimIP = (await k(['get', 'pod', victim, '-o', 'jsonpath={.status.podIP}'])).trim();
    await k(['exec', 'client-1', '--', 'node', '-e', `require('http').request({host:'${victimIP}',port:8080,path:'/fail',method:'POST'},()=>{}).end()`]);
    await k(['wait', '--for=condition=Ready=false', `pod/${victim}`, '--timeout=30s']);
    const reported = Date.now();
    await new Promise((res) => setTimeout(res, Math.max(0, 2000 - (Date.now() - reported))));
    const r = await load('client-1', `http://${ip}/`, { count: 100 });
    expect(r.pods[victim] ?? 0).toBe(0);
    expect(r.errorCount).toBe(0);
    await k(['exec', 'client-1', '--', 'node', '-e', `require('http').request({host:'${victimIP}',port:8080,path:'/recover',method:'POST'},()=>{}).end()`]);
    await k(['wait', '--for=condition=Ready', `pod/${victim}`, '--timeout=30s']);
  });

  it('no request fails during a rolling update under constant load', async () => {
    const ip = await clusterIP('web');
    const loading = load('client-2', `http://${ip}/`, { seconds: 40, concurrency: 8 });
    await new Promise((res) => setTimeout(res, 2000));
    await k(['set', 'env', 'deployment/web', 'VERSION=v2']);
    await k(['rollout', 'status', 'deployment/web', '--timeout=120s']);
    const r = await loading;
    expect(r.total / (r.ms / 1000)).toBeGreaterThan(100);
    expect(r.errorCount, r.errors.join(',')).toBe(0);
  });

  it('scaled to zero, connections are refused at once (not a timeout)', async () => {
    await k(['scale', 'deployment/web', '--replicas=0']);
    await k(['wait', '--for=delete', 'pod', '-l', 'app=web', '--timeout=120s']);
    const ip = await clusterIP('web');
    let r: LoadResult | undefined;
    for (let i = 0; i < 20; i++) {
      r = await load('client-1', `http://${ip}/`, { count: 1 });
      if (r.errors[0] === 'ECONNREFUSED') break;
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(r!.errors).toEqual(['ECONNREFUSED']);
    expect(r!.ms).toBeLessThan(1000);
  });
});
