/**
 * ServiceAccounts as a kubectl 1.32 user meets them on `tug server` (no nodes): a `default`
 * ServiceAccount and the `kube-root-ca.crt` ConfigMap in every namespace, `kubectl create token`
 * and using its token (`--token`, `auth whoami`), the 401s (other audience, expired, forged,
 * bound pod deleted, ServiceAccount recreated), the pod admission (kube-api-access volume,
 * automount opt-outs, missing ServiceAccount refused) and OIDC issuer discovery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { until } from '../../support/local-cluster.js';
import { signJwt, signingKeyFromPem } from '../../../control/apiserver/serviceaccount/jwt.js';

let cp: TestControlPlane;
let tmp: string;
/** a kubeconfig with the server and CA only: every request authenticates with --token */
let tokenOnly: string;

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const UNAUTHORIZED = 'error: You must be logged in to the server (Unauthorized)';

beforeAll(async () => {
  cp = await startControlPlane();
  tmp = mkdtempSync(join(tmpdir(), 'tug-sa-'));
  tokenOnly = join(tmp, 'token-only.kubeconfig');
  const ca = Buffer.from(readFileSync(join(cp.stateDir, 'pki', 'ca.crt'))).toString('base64');
  writeFileSync(tokenOnly, `apiVersion: v1
kind: Config
clusters: [{name: tug, cluster: {server: "${cp.url}", certificate-authority-data: ${ca}}}]
users: [{name: nobody, user: {}}]
contexts: [{name: tug, context: {cluster: tug, user: nobody, namespace: default}}]
current-context: tug
`);
});

