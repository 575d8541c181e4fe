/**
 * `kubectl create token` (1.32) POSTs its TokenRequest as protobuf. The bodies in token-fixtures/
 * were captured from the real binary (a throwaway HTTPS server recording the POST):
 *   token-default.pb  kubectl create token default
 *   token-bound.pb    kubectl create token robot --duration 10m --audience vault --audience https://example.com
 *                       --bound-object-kind Pod --bound-object-name web --bound-object-uid 0d4691ed-…
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeProtobufObject } from '../../../../control/api/protobuf/index.js';

const body = (name: string): Buffer => readFileSync(join(import.meta.dirname, 'token-fixtures', `${name}.pb`));

describe('kubectl create token bodies', () => {
  it('a plain request is an empty TokenRequest (the server picks audiences and duration)', () => {
    expect(decodeProtobufObject(body('token-default'))).toStrictEqual({
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {}, spec: {}, status: { token: '' },
    });
  });

  it('--duration, --audience and --bound-object-* land in spec', () => {
    expect(decodeProtobufObject(body('token-bound'))).toStrictEqual({
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: {},
      spec: {
        audiences: ['vault', 'https://example.com'], expirationSeconds: 600,
        boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: '0d4691ed-659b-4935-a832-355f77ee47cc' },
      },
      status: { token: '' },
    });
  });
});
