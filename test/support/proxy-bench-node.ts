/**
 * Benchmark entry, run inside a node network namespace: loads a synthetic model of N Services
 * into a proxy backend (the real iptables binaries, no API server) and reports sync times.
 * Driven by JSON lines on stdin:
 *   {"op":"load","mode":"iptables","count":1000,"rounds":3,"target":{"ip":"10.214.1.10","port":8080}}
 *   → {"full":[ms…],"partial":[ms…],"rules":N}
 * Service i gets 10.97.x.y:80 with two endpoints that do not exist; target i is "zz/target-i"
 * (10.96.0.(100+i):80 → target), sorted last, so its rule is the last a first packet meets.
 */
import { createInterface } from 'node:readline';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { ProxyBackend } from '../../dataplane/proxy/backend.js';
import { buildIptablesBackend } from '../../dataplane/proxy/iptables/iptables-backend.js';
import { buildUserspaceBackend } from '../../dataplane/proxy/userspace/userspace-backend.js';
import { execIptables } from '../../dataplane/proxy/iptables/iptables.js';
import { buildProxyMetrics } from '../../dataplane/proxy/metrics.js';
import type { Endpoint, ProxyModel, ServicePort } from '../../dataplane/proxy/core/types.js';

const log = pino({ level: 'warn' }, pino.destination(2));
const nodeIP = process.argv[2] ?? '10.213.0.11';
const clusterCidr = process.argv[3] ?? '10.214.0.0/16';
let backend: ProxyBackend | undefined;

function port(key: string, clusterIP: string): ServicePort {
  return { name: `${key}:http`, serviceKey: key, portName: 'http', protocol: 'TCP', clusterIP, port: 80, nodePort: 0, externalIPs: [], affinitySeconds: 0, internalPolicyLocal: false, externalPolicyLocal: false };
}
const ep = (ip: string, p: number): Endpoint => ({ ip, port: p, ready: true, serving: true, terminating: false, nodeName: 'node-1' });

function model(count: number, targets: { ip: string; port: number }[], salt: number): ProxyModel {
  const services = new Map<string, ServicePort[]>();
  const endpoints = new Map<string, Map<string, Endpoint[]>>();
  for (let i = 0; i < count; i++) {
    const key = `bench/svc-${String(i).padStart(5, '0')}`;
    services.set(key, [port(key, `10.97.${Math.floor(i / 250)}.${(i % 250) + 1}`)]);
    const e = i === 0 ? salt : 0; // service 0's endpoints change between rounds (the partial sync)
    endpoints.set(key, new Map([['http/TCP', [ep(`10.215.${Math.floor(i / 250)}.${(i % 250) + 1}`, 8080 + e), ep(`10.216.${Math.floor(i / 250)}.${(i % 250) + 1}`, 8080)]]]));
  }
  targets.forEach((t, i) => {
    const key = `zz/target-${i}`;
    services.set(key, [port(key, `10.96.0.${100 + i}`)]);
    endpoints.set(key, new Map([['http/TCP', [ep(t.ip, t.port)]]]));
  });
  return { services, endpoints };
}

async function load(mode: 'iptables' | 'userspace', count: number, rounds: number, targets: { ip: string; port: number }[]) {
  if (backend) await backend.stop();
  const ctx = { nodeName: 'node-1', nodeIP, clusterCidr, log };
  const iptables = execIptables();
  backend = mode === 'iptables'
    ? buildIptablesBackend({ ...ctx, iptables, conntrack: { clearUdp: async () => undefined } })
    : buildUserspaceBackend({ ...ctx, iptables, metrics: buildProxyMetrics(new Registry()) });
  const full: number[] = [];
  const partial: number[] = [];
  let rules = 0;
  let salt = 0;
  for (let r = 0; r < rounds; r++) {
    const m = model(count, targets, salt);
    const t0 = performance.now();
    const res = await backend.sync(m, { changed: new Set(m.services.keys()), triggerTimes: [] }, true);
    full.push(performance.now() - t0);
    rules = res.natRules + res.filterRules;
  }
  for (let r = 0; r < rounds; r++) {
    const m = model(count, targets, ++salt);
    const t0 = performance.now();
    await backend.sync(m, { changed: new Set(['bench/svc-00000']), triggerTimes: [] }, false);
    partial.push(performance.now() - t0);
  }
  return { full, partial, rules };
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const req = JSON.parse(line) as { id: number; op: string; mode: 'iptables' | 'userspace'; count: number; rounds: number; targets: { ip: string; port: number }[] };
  void load(req.mode, req.count, req.rounds, req.targets).then(
    (out) => process.stdout.write(JSON.stringify({ id: req.id, ...out }) + '\n'),
    (err: Error) => process.stdout.write(JSON.stringify({ id: req.id, error: err.message }) + '\n'),
  );
});
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
