/**
 * Fuzz: thousands of random, truncated and mutated packets (UDP and TCP) thrown at a running
 * server on loopback. It must never crash, must answer malformed queries with FORMERR (or drop
 * them), and must keep answering well-formed queries correctly throughout.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDnsServer, type DnsServer } from '../../../dataplane/dns/server.js';
import { decode, indexOf, query, service, slice } from '../../unit/dns/fixtures.js';
import { startUpstream, type TestUpstream } from '../../unit/dns/upstream.js';
import { tcpQuery, udpQuery } from './dns-client.js';

const ADDR = '127.0.0.61';
let srv: DnsServer;
let up: TestUpstream;
let port: number;

beforeAll(async () => {
  up = await startUpstream({}, '127.0.0.62');
  const index = indexOf({
    services: [
      service('default', 'getip', { clusterIP: '10.96.0.50', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }),
      service('default', 'web', { clusterIP: 'None' }),
    ],
    slices: [slice('default', 'web-1', 'web', Array.from({ length: 40 }, (_, i) => ({ addresses: [`10.244.1.${i + 1}`] })))],
  });
  srv = createDnsServer({
    view: index, clusterDomain: 'cluster.local', upstreams: [`${up.address}:${up.port}`], listenAddresses: [ADDR], port: 0,
    metrics: new Registry(), log: pino({ level: 'silent' }), upstreamTimeoutMs: 200,
  });
  await srv.start();
  port = srv.listeners[0]!.udpAddress()!.port;
});

afterAll(async () => {
  await srv?.stop();
  await up?.close();
});

function mutate(b: Buffer): Buffer {
  const m = Buffer.from(b);
  const flips = 1 + Math.floor(Math.random() * 4);
  for (let i = 0; i < flips; i++) m[Math.floor(Math.random() * m.length)] = Math.floor(Math.random() * 256);
  return m;
}

function corpus(): Buffer[] {
  const valid = [
    query('getip.default.svc.cluster.local', 'A'), query('_http._tcp.getip.default.svc.cluster.local', 'SRV'),
    query('web.default.svc.cluster.local', 'A', { edns: { udpSize: 4096 } }), query('50.0.96.10.in-addr.arpa', 'PTR'),
    query('example.org', 'AAAA'),
  ];
  const out: Buffer[] = [];
  for (let i = 0; i < 2000; i++) out.push(randomBytes(Math.floor(Math.random() * 600)));
  for (let i = 0; i < 2000; i++) {
    const v = valid[i % valid.length]!;
    out.push(v.subarray(0, Math.floor(Math.random() * v.length)));
  }
  for (let i = 0; i < 2000; i++) out.push(mutate(valid[i % valid.length]!));
  // Hand-made nasties: pointer loops, counts far beyond the data, huge label lengths, 0-byte.
  const loop = Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  const counts = Buffer.from([0, 2, 1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 97, 0, 0, 1, 0, 1]);
  const label = Buffer.concat([Buffer.from([0, 3, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63]), Buffer.alloc(10, 97)]);
  out.push(loop, counts, label, Buffer.alloc(0), Buffer.alloc(12), Buffer.alloc(512, 0xff));
  return out;
}

/** Like a stub resolver: three tries (the kernel may drop a datagram that meets a full buffer). */
async function askWithRetries(msg: Buffer, after: number): Promise<Buffer> {
  let last: unknown;
  for (let t = 0; t < 3; t++) {
    try {
      return await udpQuery(ADDR, port, msg, { timeoutMs: 700 });
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`health check after ${after} packets: ${String(last)}`);
}

describe('fuzz', () => {
  it('keeps answering over UDP while thousands of bad packets arrive', async () => {
    const sock = createSocket('udp4');
    let replies = 0;
    let formerr = 0;
    sock.on('message', (m) => {
      replies++;
      if (m.length >= 4 && (m[3]! & 0x0f) === 1) formerr++;
    });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const packets = corpus();
    try {
      for (let i = 0; i < packets.length; i++) {
        sock.send(packets[i]!, port, ADDR);
        // A burst larger than the socket buffer is dropped by the kernel, not by us: pace a little.
        if (i % 50 === 0) await new Promise((r) => setImmediate(r));
        if (i % 500 === 0) {
          // interleaved health checks: correct answers, not just any answer
          const reply = await askWithRetries(query('getip.default.svc.cluster.local', 'A', { id: i & 0xffff }), i);
          const d = decode(reply);
          expect(d.answer).toBe('getip.default.svc.cluster.local. 5 IN A 10.96.0.50');
          await new Promise((r) => setTimeout(r, 5));
        }
      }
      await new Promise((r) => setTimeout(r, 1000));
      expect(replies).toBeGreaterThan(1000); // FORMERRs, NXDOMAINs, answers …
      expect(formerr).toBeGreaterThan(100);
      const d = decode(await askWithRetries(query('web.default.svc.cluster.local', 'A', { edns: { udpSize: 4096 } }), packets.length));
      expect(d.answer.split('\n')).toHaveLength(40);
    } finally {
      sock.close();
    }
  });

  it('keeps answering over TCP after garbage frames, truncated frames and abrupt closes', async () => {
    const packets = corpus().slice(0, 600);
    for (let c = 0; c < 30; c++) {
      await new Promise<void>((resolve) => {
        const s = connect({ host: ADDR, port });
        s.on('error', () => resolve());
        s.on('close', () => resolve());
        s.on('connect', () => {
          for (let i = c * 20; i < c * 20 + 20; i++) {
            const p = packets[i]!;
            const len = Buffer.alloc(2);
            len.writeUInt16BE(c % 3 === 0 ? p.length + 7 : p.length); // some frames promise more than they carry
            s.write(Buffer.concat([len, p]));
          }
          setTimeout(() => s.destroy(), 20);
        });
      });
    }
    const d = decode(await tcpQuery(ADDR, port, query('getip.default.svc.cluster.local', 'A')));
    expect(d.answer).toBe('getip.default.svc.cluster.local. 5 IN A 10.96.0.50');
  });
});
