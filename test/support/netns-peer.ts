/**
 * Test entry for network-namespace tests: one long-lived process per namespace that can serve
 * (an HTTP server answering its name, a UDP echo "name:msg") and act as a client, driven by JSON
 * lines on stdin, answering JSON lines on stdout — much faster than a process per request.
 *
 *   {"id":1,"op":"serve","name":"a","tcp":8080,"udp":5353,"bind":"10.244.1.10"}
 *   {"id":2,"op":"http","host":"10.96.0.100","port":80,"count":20,"timeoutMs":2000}
 *     → {"id":2,"results":[{"body":"a"},{"error":"ECONNREFUSED","ms":1}]}
 *   {"id":3,"op":"udp","host":"10.96.0.100","port":53,"msg":"x","localPort":40000,"timeoutMs":1000}
 * Benchmark ops: serve {echo, sink} ports; "connect" (ms per TCP handshake), "rr" (1-byte round
 * trips on one connection), "stream" (bytes to a sink, MB/s).
 */
import http from 'node:http';
import net from 'node:net';
import dgram from 'node:dgram';
import { createInterface } from 'node:readline';

interface Req { id: number; op: string; [k: string]: unknown }
type Result = { body?: string; error?: string; ms: number };

function httpGet(host: string, port: number, timeoutMs: number, localAddress?: string): Promise<Result> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: timeoutMs, localAddress }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ body, ms: Date.now() - t0 }));
      res.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message, ms: Date.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message, ms: Date.now() - t0 }));
  });
}

const udpSockets = new Map<number, dgram.Socket>();

async function udpAsk(host: string, port: number, msg: string, localPort: number, timeoutMs: number): Promise<Result> {
  const t0 = Date.now();
  let sock = udpSockets.get(localPort);
  if (!sock) {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(localPort, r));
    udpSockets.set(localPort, sock = s);
  }
  const s = sock;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      s.off('message', onMsg);
      resolve({ error: 'TIMEOUT', ms: Date.now() - t0 });
    }, timeoutMs);
    const onMsg = (m: Buffer) => {
      clearTimeout(timer);
      resolve({ body: String(m), ms: Date.now() - t0 });
    };
    s.once('message', onMsg);
    s.send(msg, port, host);
  });
}

const hr = () => Number(process.hrtime.bigint()) / 1e6;

async function connectTimes(host: string, port: number, count: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = hr();
    await new Promise<void>((resolve, reject) => {
      const c = net.connect({ host, port }, () => {
        out.push(hr() - t0);
        c.destroy();
        resolve();
      });
      c.on('error', reject);
    });
  }
  return out;
}

async function roundTrips(host: string, port: number, count: number): Promise<number[]> {
  const c = net.connect({ host, port, noDelay: true });
  await new Promise<void>((r, j) => c.once('connect', r).once('error', j));
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const t0 = hr();
    await new Promise<void>((r) => {
      c.once('data', () => r());
      c.write('x');
    });
    out.push(hr() - t0);
  }
  c.destroy();
  return out;
}

async function stream(host: string, port: number, bytes: number): Promise<number> {
  const chunk = Buffer.alloc(256 * 1024, 7);
  const c = net.connect({ host, port });
  await new Promise<void>((r, j) => c.once('connect', r).once('error', j));
  const t0 = hr();
  let sent = 0;
  const done = new Promise<void>((r) => c.on('data', () => r()));
  while (sent < bytes) {
    sent += chunk.length;
    if (!c.write(chunk)) await new Promise((r) => c.once('drain', r));
  }
  c.end();
  await done;
  return sent / 1e6 / ((hr() - t0) / 1000);
}

async function handle(r: Req): Promise<unknown> {
  switch (r.op) {
    case 'serve': {
      const name = String(r.name);
      const bind = (r.bind as string | undefined) ?? '0.0.0.0';
      if (r.tcp) await new Promise<void>((res) => http.createServer((_q, s) => s.end(name)).listen(Number(r.tcp), bind, res));
      if (r.echo) await new Promise<void>((res) => net.createServer((c) => c.pipe(c)).listen(Number(r.echo), bind, res));
      if (r.sink) {
        await new Promise<void>((res) => net.createServer((c) => {
          let n = 0;
          c.on('data', (d) => (n += d.length));
          c.on('end', () => c.end(String(n)));
        }).listen(Number(r.sink), bind, res));
      }
      if (r.udp) {
        const u = dgram.createSocket('udp4');
        u.on('message', (m, ri) => u.send(`${name}:${m}`, ri.port, ri.address));
        await new Promise<void>((res) => u.bind(Number(r.udp), bind, res));
      }
      return { ok: true };
    }
    case 'http': {
      const results: Result[] = [];
      for (let i = 0; i < Number(r.count ?? 1); i++) results.push(await httpGet(String(r.host), Number(r.port), Number(r.timeoutMs ?? 2000), r.localAddress as string | undefined));
      return { results };
    }
    case 'udp':
      return { results: [await udpAsk(String(r.host), Number(r.port), String(r.msg), Number(r.localPort ?? 0), Number(r.timeoutMs ?? 1000))] };
    case 'connect':
      return { ms: await connectTimes(String(r.host), Number(r.port), Number(r.count ?? 1)) };
    case 'rr':
      return { ms: await roundTrips(String(r.host), Number(r.port), Number(r.count ?? 1)) };
    case 'stream':
      return { mbps: await stream(String(r.host), Number(r.port), Number(r.bytes)) };
    default:
      return { error: `unknown op ${r.op}` };
  }
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let req: Req;
  try {
    req = JSON.parse(line) as Req;
  } catch {
    return;
  }
  void handle(req).then((out) => process.stdout.write(JSON.stringify({ id: req.id, ...(out as object) }) + '\n'));
});
rl.on('close', () => process.exit(0));
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
