// `kubectl port-forward` on a real `tug up --nodes 1` cluster, driven the way a user does: the real
// kubectl 1.32 (WebSocket tunnel first, SPDY/3.1 when told), HTTP requests to the local port, the
// pod's own answer naming it. Also what goes wrong: a port nothing listens on, and kubectl killed
// with a connection open, after which the agent must hold nothing and keep serving.
// Run under the shared lock: flock /tmp/tug-e2e.lock npx vitest run test/e2e/port-forward
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { localCluster, until } from '../../support/local-cluster.js';

const NAME = 'e2epf';
const cluster = localCluster(NAME);
const k = (...args: string[]): Promise<string> => cluster.k(args);
const kubectls: ChildProcess[] = [];
const APP = { image: 'tugboat/testapp:latest', imagePullPolicy: 'IfNotPresent' };

/** A running `kubectl port-forward`; `see` waits for a line of its output. */
function portForward(args: string[], env: NodeJS.ProcessEnv = {}) {
  const p = spawn('kubectl', ['--kubeconfig', cluster.kubeconfig, 'port-forward', ...args], { env: { ...cluster.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  kubectls.push(p);
  let out = '';
  let err = '';
  p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number>((resolve) => p.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1))));
  return {
    process: p,
    exited,
    out: () => out,
    err: () => err,
    async see(pattern: RegExp): Promise<RegExpMatchArray> {
      return until(`kubectl port-forward ${args.join(' ')} printing ${pattern}`, async () => {
        if (p.exitCode !== null) throw new Error(`kubectl exited ${p.exitCode}: ${out}${err}`);
        return (out + err).match(pattern) ?? undefined;
      }, 30_000, 100);
    },
  };
}

/** GET / on a fresh connection to the forwarded local port: the testapp's identity JSON. */
function get(port: number): Promise<{ pod: string; ip: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as { pod: string; ip: string });
        } catch {
          reject(new Error(`not JSON (${res.statusCode}): ${body}`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** The agent's port-forward gauges, from its /metrics on nodeIP:10249. */
async function agentGauges(): Promise<{ sessions: number; connections: number }> {
  const text = await new Promise<string>((resolve, reject) => {
    http.get({ host: cluster.nodeIP(1), port: 10249, path: '/metrics', agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
  const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { sessions: value('kubelet_port_forward_sessions'), connections: value('kubelet_port_forward_connections') };
}

/** Established TCP connections to the pod's app port inside the node's network namespace (where the agent runs). */
function nodeConnectionsTo(podIP: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', cluster.node(1), 'ss', '-Htn', 'state', 'established', 'dst', `${podIP}:8080`], (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout.split('\n').filter((l) => l.trim()).length);
    });
  });
}

let solo = { uid: '', ip: '' };

beforeAll(async () => {
  const r = await cluster.tug('up', '--name', NAME, '--nodes', '1');
  if (r.code !== 0) throw new Error(`tug up failed: ${r.stderr}${r.stdout}`);
  await cluster.k(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo' }, spec: { containers: [{ name: 'app', ...APP, ports: [{ containerPort: 8080 }] }] } },
      {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
        spec: {
          replicas: 1, selector: { matchLabels: { app: 'web' } },
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', ...APP, ports: [{ containerPort: 8080 }] }] } },
        },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } },
    ],
  }));
  await k('wait', '--for=condition=Ready', 'pod/solo', '--timeout=120s');
  await k('wait', '--for=condition=Ready', 'pod', '-l', 'app=web', '--timeout=120s');
  const [uid, ip] = (await k('get', 'pod', 'solo', '-o', 'jsonpath={.metadata.uid} {.status.podIP}')).trim().split(' ');
  solo = { uid: uid!, ip: ip! };
}, 240_000);

