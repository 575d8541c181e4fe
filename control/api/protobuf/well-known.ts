/**
 * apimachinery types whose protobuf form differs from their JSON form.
 *
 *   Time        {1: seconds int64, 2: nanos int32}  → "2006-01-02T15:04:05Z" (seconds only, as Go's
 *               Time.Unmarshal ignores nanos); empty message = zero time → undefined (omitted)
 *   MicroTime   same message                        → "2006-01-02T15:04:05.000000Z"
 *   Quantity    {1: string}                         → that string. Go senders always marshal the
 *               canonical form (Quantity.String()), which is what the JSON API would carry too.
 *   IntOrString {1: type int64, 2: intVal int32, 3: strVal string} → number (type 0) or string (type 1)
 *   FieldsV1    {1: raw bytes (JSON)}               → the parsed JSON value
 *
 * Sources: apimachinery pkg/apis/meta/v1/time_proto.go, micro_time_proto.go,
 * pkg/api/resource/generated.proto, pkg/util/intstr/generated.proto.
 */
import { readFields, WireType, type RawValue } from './wire.js';
import type { WellKnownType } from './schema.js';

/** Go's zero time.Time (0001-01-01T00:00:00Z) as Unix seconds; a sender may encode it explicitly. */
const GO_ZERO_TIME_SECONDS = -62135596800;

export class WellKnownError extends Error {}

/** Returns undefined for a zero Time/MicroTime (Go prints null; we omit the key). */
export function decodeWellKnown(type: WellKnownType, bytes: Buffer, base: number): unknown {
  switch (type) {
    case 'Time': return formatTime(bytes, base, false);
    case 'MicroTime': return formatTime(bytes, base, true);
    case 'Quantity': return decodeQuantity(bytes, base);
    case 'IntOrString': return decodeIntOrString(bytes, base);
    case 'FieldsV1': return decodeFieldsV1(bytes, base);
  }
}

/** The JSON value Go prints for a zero (absent) non-pointer field of this type. */
export function wellKnownZero(type: WellKnownType): unknown {
  switch (type) {
    case 'Quantity': return '0';
    case 'IntOrString': return 0;
    default: return undefined;
  }
}

function lastOf(fields: Array<{ tag: { field: number }; raw: RawValue }>, field: number): RawValue | undefined {
  let found: RawValue | undefined;
  for (const f of fields) if (f.tag.field === field) found = f.raw;
  return found;
}

function varintOf(raw: RawValue | undefined, bits: 32 | 64, what: string): number {
  if (raw === undefined) return 0;
  if (raw.wireType !== WireType.Varint) throw new WellKnownError(`${what} must be a varint`);
  return Number(BigInt.asIntN(bits, raw.value));
}

function stringOf(raw: RawValue | undefined, what: string): string {
  if (raw === undefined) return '';
  if (raw.wireType !== WireType.LengthDelimited) throw new WellKnownError(`${what} must be length-delimited`);
  return raw.bytes.toString('utf8');
}

function formatTime(bytes: Buffer, base: number, micro: boolean): string | undefined {
  if (bytes.length === 0) return undefined;
  const fields = readFields(bytes, base);
  const seconds = varintOf(lastOf(fields, 1), 64, 'Time.seconds');
  const nanos = varintOf(lastOf(fields, 2), 32, 'Time.nanos');
  if (seconds === GO_ZERO_TIME_SECONDS && nanos === 0) return undefined;
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw new WellKnownError(`Time.seconds ${seconds} is out of range`);
  const whole = date.toISOString().replace(/\.\d{3}Z$/, '');
  if (!micro) return `${whole}Z`;
  const micros = Math.floor(Math.max(0, Math.min(nanos, 999_999_999)) / 1000);
  return `${whole}.${String(micros).padStart(6, '0')}Z`;
}

function decodeQuantity(bytes: Buffer, base: number): string {
  const s = stringOf(lastOf(readFields(bytes, base), 1), 'Quantity.string');
  return s === '' ? '0' : s;
}

function decodeIntOrString(bytes: Buffer, base: number): number | string {
  const fields = readFields(bytes, base);
  const type = varintOf(lastOf(fields, 1), 64, 'IntOrString.type');
  if (type === 1) return stringOf(lastOf(fields, 3), 'IntOrString.strVal');
  if (type === 0) return varintOf(lastOf(fields, 2), 32, 'IntOrString.intVal');
  throw new WellKnownError(`IntOrString.type ${type} is neither 0 (int) nor 1 (string)`);
}

function decodeFieldsV1(bytes: Buffer, base: number): unknown {
  const raw = lastOf(readFields(bytes, base), 1);
  if (raw === undefined) return undefined;
  const text = stringOf(raw, 'FieldsV1.raw');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new WellKnownError('FieldsV1.raw is not valid JSON');
  }
}
