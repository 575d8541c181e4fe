/**
 * Docker's multiplexed stream format (non-TTY attach/logs/exec): frames of an 8-byte header
 * [stream type, 0, 0, 0, size uint32 BE] followed by `size` bytes. The decoder is pure, so it is
 * unit-tested with frames split at every byte boundary; `splitHijacked` applies it to the one
 * hijacked connection that exec and attach both get from the engine.
 */
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';

export interface DemuxedChunk {
  stream: 'stdin' | 'stdout' | 'stderr';
  data: Buffer;
}

const STREAMS = ['stdin', 'stdout', 'stderr'] as const;

export class DockerFrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): DemuxedChunk[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: DemuxedChunk[] = [];
    let off = 0;
    while (this.pending.length - off >= 8) {
      const type = this.pending[off]!;
      const size = this.pending.readUInt32BE(off + 4);
      if (this.pending.length - off - 8 < size) break;
      const data = this.pending.subarray(off + 8, off + 8 + size);
      out.push({ stream: STREAMS[type] ?? 'stdout', data: Buffer.from(data) });
      off += 8 + size;
    }
    this.pending = this.pending.subarray(off);
    return out;
  }
}

/** Strips the frame headers, interleaving stdout and stderr in arrival order (kubectl logs). */
export function demuxToText(): Transform {
  const decoder = new DockerFrameDecoder();
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      for (const c of decoder.push(chunk)) this.push(c.data);
      cb();
    },
  });
}

export function encodeDockerFrame(stream: 'stdout' | 'stderr', data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = stream === 'stdout' ? 1 : 2;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

export interface SplitStreams {
  stdout: PassThrough;
  stderr: PassThrough;
  /** resolves once both outputs ended and were read to the end (consume both) */
  ended: Promise<void>;
}

/**
 * A hijacked exec/attach connection as separate stdout and stderr: raw bytes on stdout with a
 * TTY (the terminal merges the streams), demuxed frames otherwise. Both end when the engine ends
 * or drops the connection.
 */
export function splitHijacked(conn: Readable, tty: boolean): SplitStreams {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const endBoth = (): void => {
    stdout.end();
    stderr.end();
  };
  if (tty) conn.on('data', (chunk: Buffer) => stdout.write(chunk));
  else {
    const decoder = new DockerFrameDecoder();
    conn.on('data', (chunk: Buffer) => {
      for (const c of decoder.push(chunk)) (c.stream === 'stderr' ? stderr : stdout).write(c.data);
    });
  }
  conn.on('end', endBoth);
  conn.on('close', endBoth);
  // a reset from the engine ends the session; unhandled, it would take the agent down
  conn.on('error', endBoth);
  const ended = Promise.all([
    new Promise<void>((resolve) => stdout.on('end', resolve)),
    new Promise<void>((resolve) => stderr.on('end', resolve)),
  ]).then(() => undefined);
  return { stdout, stderr, ended };
}
