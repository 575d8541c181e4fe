/**
 * The ServiceAccount admission plugin as a pod author meets it: the kube-api-access volume and
 * its mounts (exactly upstream's shape), automount opt-outs, existing mounts respected, the
 * ServiceAccount's imagePullSecrets, and the 403 for a ServiceAccount that does not exist.
 */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../control/api/object.js';
import { clone } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import { applyDefaults } from '../../../control/api/defaults/index.js';
import { validate } from '../../../control/api/validation/index.js';
import { ApiError } from '../../../control/api/errors.js';
import {
  buildServiceAccountAdmission, mountServiceAccountToken, shouldAutomount, TOKEN_MOUNT_PATH,
} from '../../../control/apiserver/registry/service-account-admission.js';

const PODS = findResource('', 'v1', 'pods')!;

function pod(spec: Record<string, unknown> = {}, name = 'web'): KubeObject {
  const p: KubeObject = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'team' },
    spec: { containers: [{ name: 'app', image: 'nginx' }], initContainers: [{ name: 'init', image: 'busybox' }], ...spec },
  };
  applyDefaults(PODS, p);
  return p;
}

const sa = (extra: Record<string, unknown> = {}): KubeObject => ({ metadata: { name: 'default', namespace: 'team', uid: 'u' }, ...extra });

function admission(accounts: Record<string, KubeObject>) {
  const lookups: string[] = [];
  const adm = buildServiceAccountAdmission({
    lookup: async (ns, name) => {
      lookups.push(`${ns}/${name}`);
      return accounts[name];
    },
    sleep: async () => undefined,
  });
  return { adm, lookups };
}

describe('the kube-api-access volume', () => {
  it('is upstream\'s projected volume, mounted read-only at the token path in every container and init container', () => {
    const p = pod();
    mountServiceAccountToken(p.spec as Record<string, unknown>, () => 'x7k2p');
    const spec = p.spec as any;
    expect(spec.volumes).toEqual([{
      name: 'kube-api-access-x7k2p',
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
          { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
        ],
      },
    }]);
    const mount = { name: 'kube-api-access-x7k2p', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
    expect(spec.containers[0].volumeMounts).toEqual([mount]);
    expect(spec.initContainers[0].volumeMounts).toEqual([mount]);
  });

  it('passes pod validation and is already in its defaulted form (updates do not change it)', () => {
    const p = pod();
    mountServiceAccountToken(p.spec as Record<string, unknown>);
    expect(validate(PODS, p)).toEqual([]);
    const again = clone(p);
    applyDefaults(PODS, again);
    expect(again).toEqual(p);
  });

  it('is not mounted where a container already mounts something at the token path, and reuses an existing kube-api-access volume', () => {
    const own = { name: 'mine', mountPath: TOKEN_MOUNT_PATH };
    const p = pod({ volumes: [{ name: 'mine', emptyDir: {} }], containers: [{ name: 'app', image: 'nginx', volumeMounts: [own] }], initContainers: [] });
    mountServiceAccountToken(p.spec as Record<string, unknown>);
    expect((p.spec as any).volumes).toEqual([{ name: 'mine', emptyDir: {} }]);
    const q = pod({ volumes: [{ name: 'kube-api-access-abcde', emptyDir: {} }] });
    mountServiceAccountToken(q.spec as Record<string, unknown>);
    expect((q.spec as any).volumes.map((v: any) => v.name)).toEqual(['kube-api-access-abcde']);
    expect((q.spec as any).containers[0].volumeMounts[0].name).toBe('kube-api-access-abcde');
  });

  it('follows automountServiceAccountToken: the pod wins over the ServiceAccount, default true', () => {
    expect(shouldAutomount(sa(), {})).toBe(true);
    expect(shouldAutomount(sa({ automountServiceAccountToken: false }), {})).toBe(false);
    expect(shouldAutomount(sa({ automountServiceAccountToken: false }), { automountServiceAccountToken: true })).toBe(true);
    expect(shouldAutomount(sa(), { automountServiceAccountToken: false })).toBe(false);
  });
});

describe('the ServiceAccount admission plugin', () => {
  it('injects the volume for pods, not for other kinds', async () => {
    const { adm } = admission({ default: sa() });
    const p = pod();
    await adm.mutate!(PODS, p, false);
    expect((p.spec as any).volumes[0].name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const cm: KubeObject = { metadata: { name: 'c', namespace: 'team' }, spec: {} };
    await adm.mutate!(findResource('', 'v1', 'configmaps')!, cm, false);
    expect(cm.spec).toEqual({});
  });

  it('leaves the pod alone when automount is off, and copies the ServiceAccount\'s imagePullSecrets', async () => {
    const { adm } = admission({ default: sa({ automountServiceAccountToken: false, imagePullSecrets: [{ name: 'reg' }] }) });
    const p = pod();
    await adm.mutate!(PODS, p, false);
    expect((p.spec as any).volumes).toBeUndefined();
    expect((p.spec as any).containers[0].volumeMounts).toBeUndefined();
    expect((p.spec as any).imagePullSecrets).toEqual([{ name: 'reg' }]);
  });

  it('refuses a pod whose ServiceAccount does not exist with upstream\'s 403 (generateName pods named by their prefix)', async () => {
    const { adm, lookups } = admission({ default: sa() });
    const err = await Promise.resolve(adm.mutate!(PODS, pod({ serviceAccountName: 'robot' }), false)).catch((e: unknown) => e) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect([err.code, err.reason, err.message]).toEqual([403, 'Forbidden', 'pods "web" is forbidden: error looking up service account team/robot: serviceaccount "robot" not found']);
    expect(lookups).toEqual(['team/robot']);
    const gen = pod({ serviceAccountName: 'robot' }, '');
    gen.metadata.generateName = 'web-7d9f-';
    delete gen.metadata.name;
    expect(((await Promise.resolve(adm.mutate!(PODS, gen, false)).catch((e: unknown) => e)) as ApiError).message).toMatch(/^pods "web-7d9f-" is forbidden/);
  });

  it('waits for a `default` ServiceAccount the controller has yet to create (10 lookups), but not for others', async () => {
    const { adm, lookups } = admission({});
    await expect(adm.mutate!(PODS, pod(), false)).rejects.toThrow('error looking up service account team/default: serviceaccount "default" not found');
    expect(lookups).toHaveLength(10);
    let calls = 0;
    const late = buildServiceAccountAdmission({ lookup: async () => (++calls >= 3 ? sa() : undefined), sleep: async () => undefined });
    const p = pod();
    await late.mutate!(PODS, p, false);
    expect(calls).toBe(3);
    expect((p.spec as any).volumes).toHaveLength(1);
  });
});
