/**
 * A tiny upstream resolver for tests and benchmarks: dns2 on UDP and TCP of one loopback
 * port, answering from a table and counting the questions it was asked.
 */
import dns2 from 'dns2';
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';

const { Packet } = dns2;

export interface UpstreamRecord {
  type: number;
  ttl: number;
  address?: string;
  data?: string[];
}

export interface TestUpstream {
  address: string;
  port: number;
  /** `name type` → times asked (lowercased name). */
  asked: Map<string, number>;
  total(): number;
  close(): Promise<void>;
}

async function freeUdpPort(address: string): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, address, () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Unknown names get NXDOMAIN with an SOA (TTL 60, MINIMUM 30). Without `port`, a free one. */
export async function startUpstream(records: Record<string, UpstreamRecord[]>, address = '127.0.0.1', port?: number): Promise<TestUpstream> {
  const asked = new Map<string, number>();
  const make = (): ReturnType<typeof dns2.createServer> => dns2.createServer({
    udp: true,
    tcp: true,
    handle: (request, send) => {
      const q = request.questions[0]!;
      const name = q.name.toLowerCase();
      const k = `${name} ${q.type}`;
      asked.set(k, (asked.get(k) ?? 0) + 1);
      const res = Packet.createResponseFromRequest(request);
      res.header.ra = 1;
      const recs = records[name];
      if (!recs) {
        res.header.rcode = 3;
        res.authorities.push({ name: 'test', type: 6, class: 1, ttl: 60, primary: 'ns.test', admin: 'admin.test', serial: 1, refresh: 1, retry: 1, expiration: 1, minimum: 30 } as never);
      } else {
        for (const r of recs) if (r.type === q.type) res.answers.push({ name: q.name, class: 1, ...r } as never);
      }
      void send(res);
    },
  });
  for (let attempt = 0; ; attempt++) {
    const chosen = port ?? await freeUdpPort(address);
    const server = make();
    try {
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ udp: { port: chosen, address }, tcp: { port: chosen, address } }).then(resolve, reject);
      });
      server.on('error', () => { /* a test's stray packet must not crash the upstream */ });
      return {
        address, port: chosen, asked,
        total: () => [...asked.values()].reduce((a, b) => a + b, 0),
        close: () => server.close(),
      };
    } catch (err) {
      if (port !== undefined || attempt > 5) throw err;
    }
  }
}
