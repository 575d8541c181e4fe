/**
 * DnsListener: UDP and TCP on one specific address (never 0.0.0.0: a UDP server on a wildcard
 * answers same-node pods from the wrong source address and conntrack drops the reply — recipe
 * gotcha 8). Both hand messages to the QueryPipeline.
 *
 * UDP is a raw `dgram` socket so that cache hits are answered synchronously, before anything is
 * decoded. TCP uses RFC 1035 §4.2.2 framing (2-byte length), accepts pipelined queries and answers
 * them as they complete (RFC 7766 §6.2.1.1), closes idle connections after 10 s. The framing is
 * ours rather than dns2's TCPServer because that one hands over only its own parse of the
 * message, and the pipeline works on the bytes (cache key, relaying to upstreams).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { QueryPipeline } from './pipeline.js';

const TCP_IDLE_MS = 10_000;
const TCP_MAX_CONNECTIONS = 1024;

export class DnsListener {
  private udp: UdpSocket | undefined;
  private tcp: Server | undefined;
  private readonly conns = new Set<Socket>();

  constructor(
    readonly address: string,
    private readonly port: number,
    private readonly pipeline: QueryPipeline,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const udp = createSocket({ type: isIP(this.address) === 6 ? 'udp6' : 'udp4' });
    udp.on('message', (msg, rinfo) => this.onDatagram(udp, msg, rinfo.address, rinfo.port));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ port: this.port, address: this.address, exclusive: true }, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    udp.on('error', (err) => this.log.warn({ err: err.message }, 'dns udp socket error'));
    this.udp = udp;
    // The same port for TCP (RFC 7766 requires both); 0 means "whatever UDP got".
    const port = (udp.address() as AddressInfo).port;
    const tcp = createServer((sock) => this.onConnection(sock));
    tcp.maxConnections = TCP_MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen({ port, host: this.address }, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    tcp.on('error', (err) => this.log.warn({ err: err.message }, 'dns tcp server error'));
    this.tcp = tcp;
  }

  udpAddress(): AddressInfo | undefined {
    return this.udp?.address() as AddressInfo | undefined;
  }

  tcpAddress(): AddressInfo | undefined {
    return (this.tcp?.address() ?? undefined) as AddressInfo | undefined;
  }

  async stop(): Promise<void> {
    const udp = this.udp;
    this.udp = undefined;
    if (udp) await new Promise<void>((resolve) => udp.close(() => resolve()));
    const tcp = this.tcp;
    this.tcp = undefined;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  private onDatagram(sock: UdpSocket, msg: Buffer, address: string, port: number): void {
    const r = this.pipeline.udp(msg, address, port);
    if (r === undefined) return;
    if (Buffer.isBuffer(r)) {
      sock.send(r, port, address);
      return;
    }
    r.then((reply) => {
      if (reply && this.udp === sock) sock.send(reply, port, address);
    }, (err: unknown) => this.log.warn({ err: String(err) }, 'dns query failed'));
  }

  private onConnection(sock: Socket): void {
    this.conns.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.end());
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    let buf: Buffer = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 2) {
        const len = buf.readUInt16BE(0);
        if (buf.length < 2 + len) break;
        const msg = Buffer.from(buf.subarray(2, 2 + len));
        buf = buf.subarray(2 + len);
        this.pipeline.tcp(msg, sock.remoteAddress ?? '', sock.remotePort ?? 0).then((reply) => {
          if (!reply || sock.destroyed || !sock.writable) return;
          const frame = Buffer.allocUnsafe(2 + reply.length);
          frame.writeUInt16BE(reply.length, 0);
          reply.copy(frame, 2);
          sock.write(frame);
        }, () => sock.destroy());
      }
    });
  }
}
