import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultKubeconfigPaths, kubeconfigNamespace, loadKubeconfig, parseKubeconfig } from '../../../control/client/config.js';
import { ClientConfigError } from '../../../control/client/errors.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

const MAIN = `
apiVersion: v1
kind: Config
current-context: tug
clusters:
- name: tug
  cluster:
    server: https://127.0.0.1:6443/
    certificate-authority-data: ${b64('CA-PEM')}
- name: files
  cluster:
    server: https://10.200.0.1:6443
    certificate-authority: certs/ca.crt
- name: insecure
  cluster:
    server: http://127.0.0.1:8080
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    client-certificate-data: ${b64('CERT-PEM')}
    client-key-data: ${b64('KEY-PEM')}
- name: file-user
  user:
    client-certificate: certs/admin.crt
    client-key: /ABS/admin.key
- name: token-user
  user:
    token: s3cret
- name: token-file-user
  user:
    tokenFile: token.txt
- name: exec-user
  user:
    exec:
      command: gcloud
contexts:
- name: tug
  context: {cluster: tug, user: admin, namespace: web}
- name: files
  context: {cluster: files, user: file-user}
- name: token
  context: {cluster: insecure, user: token-user}
- name: token-file
  context: {cluster: insecure, user: token-file-user}
- name: exec
  context: {cluster: tug, user: exec-user}
- name: missing-cluster
  context: {cluster: nope, user: admin}
`;

describe('kubeconfig loading', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tug-kubeconfig-'));
    mkdirSync(join(dir, 'certs'));
    writeFileSync(join(dir, 'certs', 'ca.crt'), 'CA-FROM-FILE');
    writeFileSync(join(dir, 'certs', 'admin.crt'), 'CERT-FROM-FILE');
    writeFileSync(join(dir, 'admin.key'), 'KEY-FROM-FILE');
    writeFileSync(join(dir, 'token.txt'), 'file-token\n');
    writeFileSync(join(dir, 'config'), MAIN.replace('/ABS/admin.key', join(dir, 'admin.key')));
  });
  afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(ClientConfigError);
      return (err as ClientConfigError).code;
    }
    throw new Error('expected an error');
  };

  it('uses current-context and decodes *-data fields', () => {
    const c = loadKubeconfig(join(dir, 'config'));
    expect(c.server).toBe('https://127.0.0.1:6443'); // trailing slash dropped
    expect(c.ca?.toString()).toBe('CA-PEM');
    expect(c.cert?.toString()).toBe('CERT-PEM');
    expect(c.key?.toString()).toBe('KEY-PEM');
    expect(c.token).toBeUndefined();
    expect(c.insecureSkipTLSVerify).toBeUndefined();
    expect(kubeconfigNamespace(join(dir, 'config'))).toBe('web');
  });

  it('reads file references, relative ones against the kubeconfig folder', () => {
    const c = loadKubeconfig(join(dir, 'config'), 'files');
    expect(c.server).toBe('https://10.200.0.1:6443');
    expect(c.ca?.toString()).toBe('CA-FROM-FILE');
    expect(c.cert?.toString()).toBe('CERT-FROM-FILE');
    expect(c.key?.toString()).toBe('KEY-FROM-FILE');
    expect(kubeconfigNamespace(join(dir, 'config'), 'files')).toBe('default');
  });

  it('supports token, tokenFile and insecure-skip-tls-verify', () => {
    expect(loadKubeconfig(join(dir, 'config'), 'token')).toEqual({
      server: 'http://127.0.0.1:8080', token: 's3cret', insecureSkipTLSVerify: true,
    });
    expect(loadKubeconfig(join(dir, 'config'), 'token-file').token).toBe('file-token');
  });

  it('fails with stable codes for missing pieces and unsupported credentials', () => {
    expect(code(() => loadKubeconfig(join(dir, 'nope')))).toBe('TUG_CLIENT_KUBECONFIG_NOT_FOUND');
    expect(code(() => loadKubeconfig(join(dir, 'config'), 'other'))).toBe('TUG_CLIENT_CONTEXT_NOT_FOUND');
    expect(code(() => loadKubeconfig(join(dir, 'config'), 'missing-cluster'))).toBe('TUG_CLIENT_CLUSTER_NOT_FOUND');
    expect(code(() => loadKubeconfig(join(dir, 'config'), 'exec'))).toBe('TUG_CLIENT_AUTH_UNSUPPORTED');
    expect(code(() => parseKubeconfig('clusters: [a', dir))).toBe('TUG_CLIENT_KUBECONFIG_INVALID');
    expect(code(() => parseKubeconfig('clusters: {}\ncurrent-context: x', dir))).toBe('TUG_CLIENT_KUBECONFIG_INVALID');
    expect(code(() => parseKubeconfig('apiVersion: v1', dir))).toBe('TUG_CLIENT_CONTEXT_NOT_FOUND');
  });

  it('defaults to $KUBECONFIG (a list, first file wins per name) or ~/.kube/config', () => {
    expect(defaultKubeconfigPaths({ HOME: '/home/u' })).toEqual(['/home/u/.kube/config']);
    expect(defaultKubeconfigPaths({ KUBECONFIG: '/a::/b', HOME: '/home/u' })).toEqual(['/a', '/b']);

    const override = join(dir, 'override');
    writeFileSync(override, `
current-context: token
clusters:
- name: insecure
  cluster: {server: "http://127.0.0.1:9999"}
`);
    const saved = process.env.KUBECONFIG;
    process.env.KUBECONFIG = `${join(dir, 'does-not-exist')}:${override}:${join(dir, 'config')}`;
    try {
      const c = loadKubeconfig();
      // current-context and cluster "insecure" come from the first file that has them,
      // the context and user from the second.
      expect(c.server).toBe('http://127.0.0.1:9999');
      expect(c.token).toBe('s3cret');
      expect(c.insecureSkipTLSVerify).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });
});
