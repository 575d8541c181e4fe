/**
 * Protobuf wire-format reader (https://protobuf.dev/programming-guides/encoding/).
 *
 * Reads tags, varints, fixed32/64 and length-delimited spans from a window of one Buffer without
 * copying, so nested messages keep absolute offsets for error messages. Every read is bounds
 * checked: a short or malformed body throws WireFormatError, never reads past the window, and
 * never loops (each step consumes at least one byte). Groups (wire types 3/4) were removed from
 * the language long ago and Kubernetes never emits them, so they are rejected as malformed.
 */

export const WireType = {
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  Fixed32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

export const WIRE_TYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'varint', 1: 'fixed64', 2: 'length-delimited', 3: 'start-group', 4: 'end-group', 5: 'fixed32',
};

/** Malformed or truncated protobuf bytes; `offset` is absolute within the original body. */
export class WireFormatError extends Error {
  constructor(readonly reason: string, readonly offset: number) {
    super(`${reason} at byte ${offset}`);
    this.name = 'WireFormatError';
  }
}

export interface Tag {
  field: number;
  wireType: WireType;
  /** Offset of the tag itself, for error messages. */
  offset: number;
}

/** A field's undecoded payload: the varint/fixed value, or the bytes of a length-delimited span. */
export type RawValue =
  | { wireType: typeof WireType.Varint; value: bigint; offset: number }
  | { wireType: typeof WireType.Fixed64; value: bigint; offset: number }
  | { wireType: typeof WireType.Fixed32; value: number; offset: number }
  | { wireType: typeof WireType.LengthDelimited; bytes: Buffer; offset: number };

export class WireReader {
  private pos: number;

  /** Reads `buf[start, end)`; `base` is the absolute offset of `buf[0]` in the original body. */
  constructor(
    private readonly buf: Buffer,
    start = 0,
    private readonly end = buf.length,
    private readonly base = 0,
  ) {
    this.pos = start;
  }

  get offset(): number {
    return this.base + this.pos;
  }

  eof(): boolean {
    return this.pos >= this.end;
  }

  readVarint(): bigint {
    const start = this.offset;
    let result = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireFormatError('truncated varint', start);
      const byte = this.buf[this.pos++]!;
      result |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) return BigInt.asUintN(64, result);
    }
    throw new WireFormatError('varint longer than 10 bytes', start);
  }

  readTag(): Tag {
    const offset = this.offset;
    const key = this.readVarint();
    const wireType = Number(key & 7n);
    const field = key >> 3n;
    if (field === 0n || field > 0x1fffffffn) throw new WireFormatError(`invalid field number ${field}`, offset);
    if (wireType !== 0 && wireType !== 1 && wireType !== 2 && wireType !== 5) {
      throw new WireFormatError(`unsupported wire type ${WIRE_TYPE_NAMES[wireType] ?? wireType} for field ${field}`, offset);
    }
    return { field: Number(field), wireType: wireType as WireType, offset };
  }

  readFixed32(): number {
    const start = this.offset;
    if (this.end - this.pos < 4) throw new WireFormatError('truncated fixed32', start);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  readFixed64(): bigint {
    const start = this.offset;
    if (this.end - this.pos < 8) throw new WireFormatError('truncated fixed64', start);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A zero-copy view of the next length-delimited span. */
  readLengthDelimited(): Buffer {
    const start = this.offset;
    const len = this.readVarint();
    if (len > BigInt(this.end - this.pos)) {
      throw new WireFormatError(`length ${len} runs past the end of the enclosing message (${this.end - this.pos} bytes left)`, start);
    }
    const bytes = this.buf.subarray(this.pos, this.pos + Number(len));
    this.pos += Number(len);
    return bytes;
  }

  /** Absolute offset of a view returned by readLengthDelimited (for nested readers). */
  absoluteOffsetOf(view: Buffer): number {
    return this.base + (view.byteOffset - this.buf.byteOffset);
  }

  readValue(tag: Tag): RawValue {
    switch (tag.wireType) {
      case WireType.Varint: return { wireType: tag.wireType, value: this.readVarint(), offset: tag.offset };
      case WireType.Fixed64: return { wireType: tag.wireType, value: this.readFixed64(), offset: tag.offset };
      case WireType.Fixed32: return { wireType: tag.wireType, value: this.readFixed32(), offset: tag.offset };
      case WireType.LengthDelimited: {
        const bytes = this.readLengthDelimited();
        return { wireType: tag.wireType, bytes, offset: this.absoluteOffsetOf(bytes) };
      }
    }
  }
}

/** Reads every field of one message, in wire order. */
export function readFields(buf: Buffer, base: number): Array<{ tag: Tag; raw: RawValue }> {
  const reader = new WireReader(buf, 0, buf.length, base);
  const fields: Array<{ tag: Tag; raw: RawValue }> = [];
  while (!reader.eof()) {
    const tag = reader.readTag();
    fields.push({ tag, raw: reader.readValue(tag) });
  }
  return fields;
}
