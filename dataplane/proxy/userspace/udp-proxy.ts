/**
 * One UDP socket per service port. Each client (address:port) gets a session: its own socket
 * connected to the chosen endpoint, so replies can be told apart and relayed back from the
 * address the client sent to (conntrack then restores the service address). Sessions end after
 * `idleMs` without traffic, or when their endpoint goes away (what conntrack cleanup is to
 * iptables mode).
 */
import dgram from 'node:dgram';
import type { Logger } from 'pino';
import type { ProxyMetrics } from '../metrics.js';
import { endpointString } from '../core/types.js';
import type { Balancer } from './balancer.js';

interface Session {
  socket: dgram.Socket;
  endpoint: string;
  timer: NodeJS.Timeout;
  ready: boolean;
  queue: Buffer[];
}

export class UdpServiceProxy {
  private readonly socket = dgram.createSocket('udp4');
  private readonly sessions = new Map<string, Session>();
  port = 0;

  constructor(private readonly name: string, private readonly balancer: Balancer, private readonly metrics: ProxyMetrics, private readonly log: Logger, private readonly idleMs = 5000) {
    this.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    this.socket.on('error', (err) => this.log.warn({ service: name, err: err.message }, 'udp proxy socket error'));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(0, '0.0.0.0', () => {
        this.socket.off('error', reject);
        this.port = this.socket.address().port;
        resolve(this.port);
      });
    });
  }

  /** Ends the sessions whose endpoint is no longer among the balancer's. */
  dropStaleSessions(): void {
    for (const [key, s] of this.sessions) if (!this.balancer.has(s.endpoint)) this.end(key);
  }

  async close(): Promise<void> {
    for (const key of [...this.sessions.keys()]) this.end(key);
    await new Promise<void>((r) => this.socket.close(() => r()));
  }

  private onMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const key = `${rinfo.address}:${rinfo.port}`;
    let s = this.sessions.get(key);
    if (!s) {
      const ep = this.balancer.pick(rinfo.address);
      if (!ep) {
        this.metrics.connections.inc({ service: this.name, result: 'no_endpoint' });
        return;
      }
      const upstream = dgram.createSocket('udp4');
      const session: Session = { socket: upstream, endpoint: endpointString(ep), timer: setTimeout(() => this.end(key), this.idleMs), ready: false, queue: [msg] };
      s = session;
      this.sessions.set(key, session);
      this.metrics.connections.inc({ service: this.name, result: 'proxied' });
      this.metrics.udpSessions.inc({ service: this.name });
      upstream.on('error', () => this.end(key));
      upstream.on('message', (reply) => {
        this.touch(key, session);
        this.metrics.bytes.inc({ service: this.name, direction: 'to_client' }, reply.length);
        this.socket.send(reply, rinfo.port, rinfo.address);
      });
      upstream.connect(ep.port, ep.ip, () => {
        session.ready = true;
        for (const m of session.queue) this.forward(session, m);
        session.queue = [];
      });
      return;
    }
    this.touch(key, s);
    if (s.ready) this.forward(s, msg);
    else s.queue.push(msg);
  }

  private forward(s: Session, msg: Buffer): void {
    this.metrics.bytes.inc({ service: this.name, direction: 'to_endpoint' }, msg.length);
    s.socket.send(msg);
  }

  private touch(key: string, s: Session): void {
    clearTimeout(s.timer);
    s.timer = setTimeout(() => this.end(key), this.idleMs);
  }

  private end(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    clearTimeout(s.timer);
    this.metrics.udpSessions.dec({ service: this.name });
    try {
      s.socket.close();
    } catch {
      /* already closed */
    }
  }
}