afterAll(async () => {
  await cp?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** kubectl authenticated by nothing but `token` */
function withToken(token: string, args: string[]) {
  return cp.kubectl(['--kubeconfig', tokenOnly, '--token', token, ...args]);
}

function claims(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

async function token(args: string[] = []): Promise<string> {
  return (await cp.k(['create', 'token', 'default', ...args])).trim();
}

async function json(args: string[]): Promise<Record<string, any>> {
  return JSON.parse(await cp.k([...args, '-o', 'json'])) as Record<string, any>;
}

describe('a default ServiceAccount and kube-root-ca.crt in every namespace', () => {
  it('exist in the system namespaces and in a namespace created now', async () => {
    const all = await cp.k(['get', 'sa', '-A', '--no-headers', '-o', 'custom-columns=NS:.metadata.namespace,NAME:.metadata.name']);
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) expect(all).toMatch(new RegExp(`^${ns}\\s+default$`, 'm'));
    await cp.k(['create', 'namespace', 'team']);
    const sa = await until('default SA in team', async () => (await cp.kubectl(['get', 'sa', 'default', '-n', 'team'])).code === 0, 15_000);
    expect(sa).toBe(true);
    const cm = await until('kube-root-ca.crt in team', async () => {
      const r = await cp.kubectl(['get', 'cm', 'kube-root-ca.crt', '-n', 'team', '-o', 'json']);
      return r.code === 0 ? JSON.parse(r.stdout) : undefined;
    }, 15_000);
    expect(cm.data).toEqual({ 'ca.crt': readFileSync(join(cp.stateDir, 'pki', 'ca.crt'), 'utf8') });
  });

  it('come back when deleted or edited (a new ServiceAccount has a new uid)', async () => {
    const before = (await json(['get', 'sa', 'default', '-n', 'team'])).metadata.uid;
    await cp.k(['delete', 'sa', 'default', '-n', 'team']);
    const after = await until('default SA recreated', async () => {
      const r = await cp.kubectl(['get', 'sa', 'default', '-n', 'team', '-o', 'jsonpath={.metadata.uid}']);
      return r.code === 0 && r.stdout ? r.stdout : undefined;
    }, 15_000);
    expect(after).not.toBe(before);
    await cp.k(['patch', 'cm', 'kube-root-ca.crt', '-n', 'team', '--type=merge', '-p', '{"data":{"ca.crt":"bogus"}}']);
    const restored = await until('kube-root-ca.crt restored', async () => {
      const d = (await json(['get', 'cm', 'kube-root-ca.crt', '-n', 'team'])).data['ca.crt'] as string;
      return d !== 'bogus' ? d : undefined;
    }, 15_000);
    expect(restored).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });
});

describe('kubectl create token', () => {
  it('prints a JWT for system:serviceaccount:default:default, valid one hour for the API audience', async () => {
    const t = await token();
    const c = claims(t);
    const uid = (await json(['get', 'sa', 'default'])).metadata.uid;
    expect(c).toMatchObject({ iss: ISSUER, aud: [ISSUER], sub: 'system:serviceaccount:default:default', 'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'default', uid } } });
    expect(c.exp - c.iat).toBe(3600);
    const ten = claims(await token(['--duration', '10m', '--audience', 'vault']));
    expect([ten.exp - ten.iat, ten.aud]).toEqual([600, ['vault']]);
  });

  it('authenticates as the ServiceAccount (--token, auth whoami)', async () => {
    const t = await token();
    const pods = await withToken(t, ['get', 'pods', '-A']);
    expect([pods.code, pods.stderr.trim()]).toEqual([0, 'No resources found']);
    const who = JSON.parse((await withToken(t, ['auth', 'whoami', '-o', 'json'])).stdout);
    expect(who.status.userInfo).toMatchObject({
      username: 'system:serviceaccount:default:default',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${claims(t).jti}`] },
    });
  });

  it('refuses what upstream refuses, with upstream\'s messages', async () => {
    const short = await cp.kubectl(['create', 'token', 'default', '--duration', '1m']);
    expect([short.code, short.stderr.trim()]).toEqual([1, 'error: failed to create token: TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes']);
    const missing = await cp.kubectl(['create', 'token', 'robot']);
    expect(missing.stderr.trim()).toBe('error: failed to create token: serviceaccounts "robot" not found');
  });
});

describe('tokens that must not authenticate (401)', () => {
  it('a token for another audience', async () => {
    const r = await withToken(await token(['--audience', 'vault']), ['get', 'pods']);
    expect([r.code, r.stderr.trim()]).toEqual([1, UNAUTHORIZED]);
  });

  it('an expired token and a forged one (right claims, wrong key), signed here', async () => {
    const real = claims(await token());
    const clusterKey = signingKeyFromPem(readFileSync(join(cp.stateDir, 'pki', 'sa.key'), 'utf8'));
    const now = Math.floor(Date.now() / 1000);
    const expired = signJwt({ ...real, iat: now - 7200, nbf: now - 7200, exp: now - 120 }, clusterKey);
    expect((await withToken(expired, ['get', 'pods'])).stderr.trim()).toBe(UNAUTHORIZED);
    const stillValid = signJwt({ ...real, iat: now - 7200, nbf: now - 7200, exp: now + 600 }, clusterKey);
    expect((await withToken(stillValid, ['get', 'pods'])).code).toBe(0);
    const otherKey = signingKeyFromPem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    expect((await withToken(signJwt(real, otherKey), ['get', 'pods'])).stderr.trim()).toBe(UNAUTHORIZED);
  });

  it('a token bound to a pod that was deleted', async () => {
    await cp.k(['run', 'bound', '--image=tugboat/testapp:latest']);
    const t = await token(['--bound-object-kind', 'Pod', '--bound-object-name', 'bound']);
    expect(claims(t)['kubernetes.io'].pod.name).toBe('bound');
    expect((await withToken(t, ['get', 'pods'])).code).toBe(0);
    const stale = await cp.kubectl(['create', 'token', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'bound', '--bound-object-uid', 'not-the-uid']);
    expect(stale.stderr.trim()).toBe('error: failed to create token: Operation cannot be fulfilled on Pod "bound": the UID in the bound object reference (not-the-uid) does not match the UID in record. The object might have been deleted and then recreated');
    await cp.k(['delete', 'pod', 'bound', '--wait=false']);
    expect((await withToken(t, ['get', 'pods'])).stderr.trim()).toBe(UNAUTHORIZED);
  });

  it('a token of a ServiceAccount that was deleted, even once one of the same name exists again', async () => {
    await cp.k(['create', 'sa', 'robot']);
    const t = (await cp.k(['create', 'token', 'robot'])).trim();
    expect((await withToken(t, ['get', 'pods'])).code).toBe(0);
    await cp.k(['delete', 'sa', 'robot']);
    expect((await withToken(t, ['get', 'pods'])).stderr.trim()).toBe(UNAUTHORIZED);
    await cp.k(['create', 'sa', 'robot']);
    expect((await withToken(t, ['get', 'pods'])).stderr.trim()).toBe(UNAUTHORIZED);
  });
});

describe('pods and their ServiceAccount', () => {
  it('get the kube-api-access volume mounted at the token path in every container', async () => {
    await cp.k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: api-client}
spec:
  initContainers: [{name: init, image: tugboat/testapp:latest}]
  containers: [{name: app, image: tugboat/testapp:latest}]
`);
    const spec = (await json(['get', 'pod', 'api-client'])).spec;
    const volume = spec.volumes.find((v: any) => v.name.startsWith('kube-api-access-'));
    expect(volume.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(volume.projected.sources).toEqual([
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ]);
    const mount = { name: volume.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
    expect(spec.containers[0].volumeMounts).toEqual([mount]);
    expect(spec.initContainers[0].volumeMounts).toEqual([mount]);
  });

  it('respect automountServiceAccountToken: false on the pod or on its ServiceAccount', async () => {
    await cp.k(['run', 'no-token', '--image=tugboat/testapp:latest', '--overrides={"spec":{"automountServiceAccountToken":false}}']);
    expect((await json(['get', 'pod', 'no-token'])).spec.volumes).toBeUndefined();
    await cp.k(['apply', '-f', '-'], 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet}\nautomountServiceAccountToken: false\n');
    await cp.k(['run', 'quiet', '--image=tugboat/testapp:latest', '--overrides={"spec":{"serviceAccountName":"quiet"}}']);
    const spec = (await json(['get', 'pod', 'quiet'])).spec;
    expect([spec.serviceAccountName, spec.volumes, spec.containers[0].volumeMounts]).toEqual(['quiet', undefined, undefined]);
  });

  it('are refused when their ServiceAccount does not exist', async () => {
    const r = await cp.kubectl(['run', 'lost', '--image=tugboat/testapp:latest', '--overrides={"spec":{"serviceAccountName":"ghost"}}']);
    expect([r.code, r.stderr.trim()]).toEqual([1, 'Error from server (Forbidden): pods "lost" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found']);
  });
});

describe('service account issuer discovery', () => {
  it('publishes the issuer and a JWKS whose key verifies our tokens', async () => {
    const config = JSON.parse(await cp.k(['get', '--raw', '/.well-known/openid-configuration']));
    expect(config).toEqual({
      issuer: ISSUER, jwks_uri: `${cp.url}/openid/v1/jwks`, response_types_supported: ['id_token'],
      subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
    });
    const { keys } = JSON.parse(await cp.k(['get', '--raw', '/openid/v1/jwks']));
    expect(keys).toHaveLength(1);
    const t = await token();
    const [h, p, s] = t.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString()).kid).toBe(keys[0].kid);
    const key = createPublicKey({ key: keys[0], format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).toBe(true);
    // the published key is the public half of sa.key
    const pub = createPublicKey(createPrivateKey(readFileSync(join(cp.stateDir, 'pki', 'sa.key'), 'utf8')));
    expect(pub.export({ format: 'jwk' })).toMatchObject({ n: keys[0].n, e: keys[0].e });
  });
});
