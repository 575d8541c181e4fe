/**
 * The handler chain's contract (CoreDNS's plugin.Handler, reduced): a handler either answers a
 * request or passes it to `next`, and may look at or annotate what comes back. The order is
 * declared once, in index.ts; the terminal step answers SERVFAIL (nobody claimed the name).
 *
 * A reply is wire bytes for this request (its ID, its question) plus an optional cache policy
 * saying how long, for whom, and depending on what the bytes may be replayed.
 */
import dns2 from 'dns2';
import type { EdnsInfo, RawQuestion } from './wire.js';
import { OUR_EDNS_SIZE, RCODE } from './wire.js';
import type { ResourceRecord } from './records.js';

const { Packet } = dns2;
export type Dns2Packet = InstanceType<typeof Packet>;
type Dns2Resource = Dns2Packet['answers'][number];
/** dns2 3.0's EDNS factory takes options its typings do not declare. */
const makeOpt = Packet.Resource.EDNS as unknown as (rdata: object[], opts: { udpPayloadSize: number; doFlag: boolean }) => Dns2Resource;

export interface ClientInfo {
  address: string;
  port: number;
  /** 'internal' marks lookups the server makes itself (autopath steps, CNAME chasing). */
  transport: 'udp' | 'tcp' | 'internal';
}

export interface DnsRequest {
  /** The query's bytes (what the forwarder sends upstream). */
  raw: Buffer;
  /** dns2's parse of the query. */
  packet: Dns2Packet;
  /** Question name, lowercased, no trailing dot. */
  name: string;
  type: number;
  qclass: number;
  /** Present when the raw reader understood the question: the reply may then be cached. */
  question: RawQuestion | undefined;
  edns: EdnsInfo | undefined;
  client: ClientInfo;
  /** Nesting level of internal lookups; bounds autopath and CNAME chasing. */
  depth: number;
  /** The UDP fast path already looked this question up in the answer cache (and missed). */
  cacheChecked: boolean;
}

/** A lookup the server makes itself through the whole chain (autopath steps, CNAME chasing). */
export type InternalResolver = (name: string, type: number, parent: DnsRequest) => Promise<{ reply: DnsReply; packet: Dns2Packet }>;

export interface CachePolicy {
  /** Seconds the reply may be replayed; Infinity = until a dependency changes. */
  ttlSec: number;
  /** TTLs in the stored bytes count down with age (data from elsewhere, e.g. upstream). */
  decrement: boolean;
  /** Dependency keys (cluster-index.ts); a change to any of them drops the stored reply. */
  deps: string[];
  /** An NXDOMAIN under `<ns>.svc.<zone>` that autopath answers differently for pods in <ns>. */
  candidateNs?: string;
  /** Only for clients in this namespace (an autopath answer). */
  autopathNs?: string;
  denial: boolean;
}

export interface DnsReply {
  wire: Buffer;
  cache?: CachePolicy;
  /** The handler that produced the answer (metrics label `plugin`). */
  from: string;
}

export type Next = (req: DnsRequest) => Promise<DnsReply>;

export interface DnsHandler {
  readonly name: string;
  serve(req: DnsRequest, next: Next): Promise<DnsReply>;
}

/** Composes handlers in order; `terminal` runs when the last one calls next. */
export function composeChain(handlers: readonly DnsHandler[], terminal: Next): Next {
  let next = terminal;
  for (let i = handlers.length - 1; i >= 0; i--) {
    const h = handlers[i]!;
    const after = next;
    next = (req) => h.serve(req, after);
  }
  return next;
}

export interface ReplySections {
  rcode: number;
  authoritative: boolean;
  answers: readonly ResourceRecord[];
  authorities?: readonly ResourceRecord[];
  additionals?: readonly ResourceRecord[];
}

/**
 * Encodes a reply to `req` with dns2 (name compression included). This is the slow path; its
 * bytes are what the answer cache replays, so fast-path replies equal them byte for byte.
 */
export function encodeReply(req: DnsRequest, s: ReplySections): Buffer {
  const h = req.packet.header as { id: number; rd: 0 | 1; cd?: number };
  const p = new Packet();
  const header = {
    id: h.id, qr: 1, opcode: 0, aa: s.authoritative ? 1 : 0, tc: 0, rd: h.rd ? 1 : 0, ra: 1, z: 0, ad: 0,
    cd: h.cd ? 1 : 0, rcode: s.rcode, qdcount: 0, ancount: 0, nscount: 0, arcount: 0,
  };
  p.header = header as unknown as Dns2Packet['header'];
  p.questions = [req.packet.questions[0]!];
  p.answers = [...s.answers] as Dns2Packet['answers'];
  p.authorities = [...(s.authorities ?? [])] as Dns2Packet['authorities'];
  p.additionals = [...(s.additionals ?? [])] as Dns2Packet['additionals'];
  if (req.edns || s.rcode > 15) {
    p.additionals.push(makeOpt([], { udpPayloadSize: OUR_EDNS_SIZE, doFlag: req.edns?.do ?? false }));
  }
  return p.toBuffer();
}

export function servfail(req: DnsRequest, from: string): DnsReply {
  return { wire: encodeReply(req, { rcode: RCODE.SERVFAIL, authoritative: false, answers: [] }), from };
}
