/**
 * Forwarder: sends a client's query, as bytes, to upstream resolvers and returns their reply.
 *
 * Why not dns2's UDPClient: it builds a new query from (name, type) — unknown types (HTTPS, SVCB)
 * cannot be asked, the client's EDNS/DO/CD bits are lost — and opens a socket per query. CoreDNS's
 * forward plugin also relays the message itself.
 *
 * Guarantees:
 * - Each upstream query carries a fresh random ID; a reply is accepted only from the upstream it
 *   was sent to, with that ID and the same question (RFC 5452 §9.1); the caller gets the reply
 *   with its own ID back.
 * - A truncated (TC) UDP reply is retried over TCP to the same upstream.
 * - Timeouts move on to the next upstream (sequentially, remembering which one answered last);
 *   when all attempts fail the promise rejects (the caller answers SERVFAIL).
 */
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { isIP } from 'node:net';
import { randomInt } from 'node:crypto';

export interface Upstream {
  host: string;
  port: number;
}

/** '10.0.0.2', '10.0.0.2:5353', '[fd00::1]:53', 'fd00::1' → host and port. */
export function parseUpstream(text: string): Upstream {
  const t = text.trim();
  const v6 = /^\[(.+)\](?::(.*))?$/.exec(t);
  const [host, port] = v6 ? [v6[1]!, v6[2]] : isIP(t) === 6 ? [t, undefined] : t.split(':');
  if (!host || isIP(host) === 0) throw new Error(`upstream "${text}" is not an IP address (IP, IP:PORT or [IPv6]:PORT)`);
  if (port === undefined) return { host, port: 53 };
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65535) throw new Error(`upstream "${text}": port "${port}" is not 1-65535`);
  return { host, port: n };
}

/** Flag values (repeated and/or comma-separated) → the upstream list; throws naming a bad entry. */
export function parseUpstreamList(values: readonly string[], flag: string): string[] {
  const list = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  for (const u of list) {
    try {
      parseUpstream(u);
    } catch (err) {
      throw new Error(`${flag}: ${(err as Error).message}`);
    }
  }
  return list;
}

export interface ForwarderOptions {
  /** Per attempt; default 2000 ms. */
  timeoutMs?: number;
  /** Total attempts over the upstream list; default max(2, number of upstreams). */
  attempts?: number;
}

interface Pending {
  resolve(reply: Buffer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  upstream: Upstream;
  question: Buffer;
}

export class Forwarder {
  private readonly pending = new Map<number, Pending>();
  private readonly sockets = new Map<4 | 6, Socket>();
  private preferred = 0;
  private closed = false;
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(readonly upstreams: readonly Upstream[], opts: ForwarderOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
    this.attempts = opts.attempts ?? Math.max(2, upstreams.length);
  }

  /** The upstream's reply to `query`, carrying `query`'s ID. */
  async exchange(query: Buffer): Promise<Buffer> {
    if (this.upstreams.length === 0) throw new Error('no upstream resolvers configured');
    if (query.length < 12) throw new Error('query too short');
    let lastErr: Error = new Error('no attempt made');
    for (let attempt = 0; attempt < this.attempts && !this.closed; attempt++) {
      const index = (this.preferred + attempt) % this.upstreams.length;
      const upstream = this.upstreams[index]!;
      try {
        const reply = await this.udpExchange(upstream, query);
        this.preferred = index;
        return reply;
      } catch (err) {
        lastErr = err as Error;
      }
    }
    throw lastErr;
  }

  close(): void {
    this.closed = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('forwarder closed'));
    }
    this.pending.clear();
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  private socketFor(family: 4 | 6): Socket {
    let s = this.sockets.get(family);
    if (!s) {
      s = createSocket(family === 6 ? 'udp6' : 'udp4');
      s.on('message', (msg, rinfo) => this.onReply(msg, rinfo.address, rinfo.port));
      s.on('error', () => { /* per-query timeouts report failures */ });
      this.sockets.set(family, s);
    }
    return s;
  }

