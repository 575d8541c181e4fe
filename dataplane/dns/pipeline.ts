/**
 * QueryPipeline: what happens to one DNS message, for UDP and TCP alike.
 *
 *   bytes ─► readQuestion ─► answer cache hit? ─yes─► patch ID/flags/case ─► (TC if too big) ─► reply
 *                 │                  │ no
 *                 │                  ▼
 *                 └── not plain ─► dns2 parse ─► checks (FORMERR/NOTIMP/BADVERS) ─► handler chain
 *                                                                         ─► (TC if too big) ─► reply
 *
 * Guarantees: never throws to the socket; a message that is not a query is dropped, a malformed
 * query gets FORMERR (or is dropped when it has no header to answer); a handler failure becomes
 * SERVFAIL; UDP replies never exceed the client's limit (512, or its EDNS0 size).
 */
import dns2 from 'dns2';
import { performance } from 'node:perf_hooks';
import type { AnswerCache } from './answer-cache.js';
import type { ClientInfo, Dns2Packet, DnsRequest, Next } from './chain.js';
import { questionEnd } from './forwarder.js';
import type { DnsMetrics } from './metrics.js';
import { normalizeName } from './names.js';
import {
  CLASSIC_UDP_SIZE, RCODE, errorReply, rcodeOf, readQuestion, truncatedReply, udpLimit,
  type EdnsInfo, type RawQuestion,
} from './wire.js';

const { Packet } = dns2;
const MAX_QUERY_RECORDS = 8;

export class QueryPipeline {
  constructor(
    private readonly chain: Next,
    private readonly cache: AnswerCache,
    private readonly metrics: DnsMetrics,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /**
   * A UDP datagram. Returns the reply synchronously when the answer cache has it (the fast path),
   * a promise otherwise; undefined = send nothing.
   */
  udp(msg: Buffer, address: string, port: number): Buffer | undefined | Promise<Buffer | undefined> {
    const start = performance.now();
    const q = readQuestion(msg);
    if (q !== undefined) {
      this.metrics.request('udp', q.qtype);
      const e = this.cache.lookup(q.key, address);
      if (e !== undefined) {
        let reply = this.cache.render(e, msg, q.nameEnd);
        if (reply.length > udpLimit(q.edns)) reply = truncatedReply(reply, q.questionEnd, q.edns);
        this.metrics.response('udp', rcodeOf(reply), start, performance.now());
        return reply;
      }
    }
    return this.slow(msg, q, { address, port, transport: 'udp' }, start);
  }

  /** A TCP message (framing already removed): no size limit, no fast path needed. */
  tcp(msg: Buffer, address: string, port: number): Promise<Buffer | undefined> {
    const start = performance.now();
    const q = readQuestion(msg);
    if (q !== undefined) this.metrics.request('tcp', q.qtype);
    return this.slow(msg, q, { address, port, transport: 'tcp' }, start);
  }

  private async slow(msg: Buffer, q: RawQuestion | undefined, client: ClientInfo, start: number): Promise<Buffer | undefined> {
    const proto = client.transport === 'tcp' ? 'tcp' : 'udp';
    const done = (reply: Buffer | undefined): Buffer | undefined => {
      if (reply) this.metrics.response(proto, rcodeOf(reply), start, performance.now());
      return reply;
    };
    if (msg.length < 12 || (msg[2]! & 0x80) !== 0) return undefined; // no header, or not a query
    const opcode = (msg[2]! >> 3) & 0x0f;
    if (opcode !== 0) {
      if (q === undefined) this.metrics.request(proto, 0);
      return done(errorReply(msg, RCODE.NOTIMP, safeQuestionEnd(msg)));
    }
    // dns2's parser walks every record the header announces, catching an exception per missing
    // one: 4 × 65535 announced records cost seconds of CPU. A query has one question and a few
    // additional records at most, so implausible counts are answered FORMERR without parsing.
    const records = msg.readUInt16BE(6) + msg.readUInt16BE(8) + msg.readUInt16BE(10);
    if (msg.readUInt16BE(4) !== 1 || records > MAX_QUERY_RECORDS || 12 + 5 + 11 * records > msg.length) {
      if (q === undefined) this.metrics.request(proto, 0);
      return done(errorReply(msg, RCODE.FORMERR));
    }
    let packet: Dns2Packet;
    try {
      packet = Packet.parse(msg);
    } catch {
      if (q === undefined) this.metrics.request(proto, 0);
      return done(errorReply(msg, RCODE.FORMERR));
    }
    const question = packet.questions[0];
    if (q === undefined) this.metrics.request(proto, question?.type ?? 0);
    const qEnd = q?.questionEnd ?? safeQuestionEnd(msg);
    if (packet.header.qdcount !== 1 || packet.questions.length !== 1 || typeof question?.name !== 'string') {
      return done(errorReply(msg, RCODE.FORMERR));
    }
    const edns = q?.edns ?? ednsOf(packet);
    if (edns && edns.version !== 0) return done(errorReply(msg, RCODE.BADVERS, qEnd, edns));
    const req: DnsRequest = {
      raw: msg, packet, name: normalizeName(question.name), type: question.type, qclass: question.class,
      question: q, edns, client, depth: 0, cacheChecked: q !== undefined && client.transport === 'udp',
    };
    let wire: Buffer;
    try {
      wire = (await this.chain(req)).wire;
    } catch (err) {
      this.onError(err);
      return done(errorReply(msg, RCODE.SERVFAIL, qEnd, edns));
    }
    if (client.transport === 'udp' && wire.length > udpLimit(edns)) {
      const end = safeQuestionEnd(wire);
      wire = end !== undefined ? truncatedReply(wire, end, edns) : errorReply(msg, RCODE.SERVFAIL)!;
    }
    return done(wire);
  }
}

function safeQuestionEnd(msg: Buffer): number | undefined {
  const end = questionEnd(msg);
  return end > 12 ? end : undefined;
}

/** EDNS info from dns2's parse (the raw reader declined the message). */
function ednsOf(packet: Dns2Packet): EdnsInfo | undefined {
  const opt = (packet.additionals as { type: number; class: number; version?: number; doFlag?: boolean }[])
    .find((r) => r && r.type === 41);
  if (!opt) return undefined;
  return { udpSize: Math.max(opt.class || 0, CLASSIC_UDP_SIZE), version: opt.version ?? 0, do: !!opt.doFlag };
}
