// The port-forward protocol on a SPDY session, in-process over loopback TCP: a client playing
// kubectl's part (error stream, then data stream, per connection) against servePortForward, which
// dials small servers standing in for the pod. Asserts what kubectl would see on the wire and that
// nothing stays open afterwards.
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dialErrorText, requestIdOf, servePortForward, streamHeaders, type PortForwardOptions } from '../../../dataplane/kubelet/port-forward.js';
import { choosePortForwardUpgrade } from '../../../dataplane/kubelet/port-forward-upgrade.js';
import { GOAWAY, RST } from '../../../dataplane/kubelet/spdy-frames.js';
import type { SpdySession } from '../../../dataplane/kubelet/spdy-session.js';
import { SpdyTestClient } from './spdy-test-client.js';

const TARGET = { namespace: 'default', name: 'web', uid: 'uid-1', ip: '127.0.0.1' };
const quiet = { debug: () => undefined, warn: () => undefined };
const servers: net.Server[] = [];
const clients: SpdyTestClient[] = [];
let openConnections = 0;
let sessions: SpdySession[] = [];

async function listen(server: net.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** What the pod serves: an echo that ends when the client does, HTTP, one that ignores FIN, and a closed port. */
const pod = { echo: 0, http: 0, deaf: 0, closed: 0 };
const podSockets = new Set<net.Socket>();

beforeAll(async () => {
  const track = (s: net.Socket): void => {
    podSockets.add(s);
    s.on('close', () => podSockets.delete(s));
  };
  pod.echo = await listen(net.createServer({ allowHalfOpen: true }, (s) => {
    track(s);
    s.pipe(s);
  }));
  const web = http.createServer((req, res) => res.end(JSON.stringify({ pod: 'web', path: req.url })));
  web.on('connection', track);
  pod.http = await listen(web);
  pod.deaf = await listen(net.createServer({ allowHalfOpen: true }, (s) => {
    track(s);
    s.on('data', () => s.write('still here'));
  }));
  const gone = net.createServer();
  pod.closed = await listen(gone);
  await new Promise((r) => gone.close(r));
});

afterEach(() => {
  for (const c of clients.splice(0)) c.transport.destroy();
});

afterAll(async () => {
  for (const s of podSockets) s.destroy(); // the deaf server never closes on its own
  for (const s of servers) (s as Partial<http.Server>).closeAllConnections?.();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** A kubelet-side listener running servePortForward on each connection, and a client connected to it. */
async function connect(opts: Partial<PortForwardOptions> = {}): Promise<SpdyTestClient> {
  sessions = [];
  const port = await listen(net.createServer((sock) => {
    sessions.push(servePortForward(sock, {
      target: TARGET, log: quiet, onConnection: (d) => (openConnections += d), ...opts,
    }));
  }));
  const sock = net.connect(port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const client = new SpdyTestClient(sock);
  clients.push(client);
  return client;
}

const settled = async (what: string, probe: () => boolean): Promise<void> => {
  const deadline = Date.now() + 3000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('stream headers (pure)', () => {
  const stream = (headers: Record<string, string>, id = 1) => ({ id, header: (n: string) => headers[n] });
  it('accepts kubectl\'s headers and refuses what the kubelet refuses, with its messages', () => {
    expect(streamHeaders(stream({ streamtype: 'data', port: '8080' }))).toEqual({ type: 'data', port: 8080 });
    expect(() => streamHeaders(stream({ streamtype: 'data' }))).toThrow('"port" header is required');
    expect(() => streamHeaders(stream({ streamtype: 'data', port: 'http' }))).toThrow('unable to parse "http" as a port');
    expect(() => streamHeaders(stream({ streamtype: 'data', port: '70000' }))).toThrow('unable to parse "70000" as a port');
    expect(() => streamHeaders(stream({ streamtype: 'data', port: '0' }))).toThrow('port "0" must be > 0');
    expect(() => streamHeaders(stream({ port: '80' }))).toThrow('"streamType" header is required');
    expect(() => streamHeaders(stream({ port: '80', streamtype: 'stdin' }))).toThrow('invalid stream type "stdin"');
  });

  it('pairs by requestid, or for old clients by consecutive stream ids', () => {
    expect(requestIdOf(stream({ requestid: '7' }, 9), 'data')).toBe('7');
    expect(requestIdOf(stream({}, 5), 'error')).toBe('5');
    expect(requestIdOf(stream({}, 7), 'data')).toBe('5');
  });

  it('words dial failures the way Go does, which is what kubectl users read', () => {
    expect(dialErrorText('10.244.1.5', 80, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('dial tcp4 10.244.1.5:80: connect: connection refused');
    expect(dialErrorText('10.244.1.5', 80, Object.assign(new Error('x'), { code: 'TUG_DIAL_TIMEOUT' }))).toBe('dial tcp4 10.244.1.5:80: i/o timeout');
  });
});

describe('upgrade negotiation (pure)', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as http.IncomingMessage;
  it('takes the WebSocket tunnel kubectl 1.30+ tries first, and the SPDY upgrade it falls back to', () => {
    expect(choosePortForwardUpgrade(req({ upgrade: 'websocket', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' }))).toEqual({ kind: 'websocket' });
    expect(choosePortForwardUpgrade(req({ upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' }))).toEqual({ kind: 'spdy', protocol: 'portforward.k8s.io' });
    expect(choosePortForwardUpgrade(req({ upgrade: 'SPDY/3.1' }))).toEqual({ kind: 'spdy', protocol: undefined });
  });

  it('refuses other subprotocols and versions the way kubectl can report', () => {
    expect(choosePortForwardUpgrade(req({ upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' }))).toMatchObject({ kind: 'refused', code: 400 });
    expect(choosePortForwardUpgrade(req({ upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'v4.channel.k8s.io' }))).toMatchObject({
      kind: 'refused', code: 403, message: 'unable to upgrade: unable to negotiate protocol: client supports [v4.channel.k8s.io], server accepts [portforward.k8s.io]',
    });
    expect(choosePortForwardUpgrade(req({ upgrade: 'h2c' }))).toMatchObject({ kind: 'refused', code: 400 });
  });
});

describe('forwarding connections', () => {
  it('relays one connection: SYN_REPLY before any data, bytes both ways, FIN on both streams, no error', async () => {
    const c = await connect();
    const [error, data] = c.forward(pod.echo, '0');
    c.data(data, 'hello pod');
    await c.until('echo', () => c.received(data) === 'hello pod');
    c.data(data, '', true);
    await c.until('both streams finished', () => c.finished(data) && c.finished(error));
    expect(c.of(data)[0]).toMatchObject({ type: 'synReply', streamId: data });
    expect(c.of(error)[0]).toMatchObject({ type: 'synReply', streamId: error });
    expect(c.received(error)).toBe('');
    await settled('pod connection closed', () => openConnections === 0 && podSockets.size === 0);
  });

  it('serves many connections of one session at once, each to its own answer', async () => {
    const c = await connect();
    const pairs = Array.from({ length: 25 }, (_, i) => c.forward(pod.http, String(i)));
    pairs.forEach(([, data], i) => c.data(data, `GET /n${i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
    await c.until('every answer', () => pairs.every(([, data]) => c.finished(data)));
    pairs.forEach(([, data], i) => expect(c.received(data)).toContain(`{"pod":"web","path":"/n${i}"}`));
    await settled('pod connections closed', () => openConnections === 0);
  });

  it('carries megabytes intact in both directions', async () => {
    const c = await connect();
    const [, data] = c.forward(pod.echo, '0');
    const blob = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 7919) & 0xff;
    c.data(data, blob, true);
    await c.until('the echo ends', () => c.finished(data), 10_000);
    const back = Buffer.concat(c.of(data).flatMap((f) => (f.type === 'data' ? [f.data] : [])));
    expect(back.equals(blob)).toBe(true);
  });

  it('nothing listening: the error stream carries the kubelet\'s message, and the session keeps serving', async () => {
    const c = await connect();
    const [error, data] = c.forward(pod.closed, '0');
    await c.until('the error', () => c.finished(error) && c.finished(data));
    expect(c.received(error)).toBe(`error forwarding port ${pod.closed} to pod web_default, uid uid-1: dial tcp4 127.0.0.1:${pod.closed}: connect: connection refused`);
    const [, next] = c.forward(pod.echo, '1');
    c.data(next, 'again', true);
    await c.until('the next connection', () => c.finished(next));
    expect(c.received(next)).toBe('again');
  });

  it('a pod that ignores the half-close is cut after it has been silent for the idle time', async () => {
    const c = await connect({ halfClosedIdleMs: 100 });
    const [error, data] = c.forward(pod.deaf, '0');
    c.data(data, 'ping', true);
    await c.until('closed after idling', () => c.finished(data) && c.finished(error));
    expect(c.received(data)).toBe('still here');
    await settled('pod connection closed', () => openConnections === 0);
  });

  it('requests whose other stream never comes are answered "timed out waiting for streams"', async () => {
    const c = await connect({ streamCreationTimeoutMs: 50 });
    const error = c.open({ streamtype: 'error', port: String(pod.echo), requestid: '9' });
    await c.until('the timeout message', () => c.finished(error));
    expect(c.received(error)).toBe('(request=9) timed out waiting for streams');
    expect(openConnections).toBe(0);
  });
});

describe('refusals and protocol errors', () => {
  it('streams with bad headers, or a second stream of one type, are reset without a reply', async () => {
    const c = await connect();
    const noPort = c.open({ streamtype: 'data', requestid: '0' });
    const badType = c.open({ streamtype: 'stdin', port: String(pod.echo), requestid: '1' });
    c.open({ streamtype: 'error', port: String(pod.echo), requestid: '2' });
    const twice = c.open({ streamtype: 'error', port: String(pod.echo), requestid: '2' });
    await c.until('three resets', () => [noPort, badType, twice].every((id) => c.finished(id)));
    for (const id of [noPort, badType, twice]) expect(c.of(id)).toEqual([{ type: 'rstStream', streamId: id, status: RST.refusedStream }]);
  });

  it('a stream id that is even or goes backwards is a protocol error for that stream only', async () => {
    const c = await connect();
    const port = String(pod.closed);
    c.open({ streamtype: 'error', port, requestid: '0' }, { id: 9 });
    c.open({ streamtype: 'data', port, requestid: '0' }, { id: 4 });
    c.open({ streamtype: 'data', port, requestid: '0' }, { id: 7 });
    await c.until('resets', () => c.finished(4) && c.finished(7));
    expect(c.of(4)).toEqual([{ type: 'rstStream', streamId: 4, status: RST.protocolError }]);
    expect(c.closed).toBe(false);
  });

  it('echoes the client\'s pings (odd ids) and ignores stray even ones', async () => {
    const c = await connect();
    c.send({ type: 'ping', id: 2 });
    c.send({ type: 'ping', id: 5 });
    await c.until('pong', () => c.frames.some((f) => f.type === 'ping'));
    await new Promise((r) => setTimeout(r, 20));
    expect(c.frames).toEqual([{ type: 'ping', id: 5 }]);
  });

  it('garbage ends the session with GOAWAY PROTOCOL_ERROR and the pod connections with it', async () => {
    const c = await connect();
    const [, data] = c.forward(pod.echo, '0');
    c.data(data, 'x');
    await c.until('connected', () => c.received(data) === 'x');
    c.raw(Buffer.from('80020001000000040000000000', 'hex'));
    await c.until('goaway', () => c.frames.some((f) => f.type === 'goAway'));
    expect(c.frames.find((f) => f.type === 'goAway')).toEqual({ type: 'goAway', lastGoodStreamId: data, status: GOAWAY.protocolError });
    await c.until('closed', () => c.closed);
    await settled('pod connection closed', () => openConnections === 0);
  });
});

describe('nothing outlives the session', () => {
  it('a client that vanishes (kubectl killed) takes every pod connection with it', async () => {
    const c = await connect();
    const pairs = [c.forward(pod.echo, '0'), c.forward(pod.deaf, '1'), c.forward(pod.echo, '2')];
    pairs.forEach(([, data]) => c.data(data, 'x'));
    await settled('three pod connections', () => openConnections === 3);
    const closed = new Promise((r) => sessions[0]!.once('close', r));
    c.transport.destroy();
    await closed;
    // the kubelet's sockets are closed; the deaf pod server keeps its half of one by design
    await settled('every pod connection closed', () => openConnections === 0);
    expect(sessions[0]!.openStreams).toBe(0);
  });

  it('a reset data stream closes its pod connection at once; the rest of the session goes on', async () => {
    const c = await connect();
    const [, a] = c.forward(pod.deaf, '0');
    const [, b] = c.forward(pod.echo, '1');
    c.data(a, 'x');
    await c.until('a connected', () => c.received(a) === 'still here');
    c.send({ type: 'rstStream', streamId: a, status: RST.cancel });
    c.data(b, 'b', true);
    await c.until('b done', () => c.finished(b));
    expect(c.received(b)).toBe('b');
    await settled('pod connections closed', () => openConnections === 0);
  });

  it('after GOAWAY, open streams finish and then the session closes', async () => {
    const c = await connect();
    const [error, data] = c.forward(pod.echo, '0');
    c.data(data, 'last');
    await c.until('echo', () => c.received(data) === 'last');
    c.send({ type: 'goAway', lastGoodStreamId: 0, status: GOAWAY.ok });
    const late = c.open({ streamtype: 'error', port: String(pod.closed), requestid: '5' });
    c.data(data, '', true);
    await c.until('finished', () => c.finished(data) && c.finished(error));
    await c.until('closed', () => c.closed);
    expect(c.of(late)).toEqual([]);
  });
});
