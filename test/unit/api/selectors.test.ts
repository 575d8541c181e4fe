import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../control/api/errors.js';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource, type ResourceInfo } from '../../../control/api/resources.js';
import {
  exactNameFromFieldSelector, fieldSelectorToString, formatLabelSelector, labelSelectorFromSpec, labelSelectorToString,
  matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector,
} from '../../../control/api/selectors.js';

function info(group: string, resource: string): ResourceInfo {
  const r = findResource(group, group === '' ? 'v1' : group === 'autoscaling' ? 'v2' : 'v1', resource);
  if (!r) throw new Error(`no resource ${group}/${resource}`);
  return r;
}

function badRequest(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
    return err as ApiError;
  }
  throw new Error('expected an ApiError 400');
}

describe('parseLabelSelector + matchesLabels', () => {
  const labels = { app: 'web', tier: 'front', version: '3' };
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['', labels, true],
    ['app=web', labels, true],
    ['app==web', labels, true],
    ['app=db', labels, false],
    ['app!=db', labels, true],
    ['app!=web', labels, false],
    ['missing!=x', labels, true],
    ['app in (web, db)', labels, true],
    ['app in (db)', labels, false],
    ['app notin (db,cache)', labels, true],
    ['missing notin (db)', labels, true],
    ['app notin (web)', labels, false],
    ['app', labels, true],
    ['missing', labels, false],
    ['!missing', labels, true],
    ['!app', labels, false],
    ['app=web,tier=front', labels, true],
    ['app=web,tier=back', labels, false],
    [' app = web , !canary ', labels, true],
    ['version>2', labels, true],
    ['version<3', labels, false],
    ['app=', { app: '' }, true],
    ['app=', labels, false],
    ['example.com/role=edge', { 'example.com/role': 'edge' }, true],
  ];
  it.each(cases)('%j against labels → %s', (text, l, want) => {
    expect(matchesLabels(parseLabelSelector(text), l)).toBe(want);
  });

  it.each([
    ['app=web,', "expected: identifier"],
    ['app in web', "expected: '('"],
    ['app in ()', "values set can't be empty"],
    ['a b', "found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['app=web x', "found 'x', expected: ',' or 'end of string'"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['bad key=x', "found 'key'"],
    ['-bad=x', 'invalid label key "-bad"'],
    ['app=no/slash', 'invalid label value "no/slash"'],
    ['version>abc', 'must be an integer'],
  ])('rejects %j with 400 naming the problem (%s)', (text, fragment) => {
    expect(badRequest(() => parseLabelSelector(text)).message).toContain(fragment);
  });
});

describe('labelSelectorFromSpec / formatLabelSelector', () => {
  it('a missing selector matches nothing, an empty one everything', () => {
    expect(matchesLabels(labelSelectorFromSpec(undefined), {})).toBe(false);
    expect(matchesLabels(labelSelectorFromSpec(null), { a: 'b' })).toBe(false);
    expect(matchesLabels(labelSelectorFromSpec({}), {})).toBe(true);
  });

  it.each([
    [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'stage'] }] }, { env: 'stage' }, true],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, { env: 'stage' }, true],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['prod'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, {}, false],
    [{ matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, {}, true],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'Exists' }] }, { app: 'web', env: 'x' }, true],
    [{ matchLabels: { app: 'web' } }, { app: 'api' }, false],
  ])('%j matches %j → %s', (spec, l, want) => {
    expect(matchesLabels(labelSelectorFromSpec(spec), l)).toBe(want);
  });

  it.each([
    [{ matchLabels: { app: 'web' } }, 'app=web'],
    [{ matchLabels: { tier: 'front', app: 'web' } }, 'app=web,tier=front'],
    [{ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['stage', 'prod'] }, { key: 'canary', operator: 'DoesNotExist' }] }, 'app=web,!canary,env in (prod,stage)'],
    [{ matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['a'] }, { key: 'x', operator: 'Exists' }] }, 'env notin (a),x'],
    [{}, ''],
    [undefined, ''],
  ])('formats %j as %j', (spec, want) => {
    expect(formatLabelSelector(spec)).toBe(want);
  });

  it('round-trips through the string form', () => {
    const text = formatLabelSelector({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }] });
    expect(labelSelectorToString(parseLabelSelector(text))).toBe(text);
  });

  it('rejects unknown operators and bad value lists', () => {
    expect(badRequest(() => labelSelectorFromSpec({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).message)
      .toBe('"Gt" is not a valid label selector operator');
    badRequest(() => labelSelectorFromSpec({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }));
    badRequest(() => labelSelectorFromSpec({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }));
  });
});

