// The SPDY/3 frame codec under `kubectl port-forward`: bytes captured from the real kubectl 1.32
// decode to the frames it meant, every frame type survives a round trip, and malformed input is
// refused with a stable code without throwing anything else.
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder, FRAME_TYPE, MAX_CONTROL_FRAME, type Frame, type HeaderInput } from '../../../dataplane/kubelet/spdy-frames.js';
import {
  adler32, decodeNameValueBlock, encodeNameValueBlock, HeaderCompressor, HeaderDecompressor, MAX_HEADER_BLOCK, SPDY_DICTIONARY, SpdyProtocolError,
} from '../../../dataplane/kubelet/spdy-header-block.js';

/**
 * What kubectl 1.32 sent after `Upgrade: SPDY/3.1` for two `curl`s through
 * `kubectl port-forward pod/web 18085:18999`, in the chunks the server read.
 */
const KUBECTL_CHUNKS = [
  '80030001000000400000000100000000000078f9e3c6a7c202253a703a2b294a4dcc851625aca9a0808614cb45a024cc6a68616969c9c0c0c0590489c74c50fa663400000000ffff',
  '0000000101000000',
  '800300010000001800000003000000000000c2aa1b54102512a119000000ffff',
  '0000000300000050474554202f6120485454502f312e310d0a486f73743a203132372e302e302e313a31383038350d0a557365722d4167656e743a206375726c2f372e38382e310d0a4163636570743a202a2f2a0d0a0d0a',
  '0000000301000000',
  '8003000100000014000000050000000000',
  '00a2c86a4300000000ffff',
  '0000000501000000800300010000001400000007000000000000a2c46a4300000000ffff',
  '0000000700000050474554202f6220485454502f312e310d0a486f73743a203132372e302e302e313a31383038350d0a557365722d4167656e743a206375726c2f372e38382e310d0a4163636570743a202a2f2a0d0a0d0a',
  '0000000701000000',
].map((h) => Buffer.from(h, 'hex'));

/** Frames as comparable plain values (header maps become objects, data becomes text). */
function plain(f: Frame): unknown {
  if ('headers' in f) return { ...f, headers: Object.fromEntries(f.headers) };
  if (f.type === 'data') return { ...f, data: f.data.toString('latin1') };
  return f;
}

