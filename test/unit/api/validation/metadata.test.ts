import { describe, expect, it } from 'vitest';
import { errors, fieldErrorsToCauses } from '../../../../control/api/errors.js';
import { validate } from '../../../../control/api/validation/index.js';
import { check, checkErrors, info } from './helpers.js';

const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const LABEL_VALUE_MSG = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QNAME_NAME_MSG = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('metadata.name per kind', () => {
  it.each([
    ['', 'configmaps', 'Bad_Name', [`metadata.name: Invalid value: "Bad_Name": ${SUBDOMAIN_MSG}`]],
    ['', 'configmaps', 'a.b-c', []],
    ['', 'configmaps', 'a'.repeat(254), [`metadata.name: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`]],
    ['', 'namespaces', 'team.a', [`metadata.name: Invalid value: "team.a": ${LABEL_MSG}`]],
    // the defaulted kubernetes.io/metadata.name label repeats the name, and fails too (as upstream)
    ['', 'namespaces', 'a'.repeat(64), [`metadata.name: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`,
      `metadata.labels: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`]],
    ['', 'services', '1web', [`metadata.name: Invalid value: "1web": ${DNS1035_MSG}`]],
    ['', 'services', 'web-1', []],
    ['apps', 'deployments', 'web.v2', []],
  ])('%s/%s %j', (group, resource, name, want) => {
    const namespaced = info(group, resource).namespaced;
    const obj = { metadata: { name, ...(namespaced ? { namespace: 'default' } : {}) }, spec: resource === 'services' ? { ports: [{ port: 80 }] } : undefined };
    const lines = check(group, resource, resource === 'deployments' ? { ...obj, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } } : obj);
    expect(lines).toEqual(want);
  });

  it('requires a name unless generateName is set; generateName may end in a dash', () => {
    expect(check('', 'configmaps', { metadata: { namespace: 'default' } })).toEqual(['metadata.name: Required value: name or generateName is required']);
    expect(check('', 'configmaps', { metadata: { namespace: 'default', generateName: 'web-' } })).toEqual([]);
    expect(check('', 'configmaps', { metadata: { namespace: 'default', generateName: 'Web-' } })).toEqual([`metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN_MSG}`]);
  });

  it('namespace: required on namespaced kinds, forbidden on cluster-scoped ones', () => {
    expect(check('', 'configmaps', { metadata: { name: 'c' } })).toEqual(['metadata.namespace: Required value']);
    expect(check('', 'nodes', { metadata: { name: 'n', namespace: 'x' } })).toEqual(['metadata.namespace: Forbidden: not allowed on this type']);
  });
});

describe('labels and annotations', () => {
  it.each([
    [{ app: 'web', 'example.com/tier': 'front', empty: '' }, []],
    [{ app: 'has space' }, [`metadata.labels: Invalid value: "has space": ${LABEL_VALUE_MSG}`]],
    [{ app: 'v'.repeat(64) }, [`metadata.labels: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`]],
    [{ '-bad': 'x' }, [`metadata.labels: Invalid value: "-bad": ${QNAME_NAME_MSG}`]],
    [{ 'Example.com/x': 'y' }, [`metadata.labels: Invalid value: "Example.com/x": prefix part ${SUBDOMAIN_MSG}`]],
    [{ 'a/b/c': 'y' }, ["metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]],
    [{ '/x': 'y' }, ['metadata.labels: Invalid value: "/x": prefix part must be non-empty']],
  ])('labels %j', (labels, want) => {
    expect(check('', 'configmaps', { metadata: { name: 'c', namespace: 'd', labels } })).toEqual(want);
  });

  it('annotation keys are checked lower-cased; values may be long; the total is capped at 256 KiB', () => {
    expect(check('', 'configmaps', { metadata: { name: 'c', namespace: 'd', annotations: { 'Example.COM/Key': 'x'.repeat(1000) } } })).toEqual([]);
    expect(check('', 'configmaps', { metadata: { name: 'c', namespace: 'd', annotations: { 'bad key': 'x' } } }))
      .toEqual([`metadata.annotations: Invalid value: "bad key": ${QNAME_NAME_MSG}`]);
    const errs = checkErrors('', 'configmaps', { metadata: { name: 'c', namespace: 'd', annotations: { big: 'x'.repeat(256 * 1024) } } });
    expect(errs).toEqual([{ field: 'metadata.annotations', reason: 'FieldValueTooLong', message: 'Too long: must have at most 262144 bytes' }]);
  });
});

describe('metadata on update', () => {
  const old = { metadata: { name: 'c', namespace: 'd', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z' } };
  it.each([
    [{ name: 'c', namespace: 'd', uid: 'u2' }, ['metadata.uid: Invalid value: "u2": field is immutable']],
    [{ name: 'c', namespace: 'd' }, []],
    [{ name: 'c', namespace: 'd', uid: 'u1', creationTimestamp: '2027-01-01T00:00:00Z' }, ['metadata.creationTimestamp: Invalid value: "2027-01-01T00:00:00Z": field is immutable']],
  ])('%j', (meta, want) => {
    expect(check('', 'configmaps', { metadata: meta }, old)).toEqual(want);
  });

  it('no new finalizers once deletion started', () => {
    const deleting = { metadata: { ...old.metadata, deletionTimestamp: '2026-02-01T00:00:00Z', finalizers: ['a.io/x'] } };
    expect(check('', 'configmaps', { metadata: { ...deleting.metadata, finalizers: ['a.io/x', 'b.io/y'] } }, deleting))
      .toEqual(['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"b.io/y"}']);
    expect(check('', 'configmaps', { metadata: { ...deleting.metadata, finalizers: [] } }, deleting)).toEqual([]);
  });
});

describe('unknown kinds and the 422 message kubectl prints', () => {
  it('validates metadata only for kinds without rules', () => {
    const gw = info('gateway.networking.k8s.io', 'gateways');
    expect(validate(gw, { metadata: { name: 'Gw', namespace: 'default' }, spec: { anything: true } }).map((e) => e.field)).toEqual(['metadata.name']);
  });

  it('builds kube\'s Status message from the causes', () => {
    const errs = checkErrors('apps', 'deployments', {
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: -1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    });
    const status = errors.invalid('Deployment', 'apps', 'web', fieldErrorsToCauses(errs)).toStatus();
    expect(status.message).toBe('Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect(status.details?.causes).toEqual([{ reason: 'FieldValueInvalid', message: 'Invalid value: -1: must be greater than or equal to 0', field: 'spec.replicas' }]);
  });
});
