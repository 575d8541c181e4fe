/**
 * The Kubernetes protobuf envelope (https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding):
 *
 *   "k8s\x00"                  4-byte magic
 *   runtime.Unknown {
 *     1: typeMeta        TypeMeta { 1: apiVersion, 2: kind }
 *     2: raw             bytes: the typed object, encoded per its generated.proto
 *     3: contentEncoding string (always "" in practice)
 *     4: contentType     string ("" means protobuf)
 *   }
 */
import { readFields, WireFormatError, WireType, type RawValue } from './wire.js';

export const PROTOBUF_MAGIC = Buffer.from('k8s\u0000', 'latin1');

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Buffer;
  /** Absolute offset of `raw` within the body, for error messages. */
  rawOffset: number;
  contentEncoding: string;
  contentType: string;
}

export class MissingMagicError extends Error {}

export function hasProtobufMagic(body: Buffer): boolean {
  return body.length >= PROTOBUF_MAGIC.length && body.subarray(0, PROTOBUF_MAGIC.length).equals(PROTOBUF_MAGIC);
}

/** Throws MissingMagicError or WireFormatError. */
export function readEnvelope(body: Buffer): Envelope {
  if (!hasProtobufMagic(body)) throw new MissingMagicError('body does not start with the Kubernetes protobuf magic "k8s\\x00"');
  const base = PROTOBUF_MAGIC.length;
  const env: Envelope = { apiVersion: '', kind: '', raw: Buffer.alloc(0), rawOffset: base, contentEncoding: '', contentType: '' };
  for (const { tag, raw } of readFields(body.subarray(base), base)) {
    switch (tag.field) {
      case 1:
        for (const tm of readFields(bytesOf(raw, 'Unknown.typeMeta'), raw.offset)) {
          if (tm.tag.field === 1) env.apiVersion = bytesOf(tm.raw, 'TypeMeta.apiVersion').toString('utf8');
          if (tm.tag.field === 2) env.kind = bytesOf(tm.raw, 'TypeMeta.kind').toString('utf8');
        }
        break;
      case 2: env.raw = bytesOf(raw, 'Unknown.raw'); env.rawOffset = raw.offset; break;
      case 3: env.contentEncoding = bytesOf(raw, 'Unknown.contentEncoding').toString('utf8'); break;
      case 4: env.contentType = bytesOf(raw, 'Unknown.contentType').toString('utf8'); break;
      default: break;
    }
  }
  return env;
}

function bytesOf(raw: RawValue, what: string): Buffer {
  if (raw.wireType !== WireType.LengthDelimited) throw new WireFormatError(`${what} is not length-delimited`, raw.offset);
  return raw.bytes;
}
