/**
 * The server side of a SPDY/3 session over any byte stream: the TLS socket after an
 * `Upgrade: SPDY/3.1` answer, or the WebSocket tunnel kubectl 1.30+ prefers (KEP-4006), where the
 * same bytes ride in binary messages. It speaks what kubectl's client (moby/spdystream under
 * k8s.io/apimachinery httpstream/spdy) expects of a server:
 * - the client opens streams (odd ids, increasing); each is offered to `onStream`, which accepts by
 *   returning and refuses by throwing (RST_STREAM REFUSED_STREAM, as the kubelet's
 *   httpstream handler resets streams whose headers it rejects); accepted streams get an empty
 *   SYN_REPLY, and nothing is sent on a stream before it (spdystream drops DATA it gets earlier);
 * - a stream is half-closed by an empty DATA frame with FIN, aborted by RST_STREAM;
 * - client PINGs (odd ids, every 5-10 s from kubectl) are echoed; GOAWAY lets open streams finish;
 * - WINDOW_UPDATE and SETTINGS are accepted and ignored: spdystream does no flow control, so
 *   backpressure is the transport's (writes report it, `holdInput` pauses reading);
 * - malformed input ends the session with GOAWAY PROTOCOL_ERROR; it never throws out of here.
 * When the transport closes (kubectl killed, the API server's relay gone) every stream closes
 * with reason 'session', so whoever serves them releases their resources.
 */
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { encodeFrame, FrameDecoder, GOAWAY, RST, SpdyProtocolError, type Frame, type HeaderInput, type SpdyHeaders } from './spdy-frames.js';
import { HeaderCompressor } from './spdy-header-block.js';

/** DATA frames we send carry at most this much, so streams interleave fairly on the session. */
export const MAX_DATA_FRAME = 64 * 1024;

export type StreamCloseReason = 'done' | 'reset-by-peer' | 'reset' | 'session';

export interface SpdyStreamEvents {
  data: [Buffer];
  /** the client sent FIN: it will send nothing more */
  end: [];
  /** the stream is over (both sides finished, either side reset it, or the session ended) */
  close: [StreamCloseReason];
}

/**
 * One client stream. Incoming bytes are held until `resume()`, so nothing is lost between the
 * stream's arrival and its consumer getting ready (a client may send DATA right behind SYN_STREAM);
 * outgoing frames are held until the SYN_REPLY went out.
 */
export class SpdyStream extends EventEmitter<SpdyStreamEvents> {
  private replied = false;
  private readonly queued: Frame<HeaderInput>[] = [];
  private flowing = false;
  private inbox: Array<Buffer | 'end'> = [];
  private localEnded: boolean;
  private remoteEnded: boolean;
  private closed = false;

  constructor(private readonly session: SpdySession, readonly id: number, readonly headers: SpdyHeaders, remoteFin: boolean, unidirectional: boolean) {
    super();
    this.remoteEnded = remoteFin;
    this.localEnded = unidirectional;
  }

  /** The first value of a header (names are lowercase on the wire). */
  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends bytes; false when the transport is full (wait for the session's 'drain'). */
  write(data: Buffer | string): boolean {
    if (this.localEnded || this.closed) return false;
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let ok = true;
    for (let off = 0; off < buf.length; off += MAX_DATA_FRAME) {
      ok = this.send({ type: 'data', streamId: this.id, fin: false, data: buf.subarray(off, off + MAX_DATA_FRAME) });
    }
    return ok;
  }

  /** Half-closes our side (DATA with FIN); the stream closes once the client has finished too. */
  end(): void {
    if (this.localEnded || this.closed) return;
    this.localEnded = true;
    this.send({ type: 'data', streamId: this.id, fin: true, data: Buffer.alloc(0) });
    if (this.remoteEnded) this.finish('done');
  }

  /** Aborts the stream (RST_STREAM); anything unsent is dropped. */
  reset(status: number = RST.cancel): void {
    if (this.closed) return;
    this.queued.length = 0;
    this.session.sendFrame({ type: 'rstStream', streamId: this.id, status });
    this.finish('reset');
  }

  /** Starts delivering 'data' and 'end' (anything that arrived before comes first). */
  resume(): void {
    if (this.flowing) return;
    this.flowing = true;
    for (const item of this.inbox.splice(0)) this.deliver(item);
  }

  private deliver(item: Buffer | 'end'): void {
    if (this.closed && item !== 'end') return;
    if (item === 'end') this.emit('end');
    else this.emit('data', item);
  }

  /** @internal the session accepted the stream and sent SYN_REPLY */
  markReplied(): void {
    this.replied = true;
    for (const f of this.queued.splice(0)) this.session.sendFrame(f);
  }

  /** @internal */
  receive(data: Buffer, fin: boolean): void {
    if (this.closed) return;
    if (this.remoteEnded) {
      // DATA after FIN (§2.6.1): the client is confused; abort only this stream
      this.reset(RST.streamAlreadyClosed);
      return;
    }
    const items: Array<Buffer | 'end'> = data.length ? [data] : [];
    if (fin) {
      this.remoteEnded = true;
      items.push('end');
    }
    for (const item of items) {
      if (this.flowing) this.deliver(item);
      else this.inbox.push(item);
    }
    if (fin && this.localEnded) this.finish('done');
  }

  /** @internal */
  finish(reason: StreamCloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.queued.length = 0;
    this.inbox = [];
    this.session.forget(this);
    this.emit('close', reason);
  }

  private send(frame: Frame<HeaderInput>): boolean {
    if (!this.replied) {
      this.queued.push(frame);
      return true;
    }
    return this.session.sendFrame(frame);
  }
}

export interface SpdySessionOptions {
  /** a new client stream: return to accept it, throw to refuse it (the message is reported) */
  onStream(stream: SpdyStream): void;
  /** a refused stream or malformed input, for logs */
  onProblem?(message: string, code?: string): void;
}

export interface SpdySessionEvents {
  /** the transport can take more after a write returned false */
  drain: [];
  close: [];
}

export class SpdySession extends EventEmitter<SpdySessionEvents> {
  private readonly decoder = new FrameDecoder();
  private readonly compressor = new HeaderCompressor();
  private readonly streams = new Map<number, SpdyStream>();
  private lastClientStream = 0;
  private goingAway = false;
  private closed = false;
  private holds = 0;

