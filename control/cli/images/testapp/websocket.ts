/**
 * The server side of RFC 6455 as far as an echo endpoint needs it, with Node built-ins only
 * (this file runs inside tugboat/testapp, which carries no node_modules):
 * - handshake (§4.2.2): Sec-WebSocket-Accept = base64(sha1(key + GUID));
 * - frame parsing (§5.2) with client masking, 16/64-bit lengths, fragmentation (§5.4) and
 *   control frames interleaved between fragments;
 * - ping → pong, close → close echoing the status code (§5.5.1), then the TCP end.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Largest message we buffer; bigger ones close with 1009 (message too big). */
const MAX_MESSAGE = 16 * 1024 * 1024;

export const OPCODES = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/** One unmasked frame, as a server sends it (§5.1: servers never mask). */
export function encodeFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const len = payload.length;
  let header: Buffer;
  if (len < 126) {
    header = Buffer.from([(fin ? 0x80 : 0) | opcode, len]);
  } else if (len < 65536) {
    header = Buffer.alloc(4);
    header[0] = (fin ? 0x80 : 0) | opcode;
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = (fin ? 0x80 : 0) | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([header, payload]);
}

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Splits a byte stream into frames; returns the frames and the unconsumed rest. */
export function decodeFrames(buf: Buffer): { frames: Frame[]; rest: Buffer; error?: string } {
  const frames: Frame[] = [];
  let off = 0;
  while (buf.length - off >= 2) {
    const b0 = buf[off]!;
    const b1 = buf[off + 1]!;
    const masked = (b1 & 0x80) !== 0;
    let len = b1 & 0x7f;
    let pos = off + 2;
    if (len === 126) {
      if (buf.length < pos + 2) break;
      len = buf.readUInt16BE(pos);
      pos += 2;
    } else if (len === 127) {
      if (buf.length < pos + 8) break;
      const big = buf.readBigUInt64BE(pos);
      if (big > BigInt(MAX_MESSAGE)) return { frames, rest: Buffer.alloc(0), error: 'frame too big' };
      len = Number(big);
      pos += 8;
    }
    if (!masked) return { frames, rest: Buffer.alloc(0), error: 'client frames must be masked' };
    if (buf.length < pos + 4 + len) break;
    const mask = buf.subarray(pos, pos + 4);
    pos += 4;
    const payload = Buffer.from(buf.subarray(pos, pos + len));
    for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i & 3]!;
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload });
    off = pos + len;
  }
  return { frames, rest: buf.subarray(off) };
}

/** Completes the upgrade on `socket` and echoes every message back with its opcode. */
export function serveEcho(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n'
    + `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`);
  let pending: Buffer = Buffer.from(head);
  let message: Buffer[] = [];
  let messageOpcode = 0;
  let closed = false;
  const close = (code: number): void => {
    if (closed) return;
    closed = true;
    const body = Buffer.alloc(2);
    body.writeUInt16BE(code);
    socket.end(encodeFrame(OPCODES.close, body));
  };
  const onData = (chunk: Buffer): void => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const { frames, rest, error } = decodeFrames(pending);
    pending = rest;
    for (const f of frames) {
      if (closed) return;
      if (f.opcode === OPCODES.ping) socket.write(encodeFrame(OPCODES.pong, f.payload));
      else if (f.opcode === OPCODES.pong) continue;
      else if (f.opcode === OPCODES.close) close(f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 1000);
      else {
        if (f.opcode !== OPCODES.continuation) messageOpcode = f.opcode;
        message.push(f.payload);
        if (message.reduce((n, b) => n + b.length, 0) > MAX_MESSAGE) return close(1009);
        if (f.fin) {
          socket.write(encodeFrame(messageOpcode, Buffer.concat(message)));
          message = [];
        }
      }
    }
    if (error) close(1002);
  };
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
  if (pending.length) onData(Buffer.alloc(0));
}
