/** The raw wire reader and helpers the fast path relies on. */
import { describe, expect, it } from 'vitest';
import { buildQuery, patchReply, readQuestion, scanReply, truncatedReply, TYPE } from '../../../dataplane/dns/wire.js';
import { ask, decode, indexOf, query, server } from './fixtures.js';

describe('readQuestion', () => {
  it('keys a question case-insensitively, and apart by type and EDNS/DO', () => {
    const a = readQuestion(buildQuery(1, 'GetIP.Default.svc.cluster.local', TYPE.A))!;
    const b = readQuestion(buildQuery(2, 'getip.default.svc.cluster.local', TYPE.A))!;
    expect(a.key).toBe(b.key);
    expect(a.nameEnd).toBe(12 + 'getip.default.svc.cluster.local'.length + 2);
    expect(readQuestion(buildQuery(1, 'getip.default.svc.cluster.local', TYPE.AAAA))!.key).not.toBe(a.key);
    const e = readQuestion(buildQuery(1, 'getip.default.svc.cluster.local', TYPE.A, { udpSize: 4096, version: 0, do: false }))!;
    const d = readQuestion(buildQuery(1, 'getip.default.svc.cluster.local', TYPE.A, { udpSize: 4096, version: 0, do: true }))!;
    expect(new Set([a.key, e.key, d.key]).size).toBe(3);
    expect(e.edns).toEqual({ udpSize: 4096, version: 0, do: false });
    expect(readQuestion(buildQuery(1, 'x.y', TYPE.A, { udpSize: 100, version: 0, do: false }))!.edns!.udpSize).toBe(512);
  });

  it('declines what it does not fully understand (the slow path takes it)', () => {
    const q = buildQuery(1, 'a.b', TYPE.A);
    const pointer = Buffer.concat([q.subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    const dotInLabel = Buffer.concat([q.subarray(0, 12), Buffer.from([3, 0x61, 0x2e, 0x62, 0, 0, 1, 0, 1])]);
    const highByte = Buffer.concat([q.subarray(0, 12), Buffer.from([1, 0xe9, 0, 0, 1, 0, 1])]);
    const trailing = Buffer.concat([q, Buffer.from([0])]);
    const response = Buffer.from(q);
    response[2] = response[2]! | 0x80;
    const twoQuestions = Buffer.from(q);
    twoQuestions[5] = 2;
    for (const m of [pointer, dotInLabel, highByte, trailing, response, twoQuestions, q.subarray(0, 16), Buffer.alloc(0)]) {
      expect(readQuestion(m)).toBeUndefined();
    }
  });
});

describe('reply helpers', () => {
  it('patchReply copies ID, RD, CD and the name\'s case from the request', () => {
    const stored = Buffer.from(buildQuery(0, 'abc.def', TYPE.A));
    stored[2] = 0x85; // QR AA RD
    const req = buildQuery(0xbeef, 'AbC.dEf', TYPE.A);
    req[2] = 0x00; // RD=0
    req[3] = 0x10; // CD=1
    const out = patchReply(stored, req, readQuestion(req)!.nameEnd);
    expect(out.readUInt16BE(0)).toBe(0xbeef);
    expect(out[2]).toBe(0x84);
    expect(out[3]! & 0x10).toBe(0x10);
    expect(out.subarray(12, 21).toString('latin1')).toContain('AbC');
  });

  it('scanReply finds every TTL and the RFC 2308 negative TTL; truncatedReply keeps only the question', async () => {
    const s = server(indexOf({}));
    const wire = await ask(s, query('nope.default.svc.cluster.local', 'A', { edns: { udpSize: 1232 } }));
    const scan = scanReply(wire)!;
    expect(scan.rcode).toBe(3);
    expect(scan.negativeTtl).toBe(5);
    expect(scan.ttlOffsets).toHaveLength(1); // the SOA; the OPT's TTL field is not a TTL
    const tc = truncatedReply(wire, readQuestion(query('nope.default.svc.cluster.local', 'A'))!.questionEnd, { udpSize: 1232, version: 0, do: false });
    const d = decode(tc);
    expect(d.tc).toBe(true);
    expect(d.authority).toBe('');
    expect(d.question).toBe('nope.default.svc.cluster.local 1');
    expect(scanReply(Buffer.from([0, 0, 0x80, 0, 0, 0, 0, 5, 0, 0, 0, 0]))).toBeUndefined(); // 5 answers announced, none there
  });
});
