/**
 * SPDY/3 name/value header blocks and their compression (SPDY/3 draft §2.6.10), as kubectl's
 * SPDY library (moby/spdystream, Go's old go.net/spdy framer) writes and reads them.
 *
 * A block is `count:u32, (nameLen:u32, name, valueLen:u32, value)*`; names are lowercase and
 * unique, several values of one name are joined with NUL. Every block a peer sends goes through
 * ONE zlib stream for the whole session (per direction), preset with the SPDY/3 dictionary and
 * sync-flushed after each block, so a block may refer back to bytes of earlier ones.
 *
 * Node's one-shot zlib calls keep no state between calls, so the state is kept here instead: a
 * sync flush leaves the deflate stream at a block boundary, and the only thing a later block can
 * depend on is the last 32 KiB of plaintext (the deflate window). Each block is therefore
 * (in|de)flated raw with that window passed as the preset dictionary, then the window moves on.
 * Pure and synchronous: no I/O, no streams, deterministic output.
 */
import zlib from 'node:zlib';

/** Stable codes for a peer's malformed input (this component's error catalog for SPDY). */
export type SpdyErrorCode =
  | 'TUG_KUBELET_SPDY_BAD_FRAME'
  | 'TUG_KUBELET_SPDY_BAD_HEADER_BLOCK'
  | 'TUG_KUBELET_SPDY_FRAME_TOO_LARGE'
  | 'TUG_KUBELET_SPDY_UNSUPPORTED_VERSION';

export class SpdyProtocolError extends Error {
  constructor(readonly code: SpdyErrorCode, message: string) {
    super(message);
  }
}

/** Header names (lowercase) to their values, in the order received. */
export type SpdyHeaders = Map<string, string[]>;

const WORDS = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding',
  'accept-language', 'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection',
  'content-base', 'content-encoding', 'content-language', 'content-length', 'content-location',
  'content-md5', 'content-range', 'content-type', 'date', 'etag', 'expect', 'expires', 'from', 'host',
  'if-match', 'if-modified-since', 'if-none-match', 'if-range', 'if-unmodified-since', 'last-modified',
  'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer',
  'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via',
  'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK', 'version', 'HTTP/1.1', 'url',
  'public', 'set-cookie', 'keep-alive', 'origin',
];
const TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/**
 * The SPDY/3 header dictionary (draft §2.6.10.1): the words above, each prefixed with its length
 * as a u32, then the tail, 1423 bytes. Byte-exact or the peer's inflate fails; the unit test pins
 * its Adler-32, which is the DICTID kubectl puts in its first header block.
 */
export const SPDY_DICTIONARY: Buffer = Buffer.concat([
  ...WORDS.map((w) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(w.length);
    return Buffer.concat([len, Buffer.from(w, 'latin1')]);
  }),
  Buffer.from(TAIL, 'latin1'),
]);

/** Adler-32 (RFC 1950 §8.2): the DICTID a zlib stream names its preset dictionary by. */
export function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of buf) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const WINDOW = 32 * 1024;
/** Decompressed size we accept for one block (a zlib bomb is refused, not buffered). */
export const MAX_HEADER_BLOCK = 256 * 1024;
/** zlib header: deflate with a 32 KiB window, best compression, FDICT set (as Go writes it). */
const ZLIB_HEADER = Buffer.from([0x78, 0xf9]);

function slide(window: Buffer, added: Buffer): Buffer {
  const joined = Buffer.concat([window, added]);
  return joined.length > WINDOW ? joined.subarray(joined.length - WINDOW) : joined;
}

/** The compressing side of one direction of a session. */
export class HeaderCompressor {
  private window: Buffer = SPDY_DICTIONARY;
  private started = false;

  compress(plain: Buffer): Buffer {
    const body = zlib.deflateRawSync(plain, { dictionary: this.window, level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    this.window = slide(this.window, plain);
    if (this.started) return body;
    this.started = true;
    const dictId = Buffer.alloc(4);
    dictId.writeUInt32BE(adler32(SPDY_DICTIONARY));
    return Buffer.concat([ZLIB_HEADER, dictId, body]);
  }
}

/** The decompressing side of one direction of a session. */
export class HeaderDecompressor {
  private window: Buffer = SPDY_DICTIONARY;
  private started = false;

  decompress(compressed: Buffer): Buffer {
    let body = compressed;
    if (!this.started) {
      body = this.stripZlibHeader(compressed);
      this.started = true;
    }
    let plain: Buffer;
    try {
      plain = zlib.inflateRawSync(body, { dictionary: this.window, finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: MAX_HEADER_BLOCK });
    } catch (err) {
      throw new SpdyProtocolError('TUG_KUBELET_SPDY_BAD_HEADER_BLOCK', `header block does not decompress: ${(err as Error).message}`);
    }
    this.window = slide(this.window, plain);
    return plain;
  }

  private stripZlibHeader(buf: Buffer): Buffer {
    if (buf.length < 2 || (buf[0]! & 0x0f) !== 8 || ((buf[0]! << 8) | buf[1]!) % 31 !== 0) {
      throw new SpdyProtocolError('TUG_KUBELET_SPDY_BAD_HEADER_BLOCK', 'header block does not start with a zlib header');
    }
    if (!(buf[1]! & 0x20)) return buf.subarray(2);
    if (buf.length < 6 || buf.readUInt32BE(2) !== adler32(SPDY_DICTIONARY)) {
      throw new SpdyProtocolError('TUG_KUBELET_SPDY_BAD_HEADER_BLOCK', 'header block asks for a zlib dictionary other than SPDY/3\'s');
    }
    return buf.subarray(6);
  }
}

/** Serialises headers (names lowercased, values NUL-joined) into an uncompressed block. */
export function encodeNameValueBlock(headers: Iterable<[string, string | readonly string[]]>): Buffer {
  const parts: Buffer[] = [];
  let count = 0;
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  for (const [name, value] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(typeof value === 'string' ? value : value.join('\0'), 'utf8');
    parts.push(u32(n.length), n, u32(v.length), v);
    count++;
  }
  return Buffer.concat([u32(count), ...parts]);
}

/** Parses an uncompressed block; refuses truncation, trailing bytes, uppercase or repeated names. */
export function decodeNameValueBlock(block: Buffer): SpdyHeaders {
  const bad = (why: string): never => {
    throw new SpdyProtocolError('TUG_KUBELET_SPDY_BAD_HEADER_BLOCK', `malformed header block: ${why}`);
  };
  let off = 0;
  const u32 = (): number => {
    if (off + 4 > block.length) bad('truncated length');
    const n = block.readUInt32BE(off);
    off += 4;
    return n;
  };
  const bytes = (len: number): string => {
    if (off + len > block.length) bad('truncated string');
    const s = block.toString('utf8', off, off + len);
    off += len;
    return s;
  };
  const headers: SpdyHeaders = new Map();
  const count = u32();
  // each pair needs at least 8 bytes, so a huge count cannot make us loop for long
  if (count > (block.length - 4) / 8) bad(`${count} pairs do not fit in ${block.length} bytes`);
  for (let i = 0; i < count; i++) {
    const name = bytes(u32());
    if (!name) bad('empty header name');
    if (name !== name.toLowerCase()) bad(`header name "${name}" is not lowercase`);
    if (headers.has(name)) bad(`header "${name}" appears twice`);
    headers.set(name, bytes(u32()).split('\0'));
  }
  if (off !== block.length) bad(`${block.length - off} bytes after the last header`);
  return headers;
}
