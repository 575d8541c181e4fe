import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../control/api/object.js';
import { check, container, defaulted, deployment } from './helpers.js';

const EMPTY_SELECTOR = 'v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}';

describe('Deployment', () => {
  it('a usual deployment is valid', () => {
    expect(check('apps', 'deployments', deployment())).toEqual([]);
  });

  it.each([
    ['selector does not match', deployment({ selector: { matchLabels: { app: 'api' } } }),
      ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`']],
    ['missing selector', deployment({ selector: undefined }),
      ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`']],
    ['empty selector', deployment({ selector: {} }), [`spec.selector: Invalid value: ${EMPTY_SELECTOR}: empty selector is invalid for deployment`]],
    ['template without labels', deployment({ template: { spec: { containers: [container()] } } }),
      ['spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`']],
    ['negative replicas', deployment({ replicas: -1 }), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']],
    ['bad strategy', deployment({ strategy: { type: 'BlueGreen' } }), ['spec.strategy: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"']],
    ['Recreate with rollingUpdate', deployment({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }),
      ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]],
    ['both zero', deployment({ strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } }),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0']],
    ['bad percent', deployment({ strategy: { rollingUpdate: { maxSurge: '20 percent' } } }),
      ["spec.strategy.rollingUpdate.maxSurge: Invalid value: \"20 percent\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]],
    ['over 100%', deployment({ strategy: { rollingUpdate: { maxUnavailable: '150%' } } }),
      ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%']],
    ['restartPolicy', deployment({ template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [container()] } } }),
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']],
    ['missing image in the template', deployment({ template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app' }] } } }),
      ['spec.template.spec.containers[0].image: Required value']],
    ['progress deadline', deployment({ minReadySeconds: 700 }), ['spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds']],
    ['bad selector operator', deployment({ selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'x', operator: 'Near' }] } }),
      ['spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
        `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"x", Operator:"Near", Values:[]string(nil)}}}: invalid label selector`]],
    ['In without values', deployment({ selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'x', operator: 'In', values: [] }] } }),
      ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        `spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"x", Operator:"In", Values:[]string{}}}}: invalid label selector`]],
  ])('%s', (_name, obj, want) => {
    expect(check('apps', 'deployments', obj)).toEqual(want);
  });

  it('matchExpressions that select the template are fine', () => {
    expect(check('apps', 'deployments', deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } }))).toEqual([]);
  });

  it('selector is immutable on update; other changes are fine', () => {
    const old = defaulted('apps', 'deployments', deployment({}, { uid: 'u' }));
    const scaled = structuredClone(old);
    (scaled.spec as { replicas: number }).replicas = 5;
    expect(check('apps', 'deployments', scaled, old)).toEqual([]);
    const moved = deployment({ selector: { matchLabels: { app: 'web', v: '2' } }, template: { metadata: { labels: { app: 'web', v: '2' } }, spec: { containers: [container()] } } }, { uid: 'u' });
    expect(check('apps', 'deployments', moved, old)).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });
});

describe('ReplicaSet and DaemonSet', () => {
  const rs = (spec: Record<string, unknown> = {}): KubeObject => ({ ...deployment(spec), metadata: { name: 'web-abc', namespace: 'default' } });
  it.each([
    [rs(), []],
    [rs({ replicas: -2 }), ['spec.replicas: Invalid value: -2: must be greater than or equal to 0']],
    [rs({ selector: {} }), [`spec.selector: Invalid value: ${EMPTY_SELECTOR}: empty selector is invalid for deployment`]],
  ])('replicaset %#', (obj, want) => {
    expect(check('apps', 'replicasets', obj)).toEqual(want);
  });

  it.each([
    [{}, []],
    [{ selector: {} }, [`spec.selector: Invalid value: ${EMPTY_SELECTOR}: empty selector is invalid for daemonset`]],
    [{ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } },
      ['spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero']],
    [{ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } },
      ['spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0']],
    [{ updateStrategy: { type: 'Sometimes' } }, ['spec.updateStrategy: Unsupported value: "Sometimes": supported values: "RollingUpdate", "OnDelete"']],
  ])('daemonset %j', (spec, want) => {
    expect(check('apps', 'daemonsets', { ...deployment(spec), metadata: { name: 'agent', namespace: 'kube-system' } })).toEqual(want);
  });
});

describe('Job', () => {
  const job = (spec: Record<string, unknown> = {}, restartPolicy = 'Never'): KubeObject => ({
    metadata: { name: 'pi', namespace: 'default', uid: '5d1f7e0a-0000-4000-8000-000000000001' },
    spec: { template: { spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'pi', image: 'perl:5' }] } }, ...spec },
  });

  it('a defaulted job with a generated selector is valid', () => {
    expect(check('batch', 'jobs', job())).toEqual([]);
  });

  it.each([
    ['no restartPolicy', job({}, ''), ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
    ['Always', job({}, 'Always'), ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
    ['bogus', job({}, 'Bogus'), ['spec.template.spec.restartPolicy: Unsupported value: "Bogus": supported values: "Always", "OnFailure", "Never"',
      'spec.template.spec.restartPolicy: Unsupported value: "Bogus": supported values: "OnFailure", "Never"']],
    ['negative counts', job({ parallelism: -1, backoffLimit: -2 }), ['spec.parallelism: Invalid value: -1: must be greater than or equal to 0',
      'spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0']],
    ['completion mode', job({ completionMode: 'Sometimes' }), ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"']],
    ['manual selector that misses the template', job({ manualSelector: true, selector: { matchLabels: { app: 'x' } } }),
      ['spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match template `labels`']],
  ])('%s', (_name, obj, want) => {
    expect(check('batch', 'jobs', obj)).toEqual(want);
  });

  it('template and completions are immutable; parallelism is not; suspended jobs may move', () => {
    const old = defaulted('batch', 'jobs', job());
    const more = structuredClone(old);
    (more.spec as { parallelism: number }).parallelism = 4;
    expect(check('batch', 'jobs', more, old)).toEqual([]);
    const changed = structuredClone(old);
    (changed.spec as { template: { spec: { containers: Array<{ image: string }> } } }).template.spec.containers[0]!.image = 'perl:6';
    const lines = check('batch', 'jobs', changed, old);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^spec\.template: Invalid value: .*: field is immutable$/);
    const completions = structuredClone(old);
    (completions.spec as { completions: number }).completions = 3;
    expect(check('batch', 'jobs', completions, old)).toEqual(['spec.completions: Invalid value: 3: field is immutable']);

    const suspended = defaulted('batch', 'jobs', job({ suspend: true }));
    const placed = structuredClone(suspended);
    (placed.spec as { template: { spec: Record<string, unknown> } }).template.spec.nodeSelector = { zone: 'a' };
    expect(check('batch', 'jobs', placed, suspended)).toEqual([]);
  });
});
