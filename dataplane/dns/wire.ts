/**
 * Raw DNS wire-format helpers for the hot path: no codec, only byte offsets.
 *
 * dns2's codec turns every field into arrays of bits (~130 µs per query here, issue 6 §3), so
 * the common path never decodes a whole message. It reads the header and the one question of a
 * query, builds a cache key from the lowercased question bytes, and answers by copying a stored
 * reply and patching the ID, the RD/CD flags and the case of the name.
 *
 * Guarantees: every function here is total — malformed input yields `undefined` (or a bounded
 * reply), never an exception escaping to the socket handler and never a read past the buffer.
 */

export const TYPE = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255,
} as const;

export const RCODE = {
  NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16,
} as const;

export const TYPE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(TYPE).map(([k, v]) => [v, k]));
export const RCODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(RCODE).map(([k, v]) => [v, k]));

/** Our advertised EDNS0 UDP payload size (the DNS flag day 2020 value). */
export const OUR_EDNS_SIZE = 1232;
/** RFC 1035 §4.2.1: without EDNS a UDP message is at most 512 bytes. */
export const CLASSIC_UDP_SIZE = 512;

export interface EdnsInfo {
  /** The requestor's UDP payload size, raised to 512 when smaller (RFC 6891 §6.2.3). */
  udpSize: number;
  version: number;
  do: boolean;
}

export interface RawQuestion {
  /**
   * Lowercased question bytes (name + type + class) as a latin1 string, plus an EDNS marker
   * ('' none, '\x01' OPT, '\x02' OPT with DO): replies differ in their OPT record.
   */
  key: string;
  /** Offset just after the question's name (the name's bytes are 12..nameEnd). */
  nameEnd: number;
  /** Offset just after QTYPE/QCLASS. */
  questionEnd: number;
  qtype: number;
  qclass: number;
  edns: EdnsInfo | undefined;
}

// One scratch buffer for lowercasing: a name is at most 255 bytes, plus type and class.
const scratch = Buffer.allocUnsafe(260);

/**
 * Reads the header and question of a plain query (QR=0, OPCODE=0, one question, no answer or
 * authority records, at most one additional record which must be an EDNS0 OPT). Returns
 * undefined for anything else, including names with compression pointers, bytes ≥ 0x80 or
 * dots inside labels — those take the slow path, where dns2 parses them.
 */
export function readQuestion(msg: Buffer): RawQuestion | undefined {
  const len = msg.length;
  if (len < 17) return undefined;
  if ((msg[2]! & 0xf8) !== 0) return undefined; // QR=1 or OPCODE≠0
  if (msg[4] !== 0 || msg[5] !== 1 || msg[6] !== 0 || msg[7] !== 0 || msg[8] !== 0 || msg[9] !== 0 || msg[10] !== 0) return undefined;
  const arcount = msg[11]!;
  if (arcount > 1) return undefined;
  let pos = 12;
  let k = 0;
  for (;;) {
    if (pos >= len) return undefined;
    const l = msg[pos]!;
    if (l === 0) break;
    if (l > 63) return undefined;
    if (pos + 1 + l > len || k + l + 1 > 255) return undefined;
    scratch[k++] = l;
    for (let i = pos + 1, end = pos + 1 + l; i < end; i++) {
      const b = msg[i]!;
      if (b >= 0x80 || b === 0x2e) return undefined;
      scratch[k++] = b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
    }
    pos += 1 + l;
  }
  scratch[k++] = 0;
  const nameEnd = pos + 1;
  const questionEnd = nameEnd + 4;
  if (questionEnd > len) return undefined;
  scratch[k++] = msg[nameEnd]!;
  scratch[k++] = msg[nameEnd + 1]!;
  scratch[k++] = msg[nameEnd + 2]!;
  scratch[k++] = msg[nameEnd + 3]!;
  const qtype = (msg[nameEnd]! << 8) | msg[nameEnd + 1]!;
  const qclass = (msg[nameEnd + 2]! << 8) | msg[nameEnd + 3]!;
  let edns: EdnsInfo | undefined;
  let marker = '';
  if (arcount === 1) {
    // OPT: root name (0), TYPE 41, CLASS = payload size, TTL = ext-rcode/version/DO, RDLEN.
    const o = questionEnd;
    if (o + 11 > len || msg[o] !== 0 || msg[o + 1] !== 0 || msg[o + 2] !== TYPE.OPT) return undefined;
    const rdlen = (msg[o + 9]! << 8) | msg[o + 10]!;
    if (o + 11 + rdlen !== len) return undefined;
    const version = msg[o + 6]!;
    if (version !== 0) return undefined; // BADVERS is answered by the slow path
    const size = (msg[o + 3]! << 8) | msg[o + 4]!;
    const dnssecOk = (msg[o + 7]! & 0x80) !== 0;
    edns = { udpSize: Math.max(size, CLASSIC_UDP_SIZE), version, do: dnssecOk };
    marker = dnssecOk ? '\x02' : '\x01';
  } else if (questionEnd !== len) {
    return undefined;
  }
  return { key: scratch.toString('latin1', 0, k) + marker, nameEnd, questionEnd, qtype, qclass, edns };
}

