/**
 * Projected service account tokens in the kubelet, with a fake TokenRequest API and clock: the
 * kube-api-access volume's files on tmpfs, the TokenRequest bound to the pod, refresh at 80 % of
 * the lifetime (and not before), failures as a container's waiting message, and a failed
 * refresh that keeps the still-valid token.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenNeedsRefresh } from '../../../dataplane/kubelet/service-account-tokens.js';
import { volumeFiles } from '../../../dataplane/kubelet/volumes.js';
import { LABELS } from '../../../dataplane/kubelet/labels.js';
import type { Pod, Volume } from '../../../dataplane/kubelet/pod-types.js';
import { makePod, syncHarness, type SyncHarness } from './fixtures.js';

let h: SyncHarness;
afterEach(() => h?.cleanup());

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

/** What the API server's ServiceAccount admission adds (see service-account-admission.ts). */
const apiAccess: Volume = {
  name: 'kube-api-access-x7k2p',
  projected: {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  },
};

function apiPod(): Pod {
  return makePod('client', [{ name: 'app', volumeMounts: [{ name: apiAccess.name, mountPath: MOUNT, readOnly: true }] }],
    { volumes: [apiAccess], serviceAccountName: 'robot' });
}

const appOf = (name: string) => h.docker.named(name).filter((c) => c.labels[LABELS.kind] !== 'sandbox');

function tokenDir(): string {
  const bind = h.docker.specOf(appOf('app')[0]!.id).binds.find((b) => b.includes(`:${MOUNT}`))!;
  expect(bind.endsWith(`:${MOUNT}:ro`)).toBe(true);
  return bind.split(':')[0]!;
}

describe('token refresh rule (upstream requiresRefresh)', () => {
  const issued = { token: 't', expirationTimestamp: '2026-01-01T01:00:00Z', expirationSeconds: 3600 };
  const at = (iso: string) => Date.parse(iso);

  it('refreshes once 80 % of the lifetime has passed, earlier by the jitter', () => {
    expect(tokenNeedsRefresh(issued, at('2026-01-01T00:47:59Z'))).toBe(false);
    expect(tokenNeedsRefresh(issued, at('2026-01-01T00:48:01Z'))).toBe(true);
    expect(tokenNeedsRefresh(issued, at('2026-01-01T00:47:55Z'), 10_000)).toBe(true);
  });

  it('refreshes long-lived tokens after 24 h', () => {
    const year = { token: 't', expirationTimestamp: '2027-01-01T00:00:00Z', expirationSeconds: 365 * 86400 };
    expect(tokenNeedsRefresh(year, at('2026-01-01T23:59:00Z'))).toBe(false);
    expect(tokenNeedsRefresh(year, at('2026-01-02T00:00:01Z'))).toBe(true);
  });
});

describe('projected volume files', () => {
  it('writes the token, ca.crt and namespace with the volume\'s mode; no token yet is a mount error', () => {
    const pod = apiPod();
    const sources = {
      configMap: (_ns: string, n: string) => (n === 'kube-root-ca.crt' ? { metadata: { name: n }, data: { 'ca.crt': CA } } : undefined),
      secret: () => undefined,
      services: () => [],
    };
    const facts = { podIP: '', hostIP: '', nodeName: 'node-a', nodeCpu: 1, nodeMemory: 1 };
    const files = volumeFiles(pod, apiAccess, sources, facts, { token: () => 'eyJ.tok.en' })!;
    expect(files.map((f) => [f.path, f.content.toString(), f.mode])).toEqual([['token', 'eyJ.tok.en', 0o644], ['ca.crt', CA, 0o644], ['namespace', 'default', 0o644]]);
    expect(() => volumeFiles(pod, apiAccess, sources, facts, { token: () => undefined }))
      .toThrow('MountVolume.SetUp failed for volume "kube-api-access-x7k2p" : failed to fetch token: no token has been issued for this pod yet');
  });
});

describe('the kubelet and the kube-api-access volume', () => {
  it('mounts token, ca.crt and namespace read-only from tmpfs, with a token bound to the pod', async () => {
    h = syncHarness();
    h.configMaps.set('default/kube-root-ca.crt', { metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': CA } });
    const pod = apiPod();
    const r = await h.sync(pod);
    expect(r.status.containerStatuses![0]!.state.running).toBeDefined();
    expect(h.tokenRequests).toEqual([{
      namespace: 'default', serviceAccount: 'robot',
      spec: { audiences: [], expirationSeconds: 3607, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'client', uid: 'uid-client' } },
    }]);
    const dir = tokenDir();
    expect(dir).toContain('/shm/');
    expect(readFileSync(join(dir, 'token'), 'utf8')).toBe('token-1');
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(CA);
    expect(readFileSync(join(dir, 'namespace'), 'utf8')).toBe('default');
    expect(statSync(join(dir, 'token')).mode & 0o777).toBe(0o644);
  });

  it('requests a new token only past 80 % of its lifetime, and rewrites the file', async () => {
    h = syncHarness();
    h.configMaps.set('default/kube-root-ca.crt', { metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': CA } });
    const pod = apiPod();
    await h.sync(pod);
    const dir = tokenDir();
    h.clock.advance(2800_000); // 77 % of 3607 s
    await h.syncer.refreshVolumes(pod);
    expect(h.tokenRequests).toHaveLength(1);
    h.clock.advance(100_000); // 80.4 %
    await h.syncer.refreshVolumes(pod);
    expect(h.tokenRequests).toHaveLength(2);
    expect(readFileSync(join(dir, 'token'), 'utf8')).toBe('token-2');
  });

  it('a failed refresh keeps the valid token; a pod without a token waits with the error', async () => {
    h = syncHarness();
    h.configMaps.set('default/kube-root-ca.crt', { metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': CA } });
    const pod = apiPod();
    await h.sync(pod);
    const dir = tokenDir();
    h.failTokens.message = 'the server is currently unable to handle the request';
    h.clock.advance(3000_000);
    await h.syncer.refreshVolumes(pod);
    expect(readFileSync(join(dir, 'token'), 'utf8')).toBe('token-1');

    h.failTokens.message = 'serviceaccounts "robot" not found';
    const other = makePod('other', [{ name: 'app', volumeMounts: [{ name: apiAccess.name, mountPath: MOUNT, readOnly: true }] }], { volumes: [apiAccess], serviceAccountName: 'robot' });
    const r = await h.sync(other);
    expect(r.status.containerStatuses![0]!.state.waiting).toEqual({
      reason: 'ContainerCreating',
      message: 'MountVolume.SetUp failed for volume "kube-api-access-x7k2p" : failed to fetch token: serviceaccounts "robot" not found',
    });
    expect(h.events).toContain('Warning FailedMount MountVolume.SetUp failed for volume "kube-api-access-x7k2p" : failed to fetch token: serviceaccounts "robot" not found');
  });

  it('forgets a pod\'s tokens with the pod', async () => {
    h = syncHarness();
    h.configMaps.set('default/kube-root-ca.crt', { metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': CA } });
    const pod = apiPod();
    await h.sync(pod);
    h.syncer.forget('uid-client');
    await h.syncer.refreshVolumes(pod);
    expect(h.tokenRequests).toHaveLength(2);
  });
});