const request = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:18085\r\nUser-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n`;
const syn = (streamId: number, streamtype: string, requestid: string) => ({
  type: 'synStream', streamId, associatedTo: 0, priority: 0, fin: false, unidirectional: false,
  headers: { port: ['18999'], requestid: [requestid], streamtype: [streamtype] },
});
const KUBECTL_FRAMES = [
  syn(1, 'error', '0'), { type: 'data', streamId: 1, fin: true, data: '' },
  syn(3, 'data', '0'), { type: 'data', streamId: 3, fin: false, data: request('/a') }, { type: 'data', streamId: 3, fin: true, data: '' },
  syn(5, 'error', '1'), { type: 'data', streamId: 5, fin: true, data: '' },
  syn(7, 'data', '1'), { type: 'data', streamId: 7, fin: false, data: request('/b') }, { type: 'data', streamId: 7, fin: true, data: '' },
];

function decodeAll(chunks: Buffer[]): unknown[] {
  const d = new FrameDecoder();
  return chunks.flatMap((c) => d.push(c)).map(plain);
}

function refusal(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpdyProtocolError);
    return { code: (err as SpdyProtocolError).code, message: (err as Error).message };
  }
  throw new Error('expected a SpdyProtocolError');
}

describe('the SPDY/3 header dictionary and header blocks', () => {
  it('is the 1423-byte dictionary whose Adler-32 kubectl names in its first header block (DICTID e3c6a7c2)', () => {
    expect(SPDY_DICTIONARY.length).toBe(1423);
    expect(adler32(SPDY_DICTIONARY)).toBe(0xe3c6a7c2);
    expect(KUBECTL_CHUNKS[0]!.subarray(18, 24).toString('hex')).toBe('78f9e3c6a7c2');
    expect(adler32(Buffer.from('Wikipedia'))).toBe(0x11e60398); // RFC 1950's worked example
  });

  it('name/value blocks: lowercased names, NUL-joined values, exact round trip', () => {
    const block = encodeNameValueBlock([['StreamType', 'data'], ['port', '80'], ['x', ['a', 'b']]]);
    expect(Object.fromEntries(decodeNameValueBlock(block))).toEqual({ streamtype: ['data'], port: ['80'], x: ['a', 'b'] });
    expect(decodeNameValueBlock(encodeNameValueBlock([])).size).toBe(0);
  });

  it('a shared compression context: later blocks refer back to earlier ones and still decode in order', () => {
    const c = new HeaderCompressor();
    const d = new HeaderDecompressor();
    const blocks = Array.from({ length: 200 }, (_, i) => encodeNameValueBlock([['port', '8080'], ['requestid', String(i)], ['streamtype', i % 2 ? 'data' : 'error']]));
    const wire = blocks.map((b) => c.compress(b));
    expect(wire[0]!.subarray(0, 6).toString('hex')).toBe('78f9e3c6a7c2');
    expect(wire[199]!.length).toBeLessThan(blocks[199]!.length); // the window pays off
    wire.forEach((w, i) => expect(d.decompress(w).equals(blocks[i]!)).toBe(true));
  });
});

describe('decoding what kubectl 1.32 sent', () => {
  it('yields its SYN_STREAMs (error, then data, per connection) and DATA frames', () => {
    expect(decodeAll(KUBECTL_CHUNKS)).toEqual(KUBECTL_FRAMES);
  });

  it('however the bytes are split (the WebSocket tunnel carries each field kubectl writes as its own message)', () => {
    const all = Buffer.concat(KUBECTL_CHUNKS);
    expect(decodeAll([all])).toEqual(KUBECTL_FRAMES);
    expect(decodeAll([...all].map((b) => Buffer.from([b])))).toEqual(KUBECTL_FRAMES);
    for (let cut = 1; cut < all.length; cut += 7) expect(decodeAll([all.subarray(0, cut), all.subarray(cut)])).toEqual(KUBECTL_FRAMES);
  });
});

describe('encode → decode round trips', () => {
  const frames: Frame<HeaderInput>[] = [
    { type: 'synStream', streamId: 1, associatedTo: 0, priority: 0, fin: false, unidirectional: false, headers: { streamtype: 'error', port: '80', requestid: '0' } },
    { type: 'synStream', streamId: 3, associatedTo: 1, priority: 7, fin: true, unidirectional: true, headers: new Map([['multi', ['a', 'b']]]) },
    { type: 'synReply', streamId: 1, fin: false, headers: {} },
    { type: 'synReply', streamId: 3, fin: true, headers: { status: '200' } },
    { type: 'headers', streamId: 3, fin: false, headers: { extra: 'yes' } },
    { type: 'data', streamId: 1, fin: false, data: Buffer.from('hello') },
    { type: 'data', streamId: 0x7fffffff, fin: true, data: Buffer.alloc(0) },
    { type: 'data', streamId: 5, fin: false, data: Buffer.alloc(70_000, 0xab) },
    { type: 'rstStream', streamId: 3, status: 5 },
    { type: 'settings', clear: true, entries: [{ flags: 1, id: 7, value: 65536 }, { flags: 0, id: 4, value: 100 }] },
    { type: 'settings', clear: false, entries: [] },
    { type: 'ping', id: 1 },
    { type: 'ping', id: 0xfffffffe },
    { type: 'goAway', lastGoodStreamId: 7, status: 1 },
    { type: 'windowUpdate', streamId: 0, delta: 0x7fffffff },
  ];

  it('every frame type comes back as it was sent, through one compression context', () => {
    const c = new HeaderCompressor();
    const wire = Buffer.concat(frames.map((f) => encodeFrame(f, c)));
    const expected = frames.map((f) => ('headers' in f
      ? plain({ ...f, headers: f.headers instanceof Map ? f.headers : new Map(Object.entries(f.headers).map(([k, v]) => [k, [v]])) } as Frame)
      : plain(f as Frame)));
    expect(new FrameDecoder().push(wire).map(plain)).toEqual(expected);
  });

  it('writes control frames with version 3 and the type in the first word', () => {
    expect(encodeFrame({ type: 'ping', id: 9 }).toString('hex')).toBe('80030006000000040000' + '0009');
    expect(encodeFrame({ type: 'rstStream', streamId: 3, status: 3 }).toString('hex')).toBe('8003000300000008' + '00000003' + '00000003');
    expect(encodeFrame({ type: 'data', streamId: 3, fin: true, data: Buffer.alloc(0) }).toString('hex')).toBe('0000000301000000');
  });
});

describe('malformed input is refused with a code, never a crash', () => {
  const control = (type: number, payload: Buffer, flags = 0, version = 3): Buffer => {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(0x8000 | version);
    h.writeUInt16BE(type, 2);
    h.writeUInt32BE(((flags << 24) | payload.length) >>> 0, 4);
    return Buffer.concat([h, payload]);
  };
  const words = (...v: number[]): Buffer => Buffer.concat(v.map((n) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    return b;
  }));
  const synWith = (block: Buffer): Buffer => control(FRAME_TYPE.synStream, Buffer.concat([words(1, 0), Buffer.from([0, 0]), block]));
  const compressed = (plainBlock: Buffer): Buffer => new HeaderCompressor().compress(plainBlock);
  const cases: Array<[string, Buffer, string, RegExp]> = [
    ['SPDY/2 control frame', control(FRAME_TYPE.ping, words(1), 0, 2), 'TUG_KUBELET_SPDY_UNSUPPORTED_VERSION', /version 2/],
    ['RST_STREAM of 4 bytes', control(FRAME_TYPE.rstStream, words(1)), 'TUG_KUBELET_SPDY_BAD_FRAME', /4-byte payload/],
    ['RST_STREAM with status 0', control(FRAME_TYPE.rstStream, words(1, 0)), 'TUG_KUBELET_SPDY_BAD_FRAME', /status 0/],
    ['RST_STREAM on stream 0', control(FRAME_TYPE.rstStream, words(0, 5)), 'TUG_KUBELET_SPDY_BAD_FRAME', /stream 0/],
    ['PING of 8 bytes', control(FRAME_TYPE.ping, words(1, 2)), 'TUG_KUBELET_SPDY_BAD_FRAME', /8-byte payload/],
    ['PING with id 0', control(FRAME_TYPE.ping, words(0)), 'TUG_KUBELET_SPDY_BAD_FRAME', /id 0/],
    ['GOAWAY of 4 bytes', control(FRAME_TYPE.goAway, words(0)), 'TUG_KUBELET_SPDY_BAD_FRAME', /4-byte payload/],
    ['WINDOW_UPDATE with delta 0', control(FRAME_TYPE.windowUpdate, words(1, 0)), 'TUG_KUBELET_SPDY_BAD_FRAME', /delta 0/],
    ['SETTINGS claiming more entries than it has', control(FRAME_TYPE.settings, words(3, 1, 1)), 'TUG_KUBELET_SPDY_BAD_FRAME', /3 entries/],
    ['SYN_STREAM shorter than its fixed part', control(FRAME_TYPE.synStream, words(1)), 'TUG_KUBELET_SPDY_BAD_FRAME', /4-byte payload/],
    ['SYN_STREAM on stream 0', control(FRAME_TYPE.synStream, Buffer.concat([words(0, 0), Buffer.from([0, 0])])), 'TUG_KUBELET_SPDY_BAD_FRAME', /stream 0/],
    ['DATA on stream 0', Buffer.from('0000000000000001aa', 'hex'), 'TUG_KUBELET_SPDY_BAD_FRAME', /stream 0/],
    ['a control frame too large to buffer', control(FRAME_TYPE.synStream, Buffer.alloc(0)).fill(0xff, 5, 8), 'TUG_KUBELET_SPDY_FRAME_TOO_LARGE', new RegExp(`at most ${MAX_CONTROL_FRAME}`)],
    ['a header block that is not zlib', synWith(Buffer.from('not zlib at all')), 'TUG_KUBELET_SPDY_BAD_HEADER_BLOCK', /zlib header/],
    ['a header block naming another dictionary', synWith(Buffer.from('78f900000001', 'hex')), 'TUG_KUBELET_SPDY_BAD_HEADER_BLOCK', /dictionary/],
    ['a header block with corrupt deflate data', synWith(Buffer.concat([compressed(encodeNameValueBlock([])).subarray(0, 6), Buffer.from('ffffffffffff', 'hex')])), 'TUG_KUBELET_SPDY_BAD_HEADER_BLOCK', /does not decompress/],
    ['a truncated name/value block', synWith(compressed(encodeNameValueBlock([['port', '80']]).subarray(0, 14))), 'TUG_KUBELET_SPDY_BAD_HEADER_BLOCK', /truncated/],
    ['an uppercase header name', synWith(compressed(Buffer.concat([words(1, 4), Buffer.from('Port'), words(2), Buffer.from('80')]))), 'TUG_KUBELET_SPDY_BAD_HEADER_BLOCK', /not lowercase/],
    ['a repeated header name', synWith(compressed(Buffer.concat([words(2), ...[0, 1].map(() => Buffer.concat([words(4), Buffer.from('port'), words(2), Buffer.from('80')]))]))), 'TUG_KUBELET_SPDY_BAD_HEADER_BLOCK', /twice/],
    ['a pair count that cannot fit', synWith(compressed(words(0x7fffffff))), 'TUG_KUBELET_SPDY_BAD_HEADER_BLOCK', /do not fit/],
    ['bytes after the last header', synWith(compressed(Buffer.concat([encodeNameValueBlock([]), Buffer.from('xx')]))), 'TUG_KUBELET_SPDY_BAD_HEADER_BLOCK', /after the last header/],
  ];

  it.each(cases)('%s', (_name, bytes, code, message) => {
    const r = refusal(() => new FrameDecoder().push(bytes));
    expect(r.code).toBe(code);
    expect(r.message).toMatch(message);
  });

  it('a header block that inflates beyond the limit (a zlib bomb) is refused before it is buffered', () => {
    const huge = Buffer.alloc(MAX_HEADER_BLOCK + 1);
    const body = zlib.deflateRawSync(huge, { dictionary: SPDY_DICTIONARY, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const header = Buffer.concat([Buffer.from('78f9', 'hex'), Buffer.from(adler32(SPDY_DICTIONARY).toString(16).padStart(8, '0'), 'hex')]);
    expect(body.length).toBeLessThan(2048);
    const r = refusal(() => new HeaderDecompressor().decompress(Buffer.concat([header, body])));
    expect(r.code).toBe('TUG_KUBELET_SPDY_BAD_HEADER_BLOCK');
  });

  it('a failed decoder stays failed (the session ends; it never resynchronises on garbage)', () => {
    const d = new FrameDecoder();
    refusal(() => d.push(Buffer.from('80020006000000040000000001', 'hex')));
    expect(refusal(() => d.push(encodeFrame({ type: 'ping', id: 1 }))).code).toBe('TUG_KUBELET_SPDY_UNSUPPORTED_VERSION');
  });

  it('unknown control types (NOOP, CREDENTIAL, later ones) are skipped, as the spec asks', () => {
    const d = new FrameDecoder();
    const frames = d.push(Buffer.concat([control(5, Buffer.alloc(0)), control(10, Buffer.alloc(12)), control(0x7fff, Buffer.alloc(3)), encodeFrame({ type: 'ping', id: 3 })]));
    expect(frames.map(plain)).toEqual([{ type: 'ping', id: 3 }]);
  });

  it('waits for the rest of a frame instead of guessing', () => {
    const d = new FrameDecoder();
    const wire = encodeFrame({ type: 'data', streamId: 1, fin: false, data: Buffer.from('abcdef') });
    expect(d.push(wire.subarray(0, 7))).toEqual([]);
    expect(d.push(wire.subarray(7, 10))).toEqual([]);
    expect(d.push(wire.subarray(10)).map(plain)).toEqual([{ type: 'data', streamId: 1, fin: false, data: 'abcdef' }]);
  });
});
