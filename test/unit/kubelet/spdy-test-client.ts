// The client role of a SPDY/3 session, as kubectl plays it, built from the codec under test: it
// writes frames on any byte stream and records every frame the server sends back.
import type { Duplex } from 'node:stream';
import { encodeFrame, FrameDecoder, type Frame, type HeaderInput } from '../../../dataplane/kubelet/spdy-frames.js';
import { HeaderCompressor } from '../../../dataplane/kubelet/spdy-header-block.js';

export class SpdyTestClient {
  readonly frames: Frame[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder();
  private readonly compressor = new HeaderCompressor();
  private nextId = 1;

  constructor(readonly transport: Duplex) {
    transport.on('data', (chunk: Buffer) => this.frames.push(...this.decoder.push(chunk)));
    transport.on('close', () => (this.closed = true));
    transport.on('error', () => undefined);
  }

  send(frame: Frame<HeaderInput>): void {
    this.transport.write(encodeFrame(frame, this.compressor));
  }

  raw(bytes: Buffer): void {
    this.transport.write(bytes);
  }

  /** Opens a stream with the next odd id (or the one given); returns the id. */
  open(headers: Record<string, string>, opts: { id?: number; fin?: boolean } = {}): number {
    const streamId = opts.id ?? this.nextId;
    this.nextId = Math.max(this.nextId, streamId) + 2;
    this.send({ type: 'synStream', streamId, associatedTo: 0, priority: 0, fin: opts.fin ?? false, unidirectional: false, headers });
    return streamId;
  }

  /** kubectl's way: an error stream it half-closes at once, then a data stream; returns [error, data]. */
  forward(port: number, requestId: string): [number, number] {
    const error = this.open({ streamtype: 'error', port: String(port), requestid: requestId });
    this.data(error, '', true);
    const data = this.open({ streamtype: 'data', port: String(port), requestid: requestId });
    return [error, data];
  }

  data(streamId: number, data: string | Buffer, fin = false): void {
    this.send({ type: 'data', streamId, fin, data: typeof data === 'string' ? Buffer.from(data) : data });
  }

  /** everything received on a stream so far */
  received(streamId: number): string {
    return Buffer.concat(this.frames.flatMap((f) => (f.type === 'data' && f.streamId === streamId ? [f.data] : []))).toString();
  }

  finished(streamId: number): boolean {
    return this.frames.some((f) => (f.type === 'data' && f.streamId === streamId && f.fin) || (f.type === 'rstStream' && f.streamId === streamId));
  }

  of(streamId: number): Frame[] {
    return this.frames.filter((f) => 'streamId' in f && f.streamId === streamId);
  }

  async until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`${what}: not seen in ${timeoutMs} ms; frames: ${JSON.stringify(this.frames.map(summary))}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

export function summary(f: Frame): string {
  if (f.type === 'data') return `data ${f.streamId}${f.fin ? ' FIN' : ''} ${JSON.stringify(f.data.toString().slice(0, 60))}`;
  if (f.type === 'rstStream') return `rst ${f.streamId} ${f.status}`;
  if (f.type === 'goAway') return `goaway ${f.lastGoodStreamId} ${f.status}`;
  if ('streamId' in f) return `${f.type} ${f.streamId}`;
  return f.type === 'ping' ? `ping ${f.id}` : f.type;
}
