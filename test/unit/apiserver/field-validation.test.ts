import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../control/api/errors.js';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import {
  enforceFieldValidation, goValueString, parseFieldValidation, rejectUnknownApplyFields,
  type FieldValidation, type FieldValidationDirective,
} from '../../../control/apiserver/registry/field-validation.js';

const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const HTTPROUTES = findResource('gateway.networking.k8s.io', 'v1', 'httproutes')!;

function deployment(): KubeObject {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: {
      replica: 3, selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx', imagePullPolicyy: 'Always' }] } },
    },
  };
}

function validation(directive: FieldValidationDirective): FieldValidation & { warnings: string[] } {
  const warnings: string[] = [];
  return { directive, warnings, warn: (text) => warnings.push(text) };
}

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('parseFieldValidation', () => {
  it('defaults to Warn and accepts the three directives', () => {
    expect(parseFieldValidation(new URLSearchParams(''), 'create')).toBe('Warn');
    expect(parseFieldValidation(new URLSearchParams('fieldValidation='), 'create')).toBe('Warn');
    for (const d of ['Strict', 'Warn', 'Ignore']) expect(parseFieldValidation(new URLSearchParams(`fieldValidation=${d}`), 'update')).toBe(d);
  });

  it('rejects anything else with the 422 kube-apiserver gives for invalid request options', () => {
    const err = thrown(() => parseFieldValidation(new URLSearchParams('fieldValidation=strict'), 'patch'));
    expect(err.code).toBe(422);
    expect(err.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"');
    expect(thrown(() => parseFieldValidation(new URLSearchParams('fieldValidation=x'), 'create')).message).toMatch(/^CreateOptions\.meta\.k8s\.io /);
  });
});

describe('enforceFieldValidation', () => {
  it('Strict: a body with unknown fields is the 400 of a strict decoding error, naming every field', () => {
    const err = thrown(() => enforceFieldValidation(DEPLOYMENTS, deployment(), validation('Strict'), { kind: 'body' }));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
      + 'unknown field "spec.replica", unknown field "spec.template.spec.containers[0].imagePullPolicyy"');
  });

  it('Warn: drops the fields and records one warning each', () => {
    const v = validation('Warn');
    const out = enforceFieldValidation(DEPLOYMENTS, deployment(), v, { kind: 'body' });
    expect(v.warnings).toEqual(['unknown field "spec.replica"', 'unknown field "spec.template.spec.containers[0].imagePullPolicyy"']);
    expect(out.spec).not.toHaveProperty('replica');
    expect((out.spec as { template: { spec: { containers: object[] } } }).template.spec.containers[0]).toEqual({ name: 'web', image: 'nginx' });
  });

  it('Ignore, and writes from inside the server: drops them silently', () => {
    const v = validation('Ignore');
    expect(enforceFieldValidation(DEPLOYMENTS, deployment(), v, { kind: 'body' }).spec).not.toHaveProperty('replica');
    expect(v.warnings).toEqual([]);
    expect(enforceFieldValidation(DEPLOYMENTS, deployment(), undefined, { kind: 'body' }).spec).not.toHaveProperty('replica');
  });

  it('Strict on a strategic merge patch: 422 on `patch`, the patch printed as Go prints a map', () => {
    const patch = { spec: { replica: 2, template: { spec: { containers: [{ name: 'web', imagePullPolicyy: 'Always' }] } } } };
    const err = thrown(() => enforceFieldValidation(DEPLOYMENTS, deployment(), validation('Strict'), { kind: 'patch', type: 'strategic', patch }));
    expect(err.code).toBe(422);
    expect(err.details?.causes).toEqual([{
      reason: 'FieldValueInvalid', field: 'patch',
      message: 'Invalid value: "map[spec:map[replica:2 template:map[spec:map[containers:[map[imagePullPolicyy:Always name:web]]]]]]": '
        + 'strict decoding error: unknown field "spec.replica", unknown field "spec.template.spec.containers[0].imagePullPolicyy"',
    }]);
    expect(err.message).toMatch(/^ "" is invalid: patch: Invalid value: "map\[spec:/);
  });

  it('Strict on a merge patch: the value is the patched object as sorted JSON', () => {
    const obj = { kind: 'Deployment', apiVersion: 'apps/v1', metadata: { name: 'web' }, spec: { replica: 2 } } as KubeObject;
    const err = thrown(() => enforceFieldValidation(DEPLOYMENTS, obj, validation('Strict'), { kind: 'patch', type: 'merge', patch: { spec: { replica: 2 } } }));
    expect(err.details?.causes?.[0]?.message).toBe(
      'Invalid value: "{\\"apiVersion\\":\\"apps/v1\\",\\"kind\\":\\"Deployment\\",\\"metadata\\":{\\"name\\":\\"web\\"},\\"spec\\":{\\"replica\\":2}}": '
      + 'strict decoding error: unknown field "spec.replica"');
  });

  it('an update does not blame the writer for unknown fields the stored object already held', () => {
    const stored = deployment();
    const next = deployment();
    (next.metadata as Record<string, unknown>).labelz = {};
    const v = validation('Strict');
    expect(() => enforceFieldValidation(DEPLOYMENTS, next, v, { kind: 'body' }, stored)).toThrow(/unknown field "metadata\.labelz"$/);
    const out = enforceFieldValidation(DEPLOYMENTS, deployment(), v, { kind: 'body' }, stored);
    expect(out.spec).not.toHaveProperty('replica');
  });

  it('leaves kinds without a schema as they are', () => {
    const route = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' }, spec: { whatever: 1 } } as KubeObject;
    expect(enforceFieldValidation(HTTPROUTES, route, validation('Strict'), { kind: 'body' })).toBe(route);
  });
});

describe('rejectUnknownApplyFields (server-side apply)', () => {
  it('fails whatever the directive, with structured-merge-diff paths (keyed list elements by key)', () => {
    const err = thrown(() => rejectUnknownApplyFields(DEPLOYMENTS, deployment()));
    expect(err.code).toBe(400);
    expect(err.message).toBe('failed to create typed patch object (default/web; apps/v1, Kind=Deployment): errors:\n'
      + '  .spec.replica: field not declared in schema\n'
      + '  .spec.template.spec.containers[name="web"].imagePullPolicyy: field not declared in schema');
  });

  it('names a single field inline, and accepts a clean configuration', () => {
    const d = deployment();
    delete (d.spec as Record<string, unknown>).replica;
    expect(thrown(() => rejectUnknownApplyFields(DEPLOYMENTS, d)).message)
      .toBe('failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="web"].imagePullPolicyy: field not declared in schema');
    delete ((d.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec.containers[0]!).imagePullPolicyy;
    expect(() => rejectUnknownApplyFields(DEPLOYMENTS, d)).not.toThrow();
  });
});

describe('goValueString', () => {
  it('prints like fmt %+v of decoded JSON', () => {
    expect(goValueString({ b: [1, 'x', null, true], a: { z: 1.5, y: {} } })).toBe('map[a:map[y:map[] z:1.5] b:[1 x <nil> true]]');
  });
});
