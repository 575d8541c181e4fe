/**
 * Bad input never escapes as anything but an ApiError with the right Status: 415 for what is not
 * a protobuf object we can decode, 400 for truncated or malformed bytes (naming the field path).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../control/api/errors.js';
import { decodeProtobufObject, supportedProtobufKinds } from '../../../../control/api/protobuf/index.js';
import { envelope, pb } from './proto-writer.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const fixtureNames = readdirSync(FIXTURES).filter((f) => f.endsWith('.pb'));

function errorOf(body: Buffer): ApiError {
  try {
    decodeProtobufObject(body);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw new Error(`expected ApiError, got ${String(err)}`);
  }
  throw new Error('expected decoding to fail');
}

describe('415 UnsupportedMediaType', () => {
  it('a body without the k8s\\0 magic (JSON sent with the protobuf content type)', () => {
    const err = errorOf(Buffer.from('{"apiVersion":"v1","kind":"ConfigMap"}'));
    expect(err.code).toBe(415);
    expect(err.reason).toBe('UnsupportedMediaType');
    expect(err.message).toMatch(/magic/);
    expect(errorOf(Buffer.alloc(0)).code).toBe(415);
    expect(errorOf(Buffer.from('k8s')).code).toBe(415);
  });

  it('a kind without a schema names the kind and suggests JSON', () => {
    const err = errorOf(envelope('apps/v1', 'StatefulSet', pb.msg(1, pb.str(1, 'x'))));
    expect(err.code).toBe(415);
    expect(err.message).toContain('StatefulSet (apps/v1)');
    expect(err.message).toContain('application/json');
    expect(errorOf(envelope('apps/v1beta1', 'Deployment', Buffer.alloc(0))).code).toBe(415);
  });

  it('a content encoding (e.g. gzip inside runtime.Unknown)', () => {
    const err = errorOf(envelope('v1', 'ConfigMap', Buffer.alloc(0), pb.str(3, 'gzip')));
    expect(err.code).toBe(415);
    expect(err.message).toContain('gzip');
  });

  it('lists the supported kinds', () => {
    expect(supportedProtobufKinds()).toEqual(expect.arrayContaining(['v1/Secret', 'apps/v1/Deployment', 'batch/v1/Job']));
  });
});

describe('400 BadRequest', () => {
  it('an envelope without kind', () => {
    const body = Buffer.concat([Buffer.from('k8s\u0000', 'latin1'), pb.msg(1, pb.str(1, 'v1')), pb.bytes(2, Buffer.alloc(0))]);
    const err = errorOf(body);
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toMatch(/apiVersion\/kind/);
  });

  it('a truncated object names where decoding stopped', () => {
    // raw claims a 10-byte metadata message but carries 2 bytes.
    const raw = Buffer.concat([Buffer.from([0x0a, 0x0a]), pb.str(1, 'x')]);
    const err = errorOf(envelope('v1', 'ConfigMap', raw));
    expect(err.code).toBe(400);
    expect(err.message).toMatch(/^malformed protobuf body: ConfigMap: length 10 runs past the end/);
  });

  it('a field with the wrong wire type names its path', () => {
    const raw = pb.msg(2, pb.msg(3, pb.msg(2, pb.msg(2, pb.int(1, 5)))));
    const err = errorOf(envelope('apps/v1', 'Deployment', raw));
    expect(err.code).toBe(400);
    expect(err.message).toContain('Deployment.spec.template.spec.containers[0].name');
    expect(err.message).toContain('expected length-delimited');
  });

  it('bad IntOrString type and invalid FieldsV1 JSON', () => {
    const port = pb.msg(2, pb.msg(1, pb.int(3, 80), pb.msg(4, pb.int(1, 7))));
    expect(errorOf(envelope('v1', 'Service', port)).message).toContain('Service.spec.ports[0].targetPort: IntOrString.type 7');
    const mf = pb.msg(1, pb.msg(17, pb.msg(7, pb.str(1, '{not json'))));
    expect(errorOf(envelope('v1', 'ConfigMap', mf)).message).toContain('ConfigMap.metadata.managedFields[0].fieldsV1');
  });

  it('an over-long varint and a deprecated group wire type', () => {
    const long = Buffer.concat([Buffer.from([0x08]), Buffer.alloc(10, 0xff), Buffer.from([0x01])]);
    expect(errorOf(envelope('v1', 'ConfigMap', pb.msg(1, long))).message).toMatch(/varint longer than 10 bytes/);
    expect(errorOf(envelope('v1', 'ConfigMap', Buffer.from([0x0b]))).message).toMatch(/start-group/);
  });

  it('every truncation of every captured body is rejected with a Status or decodes; none crashes', () => {
    for (const name of fixtureNames) {
      const body = readFileSync(join(FIXTURES, name));
      // kubectl ends runtime.Unknown with empty contentEncoding (3) and contentType (4): 1a 00 22 00.
      expect(body.subarray(-4).toString('hex'), name).toBe('1a002200');
      const rawEnd = body.length - 4;
      for (let len = 0; len < body.length; len++) {
        let outcome: string;
        try {
          decodeProtobufObject(body.subarray(0, len));
          outcome = 'ok';
        } catch (err) {
          if (!(err instanceof ApiError)) throw new Error(`${name}[0,${len}): ${String(err)}`);
          outcome = String(err.code);
        }
        expect(['ok', '400', '415'], `${name}[0,${len})`).toContain(outcome);
        // Cutting inside the raw object always breaks its length prefix.
        if (len > rawEnd - 8 && len < rawEnd) expect(outcome, `${name}[0,${len})`).toBe('400');
      }
    }
  });

  it('random byte corruption yields only ApiErrors (seeded, reproducible)', () => {
    let seed = 0x5eed;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (const name of fixtureNames) {
      const original = readFileSync(join(FIXTURES, name));
      for (let round = 0; round < 200; round++) {
        const body = Buffer.from(original);
        const flips = 1 + Math.floor(rand() * 3);
        for (let i = 0; i < flips; i++) body[4 + Math.floor(rand() * (body.length - 4))] = Math.floor(rand() * 256);
        try {
          decodeProtobufObject(body);
        } catch (err) {
          if (!(err instanceof ApiError)) throw new Error(`${name} round ${round}: ${String(err)}`);
          expect([400, 415]).toContain(err.code);
        }
      }
    }
  });
});