/** The largest reply a UDP client accepts. */
export function udpLimit(edns: EdnsInfo | undefined): number {
  return edns ? edns.udpSize : CLASSIC_UDP_SIZE;
}

/**
 * A reply for `request` made from a stored reply to the same question (any ID, any case):
 * the request's ID, RD and CD bits and question-name bytes are copied in. The stored reply's
 * question must start at offset 12 with the same length, which holds for any reply keyed by
 * the same readQuestion() key.
 */
export function patchReply(stored: Buffer, request: Buffer, nameEnd: number): Buffer {
  const out = Buffer.allocUnsafe(stored.length);
  stored.copy(out);
  out[0] = request[0]!;
  out[1] = request[1]!;
  out[2] = (stored[2]! & 0xfe) | (request[2]! & 0x01);
  out[3] = (stored[3]! & 0xef) | (request[3]! & 0x10);
  request.copy(out, 12, 12, nameEnd);
  return out;
}

/** An OPT record we send: our payload size, version 0, the requestor's DO bit, no options. */
export function optRecord(dnssecOk: boolean, extendedRcode = 0): Buffer {
  const b = Buffer.alloc(11);
  b[2] = TYPE.OPT;
  b.writeUInt16BE(OUR_EDNS_SIZE, 3);
  b[5] = extendedRcode;
  b[7] = dnssecOk ? 0x80 : 0;
  return b;
}

/**
 * A TC=1 reply carrying only the header, the question and (if the query had one) an OPT record:
 * the client retries over TCP (RFC 1035 §4.2.1, RFC 2181 §9).
 */
export function truncatedReply(reply: Buffer, questionEnd: number, edns: EdnsInfo | undefined): Buffer {
  const opt = edns ? optRecord(edns.do) : undefined;
  const out = Buffer.allocUnsafe(questionEnd + (opt ? opt.length : 0));
  reply.copy(out, 0, 0, questionEnd);
  out[2] = out[2]! | 0x02;
  out.writeUInt16BE(1, 4);
  out.writeUInt32BE(0, 6);
  out.writeUInt16BE(opt ? 1 : 0, 10);
  if (opt) opt.copy(out, questionEnd);
  return out;
}

/**
 * An error reply (FORMERR, NOTIMP, SERVFAIL, …) built from the request's bytes only. The question
 * is echoed when `questionEnd` is known, otherwise the reply is the bare header (RFC 1035 allows
 * either for FORMERR). Returns undefined when there is not even a header to answer.
 */
export function errorReply(request: Buffer, rcode: number, questionEnd?: number, edns?: EdnsInfo): Buffer | undefined {
  if (request.length < 12) return undefined;
  const qEnd = questionEnd !== undefined && questionEnd <= request.length ? questionEnd : 12;
  const ext = rcode > 15 ? rcode >> 4 : 0;
  const opt = edns || ext ? optRecord(edns?.do ?? false, ext) : undefined;
  const out = Buffer.allocUnsafe(qEnd + (opt ? opt.length : 0));
  request.copy(out, 0, 0, qEnd);
  out[2] = 0x80 | (request[2]! & 0x79); // QR, keep OPCODE and RD; AA=TC=0
  out[3] = 0x80 | (rcode & 0x0f); // RA
  out.writeUInt16BE(qEnd > 12 ? 1 : 0, 4);
  out.writeUInt32BE(0, 6);
  out.writeUInt16BE(opt ? 1 : 0, 10);
  if (opt) opt.copy(out, qEnd);
  return out;
}

