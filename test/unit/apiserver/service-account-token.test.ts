/**
 * Service account tokens without a server: RS256 signing and verification (forgery, other keys,
 * alg confusion), the claims upstream writes, expiry/audience/issuer checks with the 60 s
 * leeway, the TokenRequest rules (defaults, limits, bound objects), and the authenticator's
 * live checks (deleted pod, recreated ServiceAccount).
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../control/api/object.js';
import { ApiError } from '../../../control/api/errors.js';
import { keyIdOf, looksLikeJwt, signJwt, signingKeyFromPem, verifyJwt } from '../../../control/apiserver/serviceaccount/jwt.js';
import { checkServiceAccountClaims, serviceAccountClaims } from '../../../control/apiserver/serviceaccount/token-claims.js';
import { buildServiceAccountTokenAuthenticator, type BoundKind } from '../../../control/apiserver/serviceaccount/token-authenticator.js';
import { createServiceAccountToken, type TokenIssuer } from '../../../control/apiserver/serviceaccount/token-request.js';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const pem = (): string => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const key = signingKeyFromPem(pem());
const otherKey = signingKeyFromPem(pem());
const issuer: TokenIssuer = { issuer: ISSUER, apiAudiences: [ISSUER], key };
const T0 = new Date('2025-01-01T00:00:00Z');

function decode(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

function header(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
}

/** An in-memory cluster: objects by "resource/ns/name". */
function objects(initial: Array<[BoundKind, string | undefined, KubeObject]>) {
  const map = new Map<string, KubeObject>();
  const put = (r: BoundKind, ns: string | undefined, o: KubeObject) => map.set(`${r}/${ns ?? ''}/${o.metadata.name}`, o);
  for (const [r, ns, o] of initial) put(r, ns, o);
  return {
    put,
    remove: (r: BoundKind, ns: string | undefined, name: string) => map.delete(`${r}/${ns ?? ''}/${name}`),
    get: async (r: BoundKind, ns: string | undefined, name: string) => map.get(`${r}/${ns ?? ''}/${name}`),
  };
}

const sa = (name: string, uid: string): KubeObject => ({ metadata: { name, namespace: 'team', uid } });
const pod = (name: string, uid: string, saName = 'default'): KubeObject => ({ metadata: { name, namespace: 'team', uid }, spec: { serviceAccountName: saName, nodeName: 'n1' } });
const node: KubeObject = { metadata: { name: 'n1', uid: 'node-uid' } };

function cluster() {
  return objects([['serviceaccounts', 'team', sa('default', 'sa-uid')], ['serviceaccounts', 'team', sa('robot', 'robot-uid')],
    ['pods', 'team', pod('web', 'pod-uid')], ['secrets', 'team', { metadata: { name: 's', namespace: 'team', uid: 'secret-uid' } }],
    ['nodes', undefined, node]]);
}

async function request(objs: ReturnType<typeof objects>, name: string, body: unknown, now = T0): Promise<Record<string, any>> {
  return (await createServiceAccountToken({ issuer, objects: objs, now, newId: () => 'jti-1' }, 'team', name, body)) as Record<string, any>;
}