const stopKubectls = (): void => {
  for (const p of kubectls.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
};

afterEach(stopKubectls); // a failed test must not leave its port-forward running into the next

afterAll(async () => {
  stopKubectls();
  await cluster.stop();
}, 180_000);

describe('kubectl port-forward', () => {
  it('pod/NAME 18080:8080: sequential and concurrent requests reach the pod (over the WebSocket tunnel)', async () => {
    const pf = portForward(['pod/solo', '18080:8080', '-v=4']); // -v=4 shows which dialer won
    await pf.see(/Forwarding from 127\.0\.0\.1:18080 -> 8080/);
    expect(pf.err()).toContain('negotiated protocol: portforward.k8s.io');
    expect(pf.err()).not.toContain('fallback to secondary dialer');
    for (let i = 0; i < 5; i++) expect(await get(18080)).toMatchObject({ pod: 'solo', ip: solo.ip });
    const together = await Promise.all(Array.from({ length: 8 }, () => get(18080)));
    expect(together.map((a) => a.pod)).toEqual(Array(8).fill('solo'));
    expect(pf.out().match(/Handling connection for 18080/g)).toHaveLength(13);
    pf.process.kill('SIGINT');
    expect(await pf.exited).toBe(0);
    expect(pf.err()).not.toMatch(/^E\d{4} /m); // no klog error lines
  });

  it('svc/NAME :80: kubectl picks a pod of the service and a free local port, and maps 80 to the targetPort', async () => {
    const pf = portForward(['svc/web', ':80']);
    const m = await pf.see(/Forwarding from 127\.0\.0\.1:(\d+) -> 8080/);
    const port = Number(m[1]);
    expect(port).toBeGreaterThan(0);
    const answer = await get(port);
    expect(answer.pod).toMatch(/^web-[a-z0-9]+-[a-z0-9]+$/);
    expect((await get(port)).pod).toBe(answer.pod);
    pf.process.kill('SIGINT');
    await pf.exited;
  });

  it('deploy/NAME over the SPDY/3.1 upgrade (KUBECTL_PORT_FORWARD_WEBSOCKETS=false) works the same', async () => {
    const pf = portForward(['deploy/web', '18086:8080'], { KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' });
    await pf.see(/Forwarding from 127\.0\.0\.1:18086 -> 8080/);
    const answers = await Promise.all([get(18086), get(18086), get(18086)]);
    expect(answers.every((a) => a.pod.startsWith('web-'))).toBe(true);
    pf.process.kill('SIGINT');
    await pf.exited;
  });

  it('a port nothing listens on: kubectl prints the kubelet\'s error (and, being 1.23+, gives up); the next port-forward works', async () => {
    const pf = portForward(['pod/solo', '18081:9999']);
    await pf.see(/Forwarding from 127\.0\.0\.1:18081 -> 9999/);
    await expect(get(18081)).rejects.toThrow();
    expect(await pf.exited).toBe(1);
    expect(pf.err()).toContain(`an error occurred forwarding 18081 -> 9999: error forwarding port 9999 to pod solo_default, uid ${solo.uid}: dial tcp4 ${solo.ip}:9999: connect: connection refused`);
    expect(pf.err()).toContain('error: lost connection to pod');

    const next = portForward(['pod/solo', '18082:8080']);
    await next.see(/Forwarding from 127\.0\.0\.1:18082 -> 8080/);
    expect((await get(18082)).pod).toBe('solo');
    next.process.kill('SIGINT');
    await next.exited;
  });

  it('kubectl killed with a connection open: the agent closes the pod connection, holds no session, keeps serving', async () => {
    await until('no session from earlier tests', async () => (await agentGauges()).sessions === 0, 10_000);
    const pf = portForward(['pod/solo', '18083:8080']);
    await pf.see(/Forwarding from 127\.0\.0\.1:18083 -> 8080/);
    // a keep-alive request whose connection stays open through kubectl, the agent and the pod
    const held = net.connect(18083, '127.0.0.1');
    held.on('error', () => undefined);
    held.write('GET / HTTP/1.1\r\nHost: solo\r\n\r\n');
    await new Promise((resolve) => held.once('data', resolve));
    expect(await agentGauges()).toEqual({ sessions: 1, connections: 1 });
    expect(await nodeConnectionsTo(solo.ip)).toBe(1);

    pf.process.kill('SIGKILL');
    await pf.exited;
    await until('the agent released the session and the pod connection', async () => {
      const g = await agentGauges();
      return g.sessions === 0 && g.connections === 0 && (await nodeConnectionsTo(solo.ip)) === 0;
    }, 15_000);
    held.destroy();

    const again = portForward(['pod/solo', '18084:8080']);
    await again.see(/Forwarding from 127\.0\.0\.1:18084 -> 8080/);
    expect((await get(18084)).pod).toBe('solo');
    again.process.kill('SIGINT');
    await again.exited;
    await until('no session left', async () => (await agentGauges()).sessions === 0, 10_000);
  });
});
