import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { pruneUnknownFields, schemaTypeFor, MAX_REPORTED, type FieldTables } from '../../../../control/api/schema/unknown-fields.js';
import { KIND_TYPES } from '../../../../control/api/schema/fields.generated.js';
import { GENERATED_FILE, renderFieldTables } from '../../../../control/api/schema/generate-fields.js';
import { RESOURCES, groupVersion } from '../../../../control/api/resources.js';

const paths = (typeName: string, value: unknown) => pruneUnknownFields(typeName, value).unknown.map((u) => u.path);

function deployment(extraSpec: Record<string, unknown> = {}, container: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx', ...container }] },
      },
      ...extraSpec,
    },
  };
}

describe('pruneUnknownFields', () => {
  it('finds an unknown field in a nested object and drops it without touching the input', () => {
    const input = deployment({ replica: 3 });
    const { object, unknown } = pruneUnknownFields('V1Deployment', input);
    expect(unknown.map((u) => u.path)).toEqual(['spec.replica']);
    expect(object.spec).not.toHaveProperty('replica');
    expect(object.spec.replicas).toBe(2);
    expect(input.spec).toHaveProperty('replica', 3);
  });

  it('prints list elements by index, like sigs.k8s.io/json', () => {
    const input = deployment();
    input.spec.template.spec.containers.push({ name: 'side', image: 'busybox', imagePullPolicyy: 'Always' } as never);
    const { object, unknown } = pruneUnknownFields('V1Deployment', input);
    expect(unknown.map((u) => u.path)).toEqual(['spec.template.spec.containers[1].imagePullPolicyy']);
    expect(unknown[0]!.steps).toEqual(['spec', 'template', 'spec', 'containers', 1, 'imagePullPolicyy']);
    expect(object.spec.template.spec.containers).toEqual([{ name: 'web', image: 'nginx' }, { name: 'side', image: 'busybox' }]);
    // copy on write: the untouched sibling is shared, the pruned element is a new object
    expect(object.spec.template.spec.containers[0]).toBe(input.spec.template.spec.containers[0]);
  });

  it('reports every unknown field in document order, deep ones included', () => {
    const input = deployment({ replica: 3, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxSurgee: 2 } } },
      { imagePullPolicyy: 'Always', ports: [{ containerPort: 80, protocl: 'TCP' }] });
    expect(paths('V1Deployment', input)).toEqual([
      'spec.template.spec.containers[0].imagePullPolicyy',
      'spec.template.spec.containers[0].ports[0].protocl',
      'spec.replica',
      'spec.strategy.rollingUpdate.maxSurgee',
    ]);
  });

  it('accepts any key in maps: labels, annotations, nodeSelector, data, resource lists', () => {
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'p', labels: { 'app.kubernetes.io/name': 'x', anything: 'y' }, annotations: { 'example.com/whatever': '1' } },
      spec: {
        nodeSelector: { 'kubernetes.io/os': 'linux', 'custom-key': 'v' },
        containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: '1', 'example.com/gpu': '2' }, requests: { memory: '1Gi' } } }],
        overhead: { cpu: '100m' },
      },
    };
    expect(paths('V1Pod', pod)).toEqual([]);
    expect(paths('V1ConfigMap', { data: { 'any.key': 'v' }, binaryData: { k: 'AA==' } })).toEqual([]);
    expect(paths('V1Secret', { data: { k: 'AA==' }, stringData: { 'tls.crt': 'x' }, type: 'Opaque' })).toEqual([]);
  });

  it('looks into maps of objects, printing the key as a path element', () => {
    const tables: FieldTables = {
      Root: { items: '{}Item', list: '[][]Item' },
      Item: { name: 'string' },
    };
    const { object, unknown } = pruneUnknownFields('Root', { items: { 'a.b': { name: 'x', nam: 'y' } }, list: [[{ name: 'z', bogus: 1 }]] }, tables);
    expect(unknown.map((u) => u.path)).toEqual(['items.a.b.nam', 'list[0][0].bogus']);
    expect(object).toEqual({ items: { 'a.b': { name: 'x' } }, list: [[{ name: 'z' }]] });
  });

  it('never looks into IntOrString, Quantity, times or `any` values', () => {
    const d = deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: { whatever: 1 }, maxUnavailable: '25%' } } },
      { ports: [{ containerPort: 8080, name: 'http' }], readinessProbe: { httpGet: { port: 'http', path: '/' } } });
    expect(paths('V1Deployment', d)).toEqual([]);
    const managed = { metadata: { name: 'x', managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, time: '2024-01-01T00:00:00Z' }] } };
    expect(paths('V1Deployment', managed)).toEqual([]);
  });

  it('validates metadata (ObjectMeta), templates included', () => {
    const d = deployment();
    (d.metadata as Record<string, unknown>).labelz = { a: 'b' };
    (d.spec.template.metadata as Record<string, unknown>).annotationz = {};
    const { object, unknown } = pruneUnknownFields('V1Deployment', d);
    expect(unknown.map((u) => u.path)).toEqual(['metadata.labelz', 'spec.template.metadata.annotationz']);
    expect(object.metadata).toEqual({ name: 'web', labels: { app: 'web' } });
  });

  it('reports an unknown top-level field', () => {
    const { object, unknown } = pruneUnknownFields('V1ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, dta: { a: 'b' } });
    expect(unknown.map((u) => u.path)).toEqual(['dta']);
    expect(object).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
  });

  it('returns the very same object when nothing is unknown', () => {
    const d = deployment();
    const { object, unknown } = pruneUnknownFields('V1Deployment', d);
    expect(unknown).toEqual([]);
    expect(object).toBe(d);
  });

  it('leaves values whose shape does not match the schema alone (a type error, not an unknown field)', () => {
    const d = { spec: { template: 'not an object', selector: ['x'] } };
    const { object, unknown } = pruneUnknownFields('V1Deployment', d);
    expect(unknown).toEqual([]);
    expect(object).toBe(d);
  });

  it('keeps a __proto__ map key as data', () => {
    const cm = JSON.parse('{"metadata":{"name":"c","labelz":1},"data":{"__proto__":"v","a":"b"}}') as Record<string, unknown>;
    const { object } = pruneUnknownFields('V1ConfigMap', cm);
    expect(Object.keys((object as { data: object }).data)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf((object as { data: object }).data)).toBe(Object.prototype);
  });

  it(`stops reporting after ${MAX_REPORTED} fields but still prunes them all`, () => {
    const cm: Record<string, unknown> = { metadata: { name: 'c' } };
    for (let i = 0; i < 150; i++) cm[`x${i}`] = i;
    const { object, unknown } = pruneUnknownFields('V1ConfigMap', cm);
    expect(unknown).toHaveLength(MAX_REPORTED);
    expect(object).toEqual({ metadata: { name: 'c' } });
  });

  it('has no schema for Gateway API kinds and an unknown type name prunes nothing', () => {
    expect(schemaTypeFor('gateway.networking.k8s.io/v1', 'HTTPRoute')).toBeUndefined();
    expect(schemaTypeFor('apps/v1', 'Deployment')).toBe('V1Deployment');
    expect(schemaTypeFor('v1', 'Event')).toBe('CoreV1Event');
    const route = { spec: { anything: { goes: true } } };
    expect(pruneUnknownFields('HTTPRoute', route)).toEqual({ object: route, unknown: [] });
  });
});

describe('the generated field tables', () => {
  it('cover every served kind except the Gateway API ones', () => {
    const missing = RESOURCES.filter((r) => !KIND_TYPES[`${groupVersion(r)}/${r.kind}`]).map((r) => `${groupVersion(r)}/${r.kind}`);
    expect(missing).toEqual(['gateway.networking.k8s.io/v1/GatewayClass', 'gateway.networking.k8s.io/v1/Gateway', 'gateway.networking.k8s.io/v1/HTTPRoute']);
  });

  it('are what `npm run gen:schema` writes from the installed @kubernetes/client-node', () => {
    expect(readFileSync(GENERATED_FILE, 'utf8')).toBe(renderFieldTables());
  });

  it('know every field of the example manifests', () => {
    const dir = join(GENERATED_FILE, '../../../../examples');
    const found: string[] = [];
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const obj = doc.toJS() as { apiVersion?: string; kind?: string } | null;
        const type = obj?.apiVersion && obj.kind ? schemaTypeFor(obj.apiVersion, obj.kind) : undefined;
        if (type) found.push(...pruneUnknownFields(type, obj).unknown.map((u) => `${file} ${obj!.kind}: ${u.path}`));
      }
    }
    expect(found).toEqual([]);
  });
});