  private udpExchange(upstream: Upstream, query: Buffer): Promise<Buffer> {
    const clientId = query.readUInt16BE(0);
    let id = randomInt(0x10000);
    for (let i = 0; i < 16 && this.pending.has(id); i++) id = randomInt(0x10000);
    if (this.pending.has(id)) return Promise.reject(new Error('too many queries in flight'));
    const out = Buffer.from(query);
    out.writeUInt16BE(id, 0);
    const qEnd = questionEnd(query);
    const question = qEnd > 12 ? query.subarray(12, qEnd) : Buffer.alloc(0);
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`upstream ${upstream.host}:${upstream.port} timed out`));
      }, this.timeoutMs);
      this.pending.set(id, {
        upstream, question, timer,
        resolve: (reply) => {
          if ((reply[2]! & 0x02) !== 0) {
            // Truncated: ask the same upstream over TCP, with the same ID.
            this.tcpExchange(upstream, out).then((full) => resolve(withId(full, clientId)), reject);
          } else {
            resolve(withId(reply, clientId));
          }
        },
        reject,
      });
      this.socketFor(isIP(upstream.host) === 6 ? 6 : 4).send(out, upstream.port, upstream.host, (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  private onReply(msg: Buffer, address: string, port: number): void {
    if (msg.length < 12) return;
    const id = msg.readUInt16BE(0);
    const p = this.pending.get(id);
    if (!p || p.upstream.port !== port || !sameAddress(p.upstream.host, address)) return;
    const qEnd = questionEnd(msg);
    if (qEnd < 0 || !sameQuestion(msg.subarray(12, qEnd), p.question)) return;
    this.pending.delete(id);
    clearTimeout(p.timer);
    p.resolve(msg);
  }

  private tcpExchange(upstream: Upstream, query: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const sock = connect({ host: upstream.host, port: upstream.port });
      const chunks: Buffer[] = [];
      let size = 0;
      const fail = (err: Error): void => { sock.destroy(); reject(err); };
      sock.setTimeout(this.timeoutMs, () => fail(new Error(`upstream ${upstream.host}:${upstream.port} TCP timed out`)));
      sock.on('error', fail);
      sock.on('connect', () => {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(query.length);
        sock.write(Buffer.concat([len, query]));
      });
      sock.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size < 2) return;
        const all = Buffer.concat(chunks);
        const want = all.readUInt16BE(0);
        if (all.length < 2 + want) return;
        sock.destroy();
        const reply = all.subarray(2, 2 + want);
        if (reply.length < 12 || reply.readUInt16BE(0) !== query.readUInt16BE(0)) reject(new Error('bad TCP reply'));
        else resolve(reply);
      });
      sock.on('end', () => fail(new Error('upstream closed the TCP connection early')));
    });
  }
}

function withId(reply: Buffer, id: number): Buffer {
  const out = Buffer.from(reply);
  out.writeUInt16BE(id, 0);
  return out;
}

/** Offset after the first question (uncompressed name + 4), or -1. */
export function questionEnd(msg: Buffer): number {
  if (msg.length < 12 || msg.readUInt16BE(4) === 0) return 12;
  let pos = 12;
  for (let hops = 0; hops < 128; hops++) {
    if (pos >= msg.length) return -1;
    const l = msg[pos]!;
    if (l === 0) return pos + 5 <= msg.length ? pos + 5 : -1;
    if (l & 0xc0) return -1;
    pos += 1 + l;
  }
  return -1;
}

function sameQuestion(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a[i]!;
    let y = b[i]!;
    if (x >= 0x41 && x <= 0x5a) x |= 0x20;
    if (y >= 0x41 && y <= 0x5a) y |= 0x20;
    if (x !== y) return false;
  }
  return true;
}

function sameAddress(a: string, b: string): boolean {
  return a === b || a.replace(/^::ffff:/, '') === b.replace(/^::ffff:/, '');
}
