import { describe, expect, it } from 'vitest';
import { readFields, WireFormatError, WireReader, WireType } from '../../../../control/api/protobuf/wire.js';
import { pb, varint } from './proto-writer.js';

describe('WireReader', () => {
  it('reads varints up to 64 bits, including negative int32 as 10 bytes', () => {
    for (const v of [0n, 1n, 127n, 128n, 300n, 2n ** 35n, 2n ** 64n - 1n]) {
      expect(new WireReader(varint(v)).readVarint()).toBe(v);
    }
    expect(varint(-1)).toHaveLength(10);
    expect(BigInt.asIntN(32, new WireReader(varint(-1)).readVarint())).toBe(-1n);
  });

  it('rejects truncated and over-long varints with the byte offset', () => {
    expect(() => new WireReader(Buffer.from([0x80, 0x80])).readVarint()).toThrow(/truncated varint at byte 0/);
    expect(() => new WireReader(Buffer.alloc(11, 0xff)).readVarint()).toThrow(/longer than 10 bytes/);
  });

  it('reads fixed32/fixed64 and rejects short ones', () => {
    const fields = readFields(Buffer.concat([pb.fixed32(1, 0xdeadbeef), pb.fixed64(2, 2n ** 63n + 5n)]), 0);
    expect(fields.map((f) => f.raw)).toMatchObject([
      { wireType: WireType.Fixed32, value: 0xdeadbeef }, { wireType: WireType.Fixed64, value: 2n ** 63n + 5n },
    ]);
    expect(() => readFields(Buffer.from([0x0d, 1, 2]), 0)).toThrow(/truncated fixed32/);
    expect(() => readFields(Buffer.from([0x09, 1, 2, 3]), 0)).toThrow(/truncated fixed64/);
  });

  it('length-delimited spans are bounded by the enclosing window', () => {
    const msg = Buffer.concat([pb.str(1, 'abc'), pb.str(2, 'de')]);
    const [a, b] = readFields(msg, 100);
    expect(a!.raw).toMatchObject({ wireType: WireType.LengthDelimited, offset: 102 });
    expect(b!.raw.wireType === WireType.LengthDelimited && b!.raw.bytes.toString()).toBe('de');
    const err = (() => { try { readFields(Buffer.from([0x0a, 0x05, 0x61]), 40); } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(WireFormatError);
    expect((err as WireFormatError).offset).toBe(41);
    expect((err as WireFormatError).reason).toMatch(/length 5 runs past the end/);
  });

  it('rejects field number 0 and group wire types', () => {
    expect(() => readFields(Buffer.from([0x00, 0x01]), 0)).toThrow(/invalid field number 0/);
    expect(() => readFields(Buffer.from([0x0c]), 0)).toThrow(/end-group/);
  });
});
