/**
 * One probe attempt: exec (docker exec, exit 0 = success), httpGet (status 200–399, to the pod
 * IP unless `host` is set; HTTPS skips verification as upstream does) or tcpSocket (connect).
 * The kubelet runs in the node's netns, so pod IPs are reachable directly over cni0.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Docker } from './docker.js';
import type { Container, Probe } from './pod-types.js';

export type ProbeResult = { ok: true } | { ok: false; message: string };

export interface ProbeTarget {
  podIP: string;
  containerId: string;
  container: Container;
}

export interface ProbeRunner {
  run(probe: Probe, target: ProbeTarget): Promise<ProbeResult>;
}

/** A named port ("http") resolves through the container's ports. */
export function resolvePort(port: number | string, container: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

export class NetworkProbeRunner implements ProbeRunner {
  constructor(private readonly docker: Docker) {}

  async run(probe: Probe, t: ProbeTarget): Promise<ProbeResult> {
    const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
    try {
      if (probe.exec) {
        const r = await this.docker.execRun(t.containerId, probe.exec.command ?? [], timeoutMs);
        return r.exitCode === 0 ? { ok: true } : { ok: false, message: `command ${JSON.stringify((probe.exec.command ?? []).join(' '))} exited with ${r.exitCode}: ${r.output.trim().slice(0, 200)}` };
      }
      if (probe.httpGet) return await this.http(probe, t, timeoutMs);
      if (probe.tcpSocket) {
        const port = resolvePort(probe.tcpSocket.port, t.container);
        if (port === undefined) return { ok: false, message: `port ${probe.tcpSocket.port} not found` };
        return await tcpProbe(probe.tcpSocket.host || t.podIP, port, timeoutMs);
      }
      return { ok: false, message: 'probe has no handler' };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  private http(probe: Probe, t: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
    const g = probe.httpGet!;
    const port = resolvePort(g.port, t.container);
    if (port === undefined) return Promise.resolve({ ok: false, message: `port ${g.port} not found` });
    const host = g.host || t.podIP;
    const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
    for (const h of g.httpHeaders ?? []) headers[h.name] = h.value;
    const mod = g.scheme === 'HTTPS' ? https : http;
    return new Promise((resolve) => {
      const req = mod.request({ host, port, path: g.path || '/', method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false, agent: false }, (res) => {
        const code = res.statusCode ?? 0;
        res.resume();
        res.on('end', () => resolve(code >= 200 && code < 400 ? { ok: true } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` }));
        res.on('error', () => resolve({ ok: false, message: `HTTP probe failed with statuscode: ${code}` }));
      });
      req.on('timeout', () => req.destroy(new Error(`Get "${g.scheme === 'HTTPS' ? 'https' : 'http'}://${host}:${port}${g.path || '/'}": context deadline exceeded`)));
      req.on('error', (err) => resolve({ ok: false, message: err.message }));
      req.end();
    });
  }
}

export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ ok: true });
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `dial tcp ${host}:${port}: ${err.message}` });
    });
  });
}
