/**
 * SPDY/3 frames (SPDY/3 draft §2.2, §2.6), the framing under `kubectl port-forward`: encode one
 * frame, and cut a byte stream into frames however it was split (over the WebSocket tunnel each
 * field kubectl's framer writes may arrive as its own message).
 *
 *   control: |1| version:15 | type:16 | flags:8 | length:24 | payload
 *   data:    |0| stream id:31         | flags:8 | length:24 | payload
 *
 * Header blocks are decompressed while decoding (the session's one zlib context per direction,
 * spdy-header-block.ts), so a decoder belongs to exactly one direction of one session. Malformed
 * input throws SpdyProtocolError with a stable code and never leaves a half-consumed frame: the
 * session answers with GOAWAY and closes. Unknown control types are skipped, as the spec asks.
 * Pure: bytes in, frames out.
 */
import {
  decodeNameValueBlock, encodeNameValueBlock, HeaderCompressor, HeaderDecompressor, SpdyProtocolError, type SpdyHeaders,
} from './spdy-header-block.js';

export const SPDY_VERSION = 3;

export const FRAME_TYPE = {
  synStream: 1, synReply: 2, rstStream: 3, settings: 4, ping: 6, goAway: 7, headers: 8, windowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes (§2.6.3). */
export const RST = {
  protocolError: 1, invalidStream: 2, refusedStream: 3, unsupportedVersion: 4, cancel: 5,
  internalError: 6, flowControlError: 7, streamInUse: 8, streamAlreadyClosed: 9, frameTooLarge: 11,
} as const;

/** GOAWAY status codes (§2.6.6). */
export const GOAWAY = { ok: 0, protocolError: 1, internalError: 2 } as const;

/** Largest control frame we buffer; port-forward's are a few dozen bytes. Data frames may use all 24 bits. */
export const MAX_CONTROL_FRAME = 1024 * 1024;
const MAX_31 = 0x7fffffff;

/** Headers as decoded (a Map of value lists) or, when encoding, also a plain record. */
export type HeaderInput = SpdyHeaders | Record<string, string>;

export type Frame<H = SpdyHeaders> =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | { type: 'synStream'; streamId: number; associatedTo: number; priority: number; fin: boolean; unidirectional: boolean; headers: H }
  | { type: 'synReply'; streamId: number; fin: boolean; headers: H }
  | { type: 'headers'; streamId: number; fin: boolean; headers: H }
  | { type: 'rstStream'; streamId: number; status: number }
  | { type: 'settings'; clear: boolean; entries: Array<{ flags: number; id: number; value: number }> }
  | { type: 'ping'; id: number }
  | { type: 'goAway'; lastGoodStreamId: number; status: number }
  | { type: 'windowUpdate'; streamId: number; delta: number };

const bad = (message: string): never => {
  throw new SpdyProtocolError('TUG_KUBELET_SPDY_BAD_FRAME', message);
};

function head(control: boolean, first: number, flags: number, length: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(control ? (0x80000000 | first) >>> 0 : first);
  b.writeUInt32BE(((flags << 24) | length) >>> 0, 4);
  return b;
}

function control(type: number, flags: number, payload: Buffer): Buffer {
  return Buffer.concat([head(true, (SPDY_VERSION << 16) | type, flags, payload.length), payload]);
}

function words(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

const flagsOf = (fin: boolean, unidirectional = false): number => (fin ? FLAG_FIN : 0) | (unidirectional ? FLAG_UNIDIRECTIONAL : 0);
const entries = (h: HeaderInput): Iterable<[string, string | string[]]> => (h instanceof Map ? h : Object.entries(h));

/**
 * Encodes one frame; header blocks go through `compressor`, which must be the session's (its
 * window carries over to the next block, so frames must be written in the order encoded).
 */
export function encodeFrame(frame: Frame<HeaderInput>, compressor?: HeaderCompressor): Buffer {
  const block = (h: HeaderInput): Buffer => {
    if (!compressor) throw new Error('a header compressor is needed to encode a frame with headers');
    return compressor.compress(encodeNameValueBlock(entries(h)));
  };
  switch (frame.type) {
    case 'data':
      if (frame.data.length > 0xffffff) throw new Error(`DATA frame of ${frame.data.length} bytes exceeds 24 bits`);
      return Buffer.concat([head(false, frame.streamId & MAX_31, flagsOf(frame.fin), frame.data.length), frame.data]);
    case 'synStream': {
      const fixed = Buffer.alloc(10);
      fixed.writeUInt32BE(frame.streamId & MAX_31);
      fixed.writeUInt32BE(frame.associatedTo & MAX_31, 4);
      fixed[8] = (frame.priority & 7) << 5;
      return control(FRAME_TYPE.synStream, flagsOf(frame.fin, frame.unidirectional), Buffer.concat([fixed, block(frame.headers)]));
    }
    case 'synReply':
      return control(FRAME_TYPE.synReply, flagsOf(frame.fin), Buffer.concat([words(frame.streamId & MAX_31), block(frame.headers)]));
    case 'headers':
      return control(FRAME_TYPE.headers, flagsOf(frame.fin), Buffer.concat([words(frame.streamId & MAX_31), block(frame.headers)]));
    case 'rstStream':
      return control(FRAME_TYPE.rstStream, 0, words(frame.streamId & MAX_31, frame.status));
    case 'settings':
      return control(FRAME_TYPE.settings, frame.clear ? 1 : 0,
        words(frame.entries.length, ...frame.entries.flatMap((e) => [((e.flags << 24) | (e.id & 0xffffff)) >>> 0, e.value])));
    case 'ping':
      return control(FRAME_TYPE.ping, 0, words(frame.id));
    case 'goAway':
      return control(FRAME_TYPE.goAway, 0, words(frame.lastGoodStreamId & MAX_31, frame.status));
    case 'windowUpdate':
      return control(FRAME_TYPE.windowUpdate, 0, words(frame.streamId & MAX_31, frame.delta & MAX_31));
  }
}

/** Cuts one direction of a session's bytes into frames. */
export class FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly headerBlocks = new HeaderDecompressor();
  private failed: SpdyProtocolError | undefined;

  /** Adds bytes; returns every frame now complete. After a throw the decoder stays failed. */
  push(chunk: Buffer): Frame[] {
    if (this.failed) throw this.failed;
    if (chunk.length) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    const frames: Frame[] = [];
    try {
      while (this.pendingBytes >= 8) {
        // join only what the next frame needs: small tunnel messages must not cost a copy each
        if (this.pending[0]!.length < 8) this.joinPending();
        const first = this.pending[0]!;
        const isControl = (first[0]! & 0x80) !== 0;
        const length = first.readUInt32BE(4) & 0xffffff;
        if (isControl && length > MAX_CONTROL_FRAME) {
          throw new SpdyProtocolError('TUG_KUBELET_SPDY_FRAME_TOO_LARGE', `control frame of ${length} bytes (at most ${MAX_CONTROL_FRAME})`);
        }
        if (this.pendingBytes < 8 + length) break;
        if (first.length < 8 + length) this.joinPending();
        const buf = this.pending[0]!;
        const frame = buf.subarray(0, 8 + length);
        if (buf.length > frame.length) this.pending[0] = buf.subarray(frame.length);
        else this.pending.shift();
        this.pendingBytes -= frame.length;
        const decoded = isControl ? this.decodeControl(frame) : decodeData(frame);
        if (decoded) frames.push(decoded);
      }
    } catch (err) {
      this.failed = err instanceof SpdyProtocolError ? err : new SpdyProtocolError('TUG_KUBELET_SPDY_BAD_FRAME', (err as Error).message);
      throw this.failed;
    }
    return frames;
  }

  private joinPending(): void {
    this.pending = [Buffer.concat(this.pending)];
  }

  private decodeControl(frame: Buffer): Frame | undefined {
    const version = (frame.readUInt16BE(0) & 0x7fff);
    const type = frame.readUInt16BE(2);
    const flags = frame[4]!;
    const p = frame.subarray(8);
    if (version !== SPDY_VERSION) {
      throw new SpdyProtocolError('TUG_KUBELET_SPDY_UNSUPPORTED_VERSION', `SPDY version ${version} (only 3 is spoken)`);
    }
    const fin = (flags & FLAG_FIN) !== 0;
    const need = (n: number, exact = false): void => {
      if (exact ? p.length !== n : p.length < n) bad(`frame type ${type} with a ${p.length}-byte payload`);
    };
    const streamId = (at = 0): number => {
      const id = p.readUInt32BE(at) & MAX_31;
      if (id === 0) bad(`frame type ${type} on stream 0`);
      return id;
    };
    switch (type) {
      case FRAME_TYPE.synStream: {
        need(10);
        const id = streamId();
        return {
          type: 'synStream', streamId: id, associatedTo: p.readUInt32BE(4) & MAX_31, priority: p[8]! >> 5,
          fin, unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0, headers: this.block(p.subarray(10)),
        };
      }
      case FRAME_TYPE.synReply:
      case FRAME_TYPE.headers: {
        need(4);
        const id = streamId();
        return { type: type === FRAME_TYPE.synReply ? 'synReply' : 'headers', streamId: id, fin, headers: this.block(p.subarray(4)) };
      }
      case FRAME_TYPE.rstStream: {
        need(8, true);
        const status = p.readUInt32BE(4);
        if (status === 0) bad('RST_STREAM with status 0');
        return { type: 'rstStream', streamId: streamId(), status };
      }
      case FRAME_TYPE.settings: {
        need(4);
        const count = p.readUInt32BE(0);
        if (p.length !== 4 + count * 8) bad(`SETTINGS announcing ${count} entries in ${p.length} bytes`);
        const list = [];
        for (let i = 0; i < count; i++) {
          const flagId = p.readUInt32BE(4 + i * 8);
          list.push({ flags: flagId >>> 24, id: flagId & 0xffffff, value: p.readUInt32BE(8 + i * 8) });
        }
        return { type: 'settings', clear: (flags & 1) !== 0, entries: list };
      }
      case FRAME_TYPE.ping: {
        need(4, true);
        const id = p.readUInt32BE(0);
        if (id === 0) bad('PING with id 0');
        return { type: 'ping', id };
      }
      case FRAME_TYPE.goAway:
        need(8, true);
        return { type: 'goAway', lastGoodStreamId: p.readUInt32BE(0) & MAX_31, status: p.readUInt32BE(4) };
      case FRAME_TYPE.windowUpdate: {
        need(8, true);
        const delta = p.readUInt32BE(4) & MAX_31;
        if (delta === 0) bad('WINDOW_UPDATE with delta 0');
        return { type: 'windowUpdate', streamId: p.readUInt32BE(0) & MAX_31, delta };
      }
      default:
        return undefined; // NOOP (SPDY/2), CREDENTIAL, anything newer: ignored (§2.2.1)
    }
  }

  private block(compressed: Buffer): SpdyHeaders {
    return decodeNameValueBlock(this.headerBlocks.decompress(compressed));
  }
}

function decodeData(frame: Buffer): Frame {
  const streamId = frame.readUInt32BE(0) & MAX_31;
  if (streamId === 0) bad('DATA frame on stream 0');
  return { type: 'data', streamId, fin: (frame[4]! & FLAG_FIN) !== 0, data: frame.subarray(8) };
}

export { SpdyProtocolError, type SpdyHeaders };
