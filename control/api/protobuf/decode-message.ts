/**
 * Schema-driven protobuf → JSON decoding with Go encoding/json semantics.
 *
 * The output is what Go's encoding/json prints for the struct gogo-protobuf would decode from the
 * same bytes, so an object that arrives as protobuf looks exactly like one sent as JSON:
 *
 * - non-pointer scalar: absent on the wire = Go zero value; dropped if the tag has omitempty and
 *   the value is zero ("" / 0 / false), printed otherwise (gogo sends these even when zero).
 * - pointer (`*T`): printed whenever present on the wire, even if zero (`replicas: 0`).
 * - struct (non-pointer message): always printed, `{}` when empty (omitempty never drops a Go
 *   struct) — hence `status: {}`, `strategy: {}`, `resources: {}` in kubectl's own output.
 * - slices and maps: printed when non-empty; map keys sorted as Go does; `[]byte` → base64.
 * - Time: RFC 3339; a zero Time is omitted (Go would print `null`, which the API treats the same).
 *   Likewise a nil slice/map/pointer without omitempty is omitted rather than printed as `null`.
 * - unknown field numbers are skipped, as gogo-protobuf does.
 * Repeated occurrences of a singular field follow protobuf rules: scalars last-wins, messages
 * merge (their bytes are concatenated, which is exactly protobuf's merge semantics).
 */
import { type CompiledField, type CompiledMessage, type GoType, type ScalarType } from './schema.js';
import { decodeWellKnown, WellKnownError, wellKnownZero } from './well-known.js';
import { readFields, WIRE_TYPE_NAMES, WireFormatError, WireReader, WireType, type RawValue } from './wire.js';