export function rcodeOf(reply: Buffer): number {
  return reply.length >= 4 ? reply[3]! & 0x0f : RCODE.SERVFAIL;
}

/** Skips a (possibly compressed) name; returns the offset after it or -1 when malformed. */
function skipName(msg: Buffer, pos: number): number {
  for (let hops = 0; hops < 128; hops++) {
    if (pos >= msg.length) return -1;
    const l = msg[pos]!;
    if (l === 0) return pos + 1;
    if ((l & 0xc0) === 0xc0) return pos + 2 <= msg.length ? pos + 2 : -1;
    if (l & 0xc0) return -1;
    pos += 1 + l;
  }
  return -1;
}

export interface ReplyScan {
  rcode: number;
  answerCount: number;
  /** Offsets of every TTL field except the OPT pseudo-record's. */
  ttlOffsets: number[];
  ttls: number[];
  /** Smallest TTL of the answer and authority records (undefined when there are none). */
  minTtl: number | undefined;
  /** RFC 2308 negative TTL: min(SOA TTL, SOA MINIMUM) of an authority SOA, if any. */
  negativeTtl: number | undefined;
  truncated: boolean;
}

/** Walks a reply's records (bounded, no decoding of names); undefined when malformed. */
export function scanReply(msg: Buffer): ReplyScan | undefined {
  if (msg.length < 12) return undefined;
  const qd = msg.readUInt16BE(4);
  const an = msg.readUInt16BE(6);
  const ns = msg.readUInt16BE(8);
  const ar = msg.readUInt16BE(10);
  let pos = 12;
  for (let i = 0; i < qd; i++) {
    pos = skipName(msg, pos);
    if (pos < 0 || pos + 4 > msg.length) return undefined;
    pos += 4;
  }
  const scan: ReplyScan = {
    rcode: msg[3]! & 0x0f, answerCount: an, ttlOffsets: [], ttls: [],
    minTtl: undefined, negativeTtl: undefined, truncated: (msg[2]! & 0x02) !== 0,
  };
  const total = an + ns + ar;
  for (let i = 0; i < total; i++) {
    pos = skipName(msg, pos);
    if (pos < 0 || pos + 10 > msg.length) return undefined;
    const type = msg.readUInt16BE(pos);
    const ttl = msg.readUInt32BE(pos + 4) & 0x7fffffff;
    const rdlen = msg.readUInt16BE(pos + 8);
    const rdata = pos + 10;
    if (rdata + rdlen > msg.length) return undefined;
    if (type !== TYPE.OPT) {
      scan.ttlOffsets.push(pos + 4);
      scan.ttls.push(ttl);
      if (i < an + ns) scan.minTtl = scan.minTtl === undefined ? ttl : Math.min(scan.minTtl, ttl);
      if (type === TYPE.SOA && i >= an && i < an + ns && rdlen >= 22) {
        const minimum = msg.readUInt32BE(rdata + rdlen - 4) & 0x7fffffff;
        scan.negativeTtl = Math.min(ttl, minimum);
      }
    }
    pos = rdata + rdlen;
  }
  return scan;
}

/** Encodes a dotted name (no escapes) as wire labels; throws on an over-long label or name. */
export function encodeName(name: string): Buffer {
  const labels = name.split('.').filter((l) => l.length > 0);
  const parts: Buffer[] = [];
  let size = 1;
  for (const l of labels) {
    const b = Buffer.from(l, 'latin1');
    if (b.length > 63) throw new Error(`label too long: ${l}`);
    size += b.length + 1;
    parts.push(Buffer.from([b.length]), b);
  }
  if (size > 255) throw new Error(`name too long: ${name}`);
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/** A query message for `name`/`type` (RD=1), used for internal lookups (autopath, CNAME chase). */
export function buildQuery(id: number, name: string, type: number, edns?: EdnsInfo): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header[2] = 0x01;
  header.writeUInt16BE(1, 4);
  if (edns) header.writeUInt16BE(1, 10);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(type, 0);
  q.writeUInt16BE(1, 2);
  const parts = [header, encodeName(name), q];
  if (edns) {
    const opt = optRecord(edns.do);
    opt.writeUInt16BE(edns.udpSize, 3);
    parts.push(opt);
  }
  return Buffer.concat(parts);
}
