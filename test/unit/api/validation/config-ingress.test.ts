import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../control/api/object.js';
import { check } from './helpers.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const KEY_MSG = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

describe('ConfigMap', () => {
  const cm = (body: Record<string, unknown>): KubeObject => ({ metadata: { name: 'cfg', namespace: 'default' }, ...body });
  it.each([
    [{ data: { 'app.conf': 'x', KEY_1: 'y', 'a-b': '' } }, []],
    [{ data: { 'bad key': 'x' } }, [`data[bad key]: Invalid value: "bad key": ${KEY_MSG}`]],
    [{ data: { '..secret': 'x' } }, ["data[..secret]: Invalid value: \"..secret\": must not start with '..'"]],
    [{ data: { '.': 'x' } }, ["data[.]: Invalid value: \".\": must not be '.'"]],
    [{ data: { a: 'x' }, binaryData: { a: b64('y') } }, ['data[a]: Invalid value: "a": duplicate of key present in binaryData']],
    [{ data: { big: 'x'.repeat(1024 * 1024 + 1) } }, [': Too long: must have at most 1048576 bytes']],
  ])('%#', (body, want) => {
    expect(check('', 'configmaps', cm(body))).toEqual(want);
  });

  it('immutable data stays immutable', () => {
    const old = cm({ data: { a: '1' }, immutable: true });
    expect(check('', 'configmaps', cm({ data: { a: '2' }, immutable: true }), old)).toEqual(['data: Forbidden: field is immutable when `immutable` is set']);
    expect(check('', 'configmaps', cm({ data: { a: '1' } }), old)).toEqual(['immutable: Forbidden: field is immutable when `immutable` is set']);
    expect(check('', 'configmaps', cm({ data: { a: '2' } }), cm({ data: { a: '1' } }))).toEqual([]);
  });
});

describe('Secret', () => {
  const secret = (body: Record<string, unknown>): KubeObject => ({ metadata: { name: 's', namespace: 'default' }, ...body });
  it.each([
    [{ data: { password: b64('hunter2') } }, []],
    [{ stringData: { password: 'plain' } }, []],
    [{ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c'), 'tls.key': b64('k') } }, []],
    [{ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } }, ['data[tls.key]: Required value']],
    [{ type: 'kubernetes.io/tls' }, ['data[tls.crt]: Required value', 'data[tls.key]: Required value']],
    [{ type: 'kubernetes.io/basic-auth', data: {} }, ['data[username]: Required value', 'data[password]: Required value']],
    [{ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{"auths":{}}') } }, []],
    [{ type: 'kubernetes.io/dockerconfigjson' }, ['data[.dockerconfigjson]: Required value']],
    [{ type: 'kubernetes.io/service-account-token' }, ['metadata.annotations[kubernetes.io/service-account.name]: Required value']],
    [{ data: { k: 'not base64!' } }, ['data[k]: Invalid value: "<secret contents redacted>": illegal base64 data']],
    [{ data: { 'a b': b64('x') } }, [`data[a b]: Invalid value: "a b": ${KEY_MSG}`]],
  ])('%j', (body, want) => {
    expect(check('', 'secrets', secret(body))).toEqual(want);
  });

  it('type is immutable', () => {
    expect(check('', 'secrets', secret({ type: 'Opaque' }), secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } })))
      .toEqual(['type: Invalid value: "Opaque": field is immutable']);
  });
});

describe('Ingress', () => {
  const backend = { service: { name: 'web', port: { number: 80 } } };
  const ing = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'web', namespace: 'default' }, spec });
  const rule = (path: Record<string, unknown>, host = 'app.example.com') => ({ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend, ...path }] } });

  it.each([
    [{ rules: [rule({})] }],
    [{ defaultBackend: backend }],
    [{ ingressClassName: 'tugboat', rules: [rule({ pathType: 'Exact', path: '/api' }, '*.example.com')], tls: [{ hosts: ['app.example.com'], secretName: 'tls' }] }],
    [{ rules: [rule({ pathType: 'ImplementationSpecific', path: '' })] }],
    [{ rules: [rule({ backend: { service: { name: 'web', port: { name: 'http' } } } })] }],
  ])('valid %j', (spec) => {
    expect(check('networking.k8s.io', 'ingresses', ing(spec))).toEqual([]);
  });

  it.each([
    ['no rules and no default backend', {}, ['spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified']],
    ['missing pathType', { rules: [rule({ pathType: undefined })] }, ['spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified']],
    ['bogus pathType', { rules: [rule({ pathType: 'Regex' })] },
      ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"']],
    ['relative path', { rules: [rule({ path: 'api' })] }, ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']],
    ['dot segments', { rules: [rule({ path: '/a/../b' })] }, ["spec.rules[0].http.paths[0].path: Invalid value: \"/a/../b\": must not contain '/../'"]],
    ['no backend', { rules: [rule({ backend: {} })] }, ['spec.rules[0].http.paths[0].backend: Invalid value: "": resource or service backend is required']],
    ['no port', { rules: [rule({ backend: { service: { name: 'web' } } })] },
      ['spec.rules[0].http.paths[0].backend: Required value: port name or number is required']],
    ['no service name', { rules: [rule({ backend: { service: { port: { number: 80 } } } })] }, ['spec.rules[0].http.paths[0].backend.service.name: Required value']],
    ['port out of range', { rules: [rule({ backend: { service: { name: 'web', port: { number: 70000 } } } })] },
      ['spec.rules[0].http.paths[0].backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['IP host', { rules: [rule({}, '10.0.0.1')] }, ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']],
    ['empty paths', { rules: [{ host: 'a.example.com', http: { paths: [] } }] }, ['spec.rules[0].http.paths: Required value']],
  ])('%s', (_name, spec, want) => {
    expect(check('networking.k8s.io', 'ingresses', ing(spec))).toEqual(want);
  });

  it('IngressClass controller', () => {
    const ic = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'tugboat' }, spec });
    expect(check('networking.k8s.io', 'ingressclasses', ic({ controller: 'tugboat.dev/ingress' }))).toEqual([]);
    expect(check('networking.k8s.io', 'ingressclasses', ic({}))).toEqual(['spec.controller: Required value']);
    expect(check('networking.k8s.io', 'ingressclasses', ic({ controller: 'nginx' })))
      .toEqual(['spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")']);
    expect(check('networking.k8s.io', 'ingressclasses', ic({ controller: 'b.dev/x' }), ic({ controller: 'a.dev/x' })))
      .toEqual(['spec.controller: Invalid value: "b.dev/x": field is immutable']);
  });
});