/** A body that is not valid protobuf for the expected message; `path` names the field. */
export class MalformedMessageError extends Error {
  constructor(message: string, readonly path: string, readonly offset: number) {
    super(`${path}: ${message} (byte ${offset})`);
    this.name = 'MalformedMessageError';
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export class MessageDecoder {
  constructor(private readonly messages: ReadonlyMap<string, CompiledMessage>) {}

  /** Decodes `bytes` (at absolute offset `base` of the body) as message `name`. */
  decode(name: string, bytes: Buffer, base: number, path: string = name): JsonObject {
    const msg = this.messages.get(name);
    if (!msg) throw new Error(`no schema for message ${name}`);
    let fields: ReturnType<typeof readFields>;
    try {
      fields = readFields(bytes, base);
    } catch (err) {
      if (err instanceof WireFormatError) throw new MalformedMessageError(err.reason, path, err.offset);
      throw err;
    }
    const byField = new Map<number, RawValue[]>();
    for (const { tag, raw } of fields) {
      if (!msg.byNumber.has(tag.field)) continue;
      const list = byField.get(tag.field);
      if (list) list.push(raw);
      else byField.set(tag.field, [raw]);
    }
    const out: JsonObject = {};
    for (const f of msg.fields) this.writeField(out, f, byField.get(f.field) ?? [], path);
    return out;
  }

  private writeField(out: JsonObject, f: CompiledField, raws: RawValue[], parent: string): void {
    const path = f.inline ? parent : `${parent}.${f.json}`;
    const t = f.type;
    switch (t.kind) {
      case 'slice': {
        const items = this.decodeSlice(t.elem, raws, path);
        if (items.length > 0) out[f.json] = items;
        return;
      }
      case 'map': {
        const map = this.decodeMap(t.value, raws, path);
        if (Object.keys(map).length > 0) out[f.json] = map;
        return;
      }
      case 'pointer': {
        if (raws.length === 0) return;
        const value = this.decodeValue(t.elem, mergeRaws(t.elem, raws), path);
        if (value !== undefined) out[f.json] = value as Json;
        return;
      }
      case 'message': {
        const bytes = raws.length === 0 ? emptyRaw() : mergeRaws(t, raws);
        const value = this.decodeValue(t, bytes, path) as JsonObject;
        if (f.inline) Object.assign(out, value);
        else out[f.json] = value;
        return;
      }
      case 'wellKnown': {
        const value = raws.length === 0 ? wellKnownZero(t.name) : this.decodeValue(t, mergeRaws(t, raws), path);
        if (value !== undefined) out[f.json] = value as Json;
        return;
      }
      case 'scalar': {
        const value = raws.length === 0 ? scalarZero(t.scalar) : this.decodeValue(t, raws[raws.length - 1]!, path);
        if (f.omitempty && isZeroScalar(value)) return;
        out[f.json] = value as Json;
        return;
      }
    }
  }

  private decodeSlice(elem: GoType, raws: RawValue[], path: string): Json[] {
    const items: Json[] = [];
    for (const raw of raws) {
      // Numeric repeated fields may arrive packed (one length-delimited run of values).
      if (elem.kind === 'scalar' && isPackable(elem.scalar) && raw.wireType === WireType.LengthDelimited) {
        for (const v of unpack(elem.scalar, raw, path)) items.push(this.decodeValue(elem, v, `${path}[${items.length}]`) as Json);
        continue;
      }
      const value = this.decodeValue(elem, raw, `${path}[${items.length}]`);
      items.push(value === undefined ? null : value as Json);
    }
    return items;
  }

  private decodeMap(valueType: GoType, raws: RawValue[], path: string): JsonObject {
    const entries: Array<[string, Json]> = [];
    for (const raw of raws) {
      const entryBytes = expectLengthDelimited(raw, path, 'map entry');
      const entry = this.readEntry(entryBytes, raw.offset, path);
      const keyPath = `${path}[${JSON.stringify(entry.key)}]`;
      let value: unknown;
      if (entry.value === undefined) value = zeroOf(valueType);
      else value = this.decodeValue(valueType, entry.value, keyPath);
      entries.push([entry.key, (value ?? null) as Json]);
    }
    // Go's encoding/json sorts map keys; a repeated key keeps its last value, as in protobuf.
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const out: JsonObject = {};
    // defineProperty: a user key such as "__proto__" must become an own property, as JSON.parse makes it.
    for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    return out;
  }

  private readEntry(bytes: Buffer, base: number, path: string): { key: string; value?: RawValue } {
    let key = '';
    let value: RawValue | undefined;
    try {
      for (const { tag, raw } of readFields(bytes, base)) {
        if (tag.field === 1) key = expectLengthDelimited(raw, path, 'map key').toString('utf8');
        else if (tag.field === 2) value = raw;
      }
    } catch (err) {
      if (err instanceof WireFormatError) throw new MalformedMessageError(err.reason, path, err.offset);
      throw err;
    }
    return value === undefined ? { key } : { key, value };
  }

  /** One value of a non-repeated type; undefined means "omit" (a zero Time). */
  private decodeValue(t: GoType, raw: RawValue, path: string): unknown {
    switch (t.kind) {
      case 'scalar': return decodeScalar(t.scalar, raw, path);
      case 'message': return this.decode(t.name, expectLengthDelimited(raw, path, t.name), raw.offset, path);
      case 'wellKnown': {
        const bytes = expectLengthDelimited(raw, path, t.name);
        try {
          return decodeWellKnown(t.name, bytes, raw.offset);
        } catch (err) {
          if (err instanceof WireFormatError) throw new MalformedMessageError(err.reason, path, err.offset);
          if (err instanceof WellKnownError) throw new MalformedMessageError(err.message, path, raw.offset);
          throw err;
        }
      }
      case 'pointer': return this.decodeValue(t.elem, raw, path);
      case 'slice': case 'map':
        throw new Error(`${path}: nested ${t.kind} types are not supported by the schema language`);
    }
  }
}

function emptyRaw(): RawValue {
  return { wireType: WireType.LengthDelimited, bytes: Buffer.alloc(0), offset: 0 };
}

/** Singular field seen several times: messages merge (concatenate), everything else last-wins. */
function mergeRaws(t: GoType, raws: RawValue[]): RawValue {
  const last = raws[raws.length - 1]!;
  if (raws.length === 1 || (t.kind !== 'message' && t.kind !== 'wellKnown')) return last;
  const parts: Buffer[] = [];
  for (const r of raws) if (r.wireType === WireType.LengthDelimited) parts.push(r.bytes);
  // Offsets inside a merged buffer are approximate; they only feed error messages.
  return { wireType: WireType.LengthDelimited, bytes: Buffer.concat(parts), offset: raws[0]!.offset };
}

function expectLengthDelimited(raw: RawValue, path: string, what: string): Buffer {
  if (raw.wireType !== WireType.LengthDelimited) {
    throw new MalformedMessageError(`${what} has wire type ${WIRE_TYPE_NAMES[raw.wireType]}, expected length-delimited`, path, raw.offset);
  }
  return raw.bytes;
}

function decodeScalar(scalar: ScalarType, raw: RawValue, path: string): unknown {
  const wrong = (expected: string) =>
    new MalformedMessageError(`${scalar} field has wire type ${WIRE_TYPE_NAMES[raw.wireType]}, expected ${expected}`, path, raw.offset);
  switch (scalar) {
    case 'string':
      if (raw.wireType !== WireType.LengthDelimited) throw wrong('length-delimited');
      return raw.bytes.toString('utf8');
    case '[]byte':
      if (raw.wireType !== WireType.LengthDelimited) throw wrong('length-delimited');
      return raw.bytes.toString('base64');
    case 'int32':
      if (raw.wireType !== WireType.Varint) throw wrong('varint');
      return Number(BigInt.asIntN(32, raw.value));
    case 'int64':
      if (raw.wireType !== WireType.Varint) throw wrong('varint');
      return Number(BigInt.asIntN(64, raw.value));
    case 'bool':
      if (raw.wireType !== WireType.Varint) throw wrong('varint');
      return raw.value !== 0n;
    case 'float64': {
      if (raw.wireType !== WireType.Fixed64) throw wrong('fixed64');
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(raw.value);
      return b.readDoubleLE(0);
    }
  }
}

function isPackable(s: ScalarType): boolean {
  return s === 'int32' || s === 'int64' || s === 'bool' || s === 'float64';
}

function unpack(s: ScalarType, raw: RawValue & { wireType: typeof WireType.LengthDelimited }, path: string): RawValue[] {
  const reader = new WireReader(raw.bytes, 0, raw.bytes.length, raw.offset);
  const out: RawValue[] = [];
  try {
    while (!reader.eof()) {
      const offset = reader.offset;
      if (s === 'float64') out.push({ wireType: WireType.Fixed64, value: reader.readFixed64(), offset });
      else out.push({ wireType: WireType.Varint, value: reader.readVarint(), offset });
    }
  } catch (err) {
    if (err instanceof WireFormatError) throw new MalformedMessageError(`packed ${s} list: ${err.reason}`, path, err.offset);
    throw err;
  }
  return out;
}

function scalarZero(s: ScalarType): unknown {
  switch (s) {
    case 'string': case '[]byte': return '';
    case 'bool': return false;
    default: return 0;
  }
}

function isZeroScalar(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

/** Zero value for a map value that the entry left out. */
function zeroOf(t: GoType): unknown {
  switch (t.kind) {
    case 'scalar': return scalarZero(t.scalar);
    case 'wellKnown': return wellKnownZero(t.name) ?? null;
    case 'message': return {};
    default: return null;
  }
}
