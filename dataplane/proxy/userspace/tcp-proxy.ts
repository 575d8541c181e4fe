/**
 * One TCP listener per service port: accepts redirected connections, picks an endpoint, connects
 * (with the old userspace proxy's growing dial timeouts, 0.25 s → 2 s) and, if that fails, tries
 * another endpoint — something iptables mode cannot do. With no endpoint left the client gets a
 * reset, not a hang. Bytes are copied both ways with half-close preserved.
 */
import net from 'node:net';
import type { Logger } from 'pino';
import type { ProxyMetrics } from '../metrics.js';
import { endpointString } from '../core/types.js';
import type { Balancer } from './balancer.js';

const DIAL_TIMEOUTS_MS = [250, 500, 1000, 2000];

export class TcpServiceProxy {
  private readonly server: net.Server;
  private readonly open = new Set<net.Socket>();
  port = 0;

  constructor(private readonly name: string, private readonly balancer: Balancer, private readonly metrics: ProxyMetrics, private readonly log: Logger) {
    this.server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, (c) => this.accept(c));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '0.0.0.0', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve(this.port);
      });
    });
  }

  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(client: net.Socket): void {
    const clientIP = (client.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.open.add(client);
    client.on('error', () => undefined);
    client.once('close', () => this.open.delete(client));
    const tried = new Set<string>();
    const attempt = (): void => {
      if (client.destroyed) return;
      const ep = this.balancer.pick(clientIP, tried);
      if (!ep) {
        this.metrics.connections.inc({ service: this.name, result: 'no_endpoint' });
        client.resetAndDestroy();
        return;
      }
      const id = endpointString(ep);
      tried.add(id);
      const upstream = net.connect({ host: ep.ip, port: ep.port, allowHalfOpen: true });
      const timer = setTimeout(() => upstream.destroy(new Error('connect timeout')), DIAL_TIMEOUTS_MS[Math.min(tried.size - 1, DIAL_TIMEOUTS_MS.length - 1)]);
      const onFail = (err: Error): void => {
        clearTimeout(timer);
        this.log.debug({ service: this.name, endpoint: id, err: err.message }, 'endpoint connect failed; trying another');
        this.metrics.connectRetries.inc({ service: this.name });
        this.balancer.forget(clientIP);
        attempt();
      };
      upstream.once('error', onFail);
      upstream.once('connect', () => {
        clearTimeout(timer);
        upstream.off('error', onFail);
        this.splice(client, upstream);
      });
    };
    attempt();
  }

  private splice(client: net.Socket, upstream: net.Socket): void {
    const service = this.name;
    this.open.add(upstream);
    this.metrics.connections.inc({ service, result: 'proxied' });
    this.metrics.activeConnections.inc({ service });
    let closed = 0;
    const onClose = (): void => {
      if (++closed === 2) {
        this.metrics.activeConnections.dec({ service });
        this.metrics.bytes.inc({ service, direction: 'to_endpoint' }, upstream.bytesWritten);
        this.metrics.bytes.inc({ service, direction: 'to_client' }, client.bytesWritten);
      }
    };
    upstream.once('close', () => {
      this.open.delete(upstream);
      onClose();
      client.destroy();
    });
    client.once('close', () => {
      onClose();
      upstream.destroy();
    });
    // A reset on either side resets the other (no silent half-open leftovers).
    upstream.on('error', () => client.resetAndDestroy());
    client.on('error', () => upstream.resetAndDestroy());
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }
}
