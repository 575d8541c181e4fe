/**
 * A minimal protobuf writer for building test bodies by hand (tests only). Independent of the
 * decoder under test: it shares no code with control/api/protobuf.
 */
export function varint(value: bigint | number): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Buffer.from(out);
}

const key = (field: number, wireType: number) => varint((field << 3) | wireType);

export const pb = {
  int: (field: number, n: number | bigint) => Buffer.concat([key(field, 0), varint(n)]),
  bool: (field: number, b: boolean) => Buffer.concat([key(field, 0), varint(b ? 1 : 0)]),
  bytes: (field: number, b: Buffer) => Buffer.concat([key(field, 2), varint(b.length), b]),
  str: (field: number, s: string) => pb.bytes(field, Buffer.from(s, 'utf8')),
  msg: (field: number, ...parts: Buffer[]) => pb.bytes(field, Buffer.concat(parts)),
  fixed64: (field: number, v: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return Buffer.concat([key(field, 1), b]);
  },
  fixed32: (field: number, v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    return Buffer.concat([key(field, 5), b]);
  },
  /** One map<string, …> entry. */
  entry: (field: number, k: string, value?: Buffer) => pb.msg(field, pb.str(1, k), ...(value ? [value] : [])),
};

/** "k8s\0" + runtime.Unknown{typeMeta, raw, …extra}. */
export function envelope(apiVersion: string, kind: string, raw: Buffer, ...extra: Buffer[]): Buffer {
  return Buffer.concat([
    Buffer.from('k8s\u0000', 'latin1'),
    pb.msg(1, pb.str(1, apiVersion), pb.str(2, kind)),
    pb.bytes(2, raw),
    ...extra,
  ]);
}
