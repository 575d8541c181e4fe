// /portForward on the kubelet's HTTPS endpoint, in-process: the real server (client certificates,
// routes, both upgrades kubectl 1.32 tries) forwarding to a local echo server standing in for the
// pod. The requests are written by hand, byte for byte as kubectl sends them, because the `ws`
// client refuses the subprotocol name kubectl uses ('/' is not a token character).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { pino } from 'pino';
import { Gauge, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePki, type ClusterPki } from '../../../control/apiserver/pki.js';
import { createKubeletServer, KubeletHttpError, parseRoute } from '../../../dataplane/kubelet/kubelet-server.js';
import { decodeFrames } from '../../../control/cli/images/testapp/websocket.js';
import { FakeDocker } from '../../fakes/docker.js';
import { SpdyTestClient } from './spdy-test-client.js';

let pki: ClusterPki;
let pkiDir: string;
let port: number;
let echoPort: number;
let server: ReturnType<typeof createKubeletServer>;
let echo: net.Server;
const registry = new Registry();
const sessions = new Gauge({ name: 'pf_sessions', help: 'x', registers: [registry] });
const connections = new Gauge({ name: 'pf_connections', help: 'x', registers: [registry] });
const gauge = async (g: Gauge): Promise<number> => (await g.get()).values[0]?.value ?? 0;

beforeAll(async () => {
  pkiDir = mkdtempSync(join(tmpdir(), 'tug-kubelet-pf-'));
  pki = await ensurePki(pkiDir, ['127.0.0.1']);
  echo = net.createServer({ allowHalfOpen: true }, (s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echoPort = (echo.address() as AddressInfo).port;
  server = createKubeletServer({
    tls: pki.server, clientCA: pki.ca.cert, docker: new FakeDocker(), log: pino({ level: 'silent' }),
    containers: { find: async () => { throw new KubeletHttpError(404, 'NotFound', 'no containers here'); } },
    portForward: {
      targets: {
        find: async (namespace, pod, uid) => {
          if (pod === 'pending') throw new KubeletHttpError(400, 'BadRequest', `pod "${pod}" is not running (no sandbox with an IP yet)`);
          if (pod !== 'web' || (uid && uid !== 'uid-1')) throw new KubeletHttpError(404, 'NotFound', `pod "${pod}" not found`);
          return { namespace, name: pod, uid: 'uid-1', ip: '127.0.0.1' };
        },
      },
      sessions, connections,
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await new Promise((r) => echo.close(r));
  rmSync(pkiDir, { recursive: true, force: true });
});

/** Sends a raw request as the API server's relay would; resolves with the response head and the socket. */
async function request(head: string, withCert = true): Promise<{ status: number; headers: string[]; body: string; socket: tls.TLSSocket }> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca: pki.ca.cert, rejectUnauthorized: false, ...(withCert ? { cert: pki.admin.cert, key: pki.admin.key } : {}) });
  await new Promise((r) => socket.once('secureConnect', r));
  socket.write(head.replace(/\n/g, '\r\n') + '\r\n\r\n');
  let buf = Buffer.alloc(0);
  for (;;) {
    const chunk: Buffer = await new Promise((resolve, reject) => {
      socket.once('data', resolve);
      socket.once('error', reject);
      socket.once('end', () => resolve(Buffer.alloc(0)));
    });
    buf = Buffer.concat([buf, chunk]);
    const end = buf.indexOf('\r\n\r\n');
    if (end < 0 && chunk.length) continue;
    const lines = buf.subarray(0, end).toString().split('\r\n');
    const rest = buf.subarray(end + 4);
    if (rest.length) socket.unshift(rest);
    const status = Number(lines[0]!.split(' ')[1]);
    let body = '';
    if (status !== 101) {
      socket.on('data', (d: Buffer) => (body += d.toString()));
      await new Promise((r) => socket.once('close', r));
      if (lines.some((l) => /^transfer-encoding: chunked$/i.test(l))) body = dechunk(body);
    }
    return { status, headers: lines.slice(1), body, socket };
  }
}

function dechunk(text: string): string {
  let out = '';
  for (let rest = text; ;) {
    const nl = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, nl), 16);
    if (!size) return out;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
}

const spdyUpgrade = (path: string, version = 'portforward.k8s.io'): string =>
  `POST ${path} HTTP/1.1\nHost: 127.0.0.1\nConnection: Upgrade\nUpgrade: SPDY/3.1\nX-Stream-Protocol-Version: ${version}\nContent-Length: 0`;

/** The client end of a WebSocket carrying SPDY: each write becomes one masked binary message. */
function wsClientStream(socket: tls.TLSSocket): Duplex {
  let pending = Buffer.alloc(0);
  const duplex = new Duplex({
    write(chunk: Buffer, _enc, done) {
      const mask = randomBytes(4);
      const len = chunk.length;
      const head = len < 126 ? Buffer.from([0x82, 0x80 | len]) : Buffer.from([0x82, 0x80 | 126, len >> 8, len & 0xff]);
      const body = Buffer.from(chunk.map((b, i) => b ^ mask[i & 3]!));
      socket.write(Buffer.concat([head, mask, body]), done);
    },
    read() {},
  });
  socket.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    // the server's frames are unmasked; the testapp's decoder wants masked ones, so mask them with zeros
    for (;;) {
      if (pending.length < 2) return;
      const len7 = pending[1]! & 0x7f;
      const hlen = len7 === 126 ? 4 : len7 === 127 ? 10 : 2;
      const len = len7 === 126 ? pending.readUInt16BE(2) : len7 === 127 ? Number(pending.readBigUInt64BE(2)) : len7;
      if (pending.length < hlen + len) return;
      const masked = Buffer.concat([pending.subarray(0, 1), Buffer.from([pending[1]! | 0x80]), pending.subarray(2, hlen), Buffer.alloc(4), pending.subarray(hlen, hlen + len)]);
      pending = pending.subarray(hlen + len);
      for (const f of decodeFrames(masked).frames) if (f.opcode === 2) duplex.push(f.payload);
    }
  });
  socket.on('close', () => duplex.destroy());
  return duplex;
}