  constructor(private readonly transport: Duplex, private readonly opts: SpdySessionOptions) {
    super();
    this.setMaxListeners(0); // every paused pod connection waits for 'drain'
    transport.on('data', (chunk: Buffer) => this.onBytes(chunk));
    transport.on('drain', () => this.emit('drain'));
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
    transport.on('error', () => this.close());
  }

  get openStreams(): number {
    return this.streams.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** @internal writes one frame; false when the transport is full */
  sendFrame(frame: Frame<HeaderInput>): boolean {
    if (this.closed) return false;
    return this.transport.write(encodeFrame(frame, this.compressor));
  }

  /**
   * Stops reading from the client until the returned release is called (a pod socket that cannot
   * take more input would otherwise buffer without bound: there is no per-stream flow control).
   */
  holdInput(): () => void {
    this.holds++;
    this.transport.pause();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holds === 0 && !this.closed) this.transport.resume();
    };
  }

  /** Ends the session: GOAWAY (when a status is given), every stream closed, the transport destroyed. */
  close(goAwayStatus?: number): void {
    if (this.closed) return;
    if (goAwayStatus !== undefined) this.sendFrame({ type: 'goAway', lastGoodStreamId: this.lastClientStream, status: goAwayStatus });
    this.closed = true;
    for (const s of [...this.streams.values()]) s.finish('session');
    this.streams.clear();
    if (goAwayStatus !== undefined) {
      // let the GOAWAY out, but a peer that stops reading must not keep the socket
      this.transport.end(() => this.transport.destroy());
      setTimeout(() => this.transport.destroy(), 1000).unref();
    } else {
      this.transport.destroy();
    }
    this.emit('close');
  }

  /** @internal */
  forget(stream: SpdyStream): void {
    this.streams.delete(stream.id);
    if (this.goingAway && this.streams.size === 0) this.close(GOAWAY.ok);
  }

  private onBytes(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const e = err as SpdyProtocolError;
      this.opts.onProblem?.(e.message, e.code);
      this.close(GOAWAY.protocolError);
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      this.onFrame(f);
    }
  }

  private onFrame(f: Frame): void {
    switch (f.type) {
      case 'synStream':
        return this.onSynStream(f);
      case 'data':
        // data for a stream we already reset or finished is dropped, as spdystream does
        return this.streams.get(f.streamId)?.receive(f.data, f.fin);
      case 'rstStream':
        return this.streams.get(f.streamId)?.finish('reset-by-peer');
      case 'ping':
        // odd ids are the client's (§2.6.5); we send no pings of our own, so even ones are stray
        if (f.id % 2 === 1) this.sendFrame({ type: 'ping', id: f.id });
        return;
      case 'goAway':
        this.goingAway = true;
        if (this.streams.size === 0) this.close(GOAWAY.ok);
        return;
      case 'headers':
      case 'synReply':
      case 'settings':
      case 'windowUpdate':
        return;
    }
  }

  private onSynStream(f: Extract<Frame, { type: 'synStream' }>): void {
    if (this.goingAway) return; // spdystream ignores streams after GOAWAY too
    if (f.streamId % 2 === 0 || f.streamId <= this.lastClientStream) {
      this.opts.onProblem?.(`stream ${f.streamId} is not a new client stream`, 'TUG_KUBELET_SPDY_BAD_FRAME');
      this.sendFrame({ type: 'rstStream', streamId: f.streamId, status: RST.protocolError });
      return;
    }
    this.lastClientStream = f.streamId;
    const stream = new SpdyStream(this, f.streamId, f.headers, f.fin, f.unidirectional);
    this.streams.set(f.streamId, stream);
    try {
      this.opts.onStream(stream);
    } catch (err) {
      this.opts.onProblem?.(`stream ${f.streamId} refused: ${(err as Error).message}`);
      stream.reset(RST.refusedStream);
      return;
    }
    if (stream.isClosed) return;
    this.sendFrame({ type: 'synReply', streamId: f.streamId, fin: false, headers: {} });
    stream.markReplied();
  }
}
