/** A minimal DNS client for tests: one query over UDP (optionally from a chosen source IP) or TCP. */
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';

export function udpQuery(server: string, port: number, msg: Buffer, opts: { from?: string; timeoutMs?: number } = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    const timer = setTimeout(() => { s.close(); reject(new Error(`no UDP reply from ${server}:${port}`)); }, opts.timeoutMs ?? 2000);
    s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(m); });
    s.on('error', (e) => { clearTimeout(timer); s.close(); reject(e); });
    s.bind(0, opts.from, () => s.send(msg, port, server));
  });
}

export function tcpQuery(server: string, port: number, msg: Buffer, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: server, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`no TCP reply from ${server}:${port}`)); }, timeoutMs);
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      sock.write(Buffer.concat([len, msg]));
    });
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      }
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}