async function apiError(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('RS256 JWTs', () => {
  it('signs with the key id upstream derives from the public key, and verifies', () => {
    const token = signJwt({ sub: 'x' }, key);
    expect(looksLikeJwt(token)).toBe(true);
    expect(header(token)).toEqual({ alg: 'RS256', kid: keyIdOf(key.publicKey) });
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(verifyJwt(token, [otherKey.publicKey, key.publicKey])).toMatchObject({ ok: true, payload: { sub: 'x' } });
  });

  it('rejects a token signed by another key, an edited payload, alg none and garbage', () => {
    expect(verifyJwt(signJwt({ sub: 'x' }, otherKey), [key.publicKey])).toEqual({ ok: false, reason: 'invalid signature' });
    const [h, , s] = signJwt({ sub: 'x' }, key).split('.');
    const edited = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin' })).toString('base64url')}.${s}`;
    expect(verifyJwt(edited, [key.publicKey])).toEqual({ ok: false, reason: 'invalid signature' });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`;
    expect(verifyJwt(none, [key.publicKey])).toEqual({ ok: false, reason: 'unsupported signing algorithm "none"' });
    expect(verifyJwt('abc', [key.publicKey]).ok).toBe(false);
    expect(looksLikeJwt('0123456789abcdef')).toBe(false);
  });
});

describe('service account claims', () => {
  const base = { issuer: ISSUER, audiences: [ISSUER], now: T0, expirationSeconds: 3600, namespace: 'team', serviceAccount: { name: 'default', uid: 'sa-uid' }, jti: 'j' };

  it('are what upstream writes: sorted keys, sub, aud as a list, kubernetes.io with the bound pod and its node', () => {
    const claims = serviceAccountClaims({ ...base, pod: { name: 'web', uid: 'pod-uid' }, node: { name: 'n1', uid: 'node-uid' } });
    expect(Object.keys(claims)).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    expect(claims).toEqual({
      aud: [ISSUER], exp: 1735693200, iat: 1735689600, iss: ISSUER, jti: 'j', nbf: 1735689600,
      sub: 'system:serviceaccount:team:default',
      'kubernetes.io': { namespace: 'team', serviceaccount: { name: 'default', uid: 'sa-uid' }, node: { name: 'n1', uid: 'node-uid' }, pod: { name: 'web', uid: 'pod-uid' } },
    });
  });

  it('are checked for issuer, audience and time window with a 60 s leeway', () => {
    const claims = serviceAccountClaims(base) as unknown as Record<string, unknown>;
    const expect_ = (now: Date, audiences = [ISSUER], iss = ISSUER) => checkServiceAccountClaims(claims, { issuer: iss, audiences, now });
    expect(expect_(T0).ok).toBe(true);
    expect(expect_(new Date(T0.getTime() + 3660_000)).ok).toBe(true);
    expect(expect_(new Date(T0.getTime() + 3661_000))).toEqual({ ok: false, reason: 'service account token has expired' });
    expect(expect_(new Date(T0.getTime() - 61_000))).toEqual({ ok: false, reason: 'service account token is not valid yet' });
    expect(expect_(T0, ['vault'])).toEqual({ ok: false, reason: 'token audiences is invalid for the current authenticator' });
    expect(expect_(T0, [ISSUER], 'https://elsewhere')).toEqual({ ok: false, reason: 'token issuer is not this cluster' });
    expect(checkServiceAccountClaims({ ...claims, sub: 'system:serviceaccount:team:admin' }, { issuer: ISSUER, audiences: [ISSUER], now: T0 }).ok).toBe(false);
  });
});

describe('TokenRequest', () => {
  it('defaults to the API audience and one hour, and returns a token that decodes to those claims', async () => {
    const tr = await request(cluster(), 'default', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });
    expect(tr).toMatchObject({
      kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: 'default', namespace: 'team' },
      spec: { audiences: [ISSUER], expirationSeconds: 3600, boundObjectRef: null },
      status: { expirationTimestamp: '2025-01-01T01:00:00Z' },
    });
    const claims = decode(tr.status.token);
    expect(claims.sub).toBe('system:serviceaccount:team:default');
    expect(claims['kubernetes.io']).toEqual({ namespace: 'team', serviceaccount: { name: 'default', uid: 'sa-uid' } });
    expect(claims.exp - claims.iat).toBe(3600);
  });

  it('takes audiences and a duration, refusing less than 10 minutes or more than 2^32 s with upstream\'s message', async () => {
    const tr = await request(cluster(), 'default', { spec: { audiences: ['vault'], expirationSeconds: 600 } });
    expect(decode(tr.status.token).aud).toEqual(['vault']);
    const short = await apiError(request(cluster(), 'default', { spec: { expirationSeconds: 60 } }));
    expect([short.code, short.message]).toEqual([422, 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes']);
    expect((await apiError(request(cluster(), 'default', { spec: { expirationSeconds: 2 ** 32 + 1 } }))).message).toContain('may not specify a duration larger than 2^32 seconds');
  });

  it('is 404 for a missing ServiceAccount and 422 when the body names another one', async () => {
    const missing = await apiError(request(cluster(), 'nope', { spec: {} }));
    expect([missing.code, missing.message]).toEqual([404, 'serviceaccounts "nope" not found']);
    expect((await apiError(request(cluster(), 'default', { metadata: { name: 'robot' }, spec: {} }))).message)
      .toBe('TokenRequest.authentication.k8s.io "default" is invalid: metadata.name: Invalid value: "robot": must match the service account name if specified');
  });

  it('binds to a pod of that ServiceAccount (with its node), to a secret, and checks a given uid', async () => {
    const tr = await request(cluster(), 'default', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } });
    expect(decode(tr.status.token)['kubernetes.io']).toMatchObject({ pod: { name: 'web', uid: 'pod-uid' }, node: { name: 'n1', uid: 'node-uid' } });
    const sec = await request(cluster(), 'default', { spec: { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's', uid: 'secret-uid' } } });
    expect(decode(sec.status.token)['kubernetes.io'].secret).toEqual({ name: 's', uid: 'secret-uid' });
    const other = await apiError(request(cluster(), 'robot', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } }));
    expect([other.code, other.message]).toEqual([400, 'cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.']);
    const stale = await apiError(request(cluster(), 'default', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web', uid: 'old' } } }));
    expect([stale.code, stale.message]).toEqual([409, 'Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (old) does not match the UID in record. The object might have been deleted and then recreated']);
    expect((await apiError(request(cluster(), 'default', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'gone' } } }))).message).toBe('pods "gone" not found');
    expect((await apiError(request(cluster(), 'default', { spec: { boundObjectRef: { kind: 'ConfigMap', apiVersion: 'v1', name: 'c' } } }))).message).toBe('cannot bind token to object of type /v1, Kind=ConfigMap');
  });
});

describe('the service account token authenticator', () => {
  function authenticator(objs: ReturnType<typeof objects>, now = T0) {
    return buildServiceAccountTokenAuthenticator({ publicKeys: [key.publicKey], issuer: ISSUER, audiences: [ISSUER], objects: objs, now: () => now });
  }

  it('maps a token to system:serviceaccount:<ns>:<name> with upstream\'s groups and extras', async () => {
    const objs = cluster();
    const tr = await request(objs, 'default', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } });
    expect(await authenticator(objs).authenticate(tr.status.token)).toEqual({
      user: {
        name: 'system:serviceaccount:team:default', uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:serviceaccounts:team'],
        extra: {
          'authentication.kubernetes.io/pod-name': ['web'], 'authentication.kubernetes.io/pod-uid': ['pod-uid'],
          'authentication.kubernetes.io/node-name': ['n1'], 'authentication.kubernetes.io/node-uid': ['node-uid'],
          'authentication.kubernetes.io/credential-id': ['JTI=jti-1'],
        },
      },
    });
  });

  it('rejects tokens for another audience, expired ones, and ones signed by another key', async () => {
    const objs = cluster();
    const vault = await request(objs, 'default', { spec: { audiences: ['vault'] } });
    expect(await authenticator(objs).authenticate(vault.status.token)).toEqual({ rejected: 'token audiences is invalid for the current authenticator' });
    const ok = await request(objs, 'default', { spec: { expirationSeconds: 600 } });
    expect(await authenticator(objs, new Date(T0.getTime() + 661_000)).authenticate(ok.status.token)).toEqual({ rejected: 'service account token has expired' });
    const forged = signJwt(decode(ok.status.token), otherKey);
    expect(await authenticator(objs).authenticate(forged)).toEqual({ rejected: 'invalid signature' });
  });

  it('rejects tokens whose pod was deleted (or recreated) and whose ServiceAccount was recreated', async () => {
    const objs = cluster();
    const bound = await request(objs, 'default', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } });
    const auth = authenticator(objs);
    objs.put('pods', 'team', pod('web', 'pod-uid-2'));
    expect(await auth.authenticate(bound.status.token)).toEqual({ rejected: 'pods UID (pod-uid-2) does not match claim (pod-uid)' });
    objs.remove('pods', 'team', 'web');
    expect(await auth.authenticate(bound.status.token)).toEqual({ rejected: 'service account token has been invalidated' });

    const plain = await request(objs, 'default', { spec: {} });
    expect('user' in (await auth.authenticate(plain.status.token))).toBe(true);
    objs.put('serviceaccounts', 'team', sa('default', 'sa-uid-2'));
    expect(await auth.authenticate(plain.status.token)).toEqual({ rejected: 'serviceaccounts UID (sa-uid-2) does not match claim (sa-uid)' });
    objs.remove('serviceaccounts', 'team', 'default');
    expect(await auth.authenticate(plain.status.token)).toEqual({ rejected: 'serviceaccounts "default" not found' });
  });

  it('keeps a gracefully terminating pod\'s token valid until its deletionTimestamp has passed (plus leeway)', async () => {
    const objs = cluster();
    const bound = await request(objs, 'default', { spec: { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } } });
    objs.put('pods', 'team', { ...pod('web', 'pod-uid'), metadata: { name: 'web', namespace: 'team', uid: 'pod-uid', deletionTimestamp: '2025-01-01T00:00:30Z' } });
    expect('user' in (await authenticator(objs, new Date(T0.getTime() + 60_000)).authenticate(bound.status.token))).toBe(true);
    expect(await authenticator(objs, new Date(T0.getTime() + 120_000)).authenticate(bound.status.token)).toEqual({ rejected: 'service account token has been invalidated' });
  });
});