describe('parseFieldSelector + matchesFields', () => {
  const pods = info('', 'pods');
  const pod: KubeObject = {
    metadata: { name: 'web-1', namespace: 'default' },
    spec: { nodeName: 'node-a', restartPolicy: 'Always', schedulerName: 'default-scheduler', serviceAccountName: 'default' },
    status: { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }] },
  };
  const unscheduled: KubeObject = { metadata: { name: 'web-2', namespace: 'default' }, spec: {}, status: { phase: 'Pending' } };

  it.each([
    ['metadata.name=web-1', true, false],
    ['metadata.name==web-1', true, false],
    ['metadata.name!=web-1', false, true],
    ['metadata.namespace=default', true, true],
    ['spec.nodeName=node-a', true, false],
    ['spec.nodeName=', false, true],
    ['spec.nodeName!=', true, false],
    ['status.phase=Running,spec.nodeName=node-a', true, false],
    ['status.phase!=Succeeded,status.phase!=Failed', true, true],
    ['status.podIP=10.244.1.5', true, false],
    ['spec.restartPolicy=Always', true, false],
    ['spec.schedulerName=default-scheduler', true, false],
    ['spec.serviceAccountName=default', true, false],
    ['', true, true],
  ])('pods %j → running %s, unscheduled %s', (text, wantA, wantB) => {
    const sel = parseFieldSelector(text, pods);
    expect(matchesFields(sel, pod)).toBe(wantA);
    expect(matchesFields(sel, unscheduled)).toBe(wantB);
  });

  it.each([
    ['', 'events', { involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default', uid: 'u1' }, reason: 'Pulled', type: 'Normal', source: { component: 'kubelet' } },
      'involvedObject.kind=Pod,involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.uid=u1,reason=Pulled,type=Normal,source=kubelet'],
    ['', 'secrets', { type: 'kubernetes.io/tls' }, 'type=kubernetes.io/tls'],
    ['', 'nodes', { spec: {} }, 'spec.unschedulable=false'],
    ['', 'nodes', { spec: { unschedulable: true } }, 'spec.unschedulable=true'],
    ['', 'namespaces', { status: { phase: 'Active' } }, 'status.phase=Active'],
    ['', 'services', { spec: { clusterIP: '10.96.0.10', type: 'ClusterIP' } }, 'spec.clusterIP=10.96.0.10,spec.type=ClusterIP'],
    ['batch', 'jobs', { status: { succeeded: 2 } }, 'status.successful=2'],
    ['batch', 'jobs', { status: {} }, 'status.successful=0'],
    ['apps', 'replicasets', { status: { replicas: 3 } }, 'status.replicas=3'],
    ['apps', 'deployments', {}, 'metadata.name=x,metadata.namespace=ns'],
  ])('%s/%s supports its own fields', (group, resource, body, text) => {
    const obj = { metadata: { name: 'x', namespace: 'ns' }, ...body } as KubeObject;
    expect(matchesFields(parseFieldSelector(text, info(group, resource)), obj)).toBe(true);
  });

  it.each([
    ['pods', 'spec.bogus=x', 'field label not supported: spec.bogus'],
    ['secrets', 'spec.nodeName=x', 'field label not supported: spec.nodeName'],
    ['nodes', 'metadata.namespace=x', 'field label not supported: metadata.namespace'],
    ['pods', 'metadata.name', "invalid selector: 'metadata.name'; can't understand 'metadata.name'"],
  ])('%s %j → 400 %j', (resource, text, message) => {
    expect(badRequest(() => parseFieldSelector(text, info('', resource))).message).toBe(message);
  });

  it('unescapes values and spots exact-name selectors', () => {
    const cm = info('', 'configmaps');
    const sel = parseFieldSelector('metadata.name=a\\,b\\=c', cm);
    expect(matchesFields(sel, { metadata: { name: 'a,b=c', namespace: 'x' } })).toBe(true);
    expect(fieldSelectorToString(sel)).toBe('metadata.name=a\\,b\\=c');
    expect(exactNameFromFieldSelector(parseFieldSelector('metadata.name=web', cm))).toBe('web');
    expect(exactNameFromFieldSelector(parseFieldSelector('metadata.name!=web', cm))).toBeUndefined();
  });
});