describe('routes', () => {
  it('/portForward/{ns}/{pod} and /portForward/{ns}/{pod}/{uid}, as upstream\'s kubelet serves them', () => {
    expect(parseRoute('/portForward/default/web')).toMatchObject({ kind: 'portForward', namespace: 'default', pod: 'web', container: '' });
    expect(parseRoute('/portForward/default/web/uid-1')).toMatchObject({ kind: 'portForward', container: 'uid-1' });
    expect(parseRoute('/portForward/default')).toBeUndefined();
  });
});

describe('the SPDY/3.1 upgrade (kubectl with KUBECTL_PORT_FORWARD_WEBSOCKETS=false, or after a refused WebSocket)', () => {
  it('answers 101 with the headers client-go checks, then forwards; the gauges count it while it lasts', async () => {
    const r = await request(spdyUpgrade('/portForward/default/web'));
    expect(r.status).toBe(101);
    expect(r.headers).toEqual(expect.arrayContaining(['Connection: Upgrade', 'Upgrade: SPDY/3.1', 'X-Stream-Protocol-Version: portforward.k8s.io']));
    const c = new SpdyTestClient(r.socket);
    const [error, data] = c.forward(echoPort, '0');
    c.data(data, 'over spdy');
    await c.until('echo', () => c.received(data) === 'over spdy');
    expect(await gauge(sessions)).toBe(1);
    expect(await gauge(connections)).toBe(1);
    c.data(data, '', true);
    await c.until('done', () => c.finished(data) && c.finished(error));
    r.socket.destroy();
    await c.until('closed', () => c.closed);
    await expect.poll(() => gauge(sessions)).toBe(0);
    await expect.poll(() => gauge(connections)).toBe(0);
  });
});

describe('the WebSocket tunnel (what kubectl 1.32 tries first)', () => {
  it('answers 101 naming SPDY/3.1+portforward.k8s.io, and SPDY split across messages flows both ways', async () => {
    const key = randomBytes(16).toString('base64');
    const r = await request(`GET /portForward/default/web HTTP/1.1\nHost: 127.0.0.1\nConnection: Upgrade\nUpgrade: websocket\nSec-WebSocket-Version: 13\nSec-WebSocket-Key: ${key}\nSec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io`);
    expect(r.status).toBe(101);
    expect(r.headers).toContain('Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io');
    expect(r.headers).toContain(`Sec-WebSocket-Accept: ${createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64')}`);
    const tunnel = wsClientStream(r.socket);
    // kubectl's framer writes field by field: put every 3 bytes in a message of its own
    const split = new Duplex({
      write(chunk: Buffer, _e, done) {
        for (let i = 0; i < chunk.length; i += 3) tunnel.write(chunk.subarray(i, i + 3));
        done();
      },
      read() {},
    });
    tunnel.on('data', (d) => split.push(d));
    const c = new SpdyTestClient(split);
    const [error, data] = c.forward(echoPort, '0');
    c.data(data, 'through the tunnel', true);
    await c.until('echo and both FINs', () => c.finished(data) && c.finished(error));
    expect(c.received(data)).toBe('through the tunnel');
    r.socket.destroy();
  });
});

describe('refusals are Status JSON kubectl can print', () => {
  it.each([
    ['an unknown pod', spdyUpgrade('/portForward/default/nope'), 404, 'pod "nope" not found'],
    ['a pod with another UID', spdyUpgrade('/portForward/default/web/uid-2'), 404, 'pod "web" not found'],
    ['a pod that is not running', spdyUpgrade('/portForward/default/pending'), 400, 'is not running'],
    ['another SPDY protocol', spdyUpgrade('/portForward/default/web', 'v4.channel.k8s.io'), 403, 'unable to negotiate protocol'],
    ['another WebSocket subprotocol', 'GET /portForward/default/web HTTP/1.1\nHost: x\nConnection: Upgrade\nUpgrade: websocket\nSec-WebSocket-Version: 13\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\nSec-WebSocket-Protocol: v5.channel.k8s.io', 400, 'SPDY/3.1+portforward.k8s.io'],
    ['no upgrade at all', 'GET /portForward/default/web HTTP/1.1\nHost: x\nConnection: close', 400, 'needs an upgrade'],
  ])('%s', async (_name, head, status, message) => {
    const r = await request(head);
    expect(r.status).toBe(status);
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', code: status });
    expect(JSON.parse(r.body).message).toContain(message);
  });

  it('a caller without the API server\'s client certificate', async () => {
    const r = await request(spdyUpgrade('/portForward/default/web'), false);
    expect(r.status).toBe(401);
  });
});
