import { describe, expect, it } from 'vitest';
import { gvPath, openapiGroupVersion, openapiHash, openapiRoot, schemaName } from '../../../control/apiserver/openapi.js';
import { RESOURCES } from '../../../control/api/resources.js';

// `any`: OpenAPI documents are plain JSON, inspected loosely.
type Doc = any;

const GROUP_VERSIONS = [
  'api/v1', 'apis/apps/v1', 'apis/batch/v1', 'apis/networking.k8s.io/v1', 'apis/discovery.k8s.io/v1',
  'apis/coordination.k8s.io/v1', 'apis/autoscaling/v2', 'apis/rbac.authorization.k8s.io/v1', 'apis/policy/v1',
  'apis/scheduling.k8s.io/v1', 'apis/gateway.networking.k8s.io/v1', 'apis/storage.k8s.io/v1',
];

/** What kubectl's QueryParamVerifierV3 does: find a PATCH op for the GVK and look for the parameter. */
function supportsFieldValidation(doc: Doc, gvk: { group: string; version: string; kind: string }): boolean {
  return Object.values(doc.paths as Record<string, Doc>).some((item) => {
    const g = item.patch?.['x-kubernetes-group-version-kind'];
    return g && g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind &&
      item.patch.parameters.some((p: Doc) => p.name === 'fieldValidation' && p.in === 'query');
  });
}

describe('openapi root', () => {
  const root: Doc = openapiRoot();

  it('lists every served group-version with a hashed server-relative URL', () => {
    expect(Object.keys(root.paths).sort()).toEqual([...GROUP_VERSIONS].sort());
    for (const gv of GROUP_VERSIONS) {
      expect(root.paths[gv].serverRelativeURL).toBe(`/openapi/v3/${gv}?hash=${openapiHash(gv)}`);
      expect(openapiHash(gv)).toMatch(/^[0-9A-F]{64}$/);
    }
  });

  it('is stable across calls, and a different registry changes the hashes', () => {
    expect(openapiRoot()).toEqual(root);
    const fewer = RESOURCES.filter((r) => r.resource !== 'daemonsets');
    const other: Doc = openapiRoot(fewer);
    expect(other.paths['apis/apps/v1'].serverRelativeURL).not.toBe(root.paths['apis/apps/v1'].serverRelativeURL);
    expect(other.paths['api/v1']).toEqual(root.paths['api/v1']);
  });
});

describe('openapi group-version documents', () => {
  it('answers served paths (leading slash tolerated) and nothing else', () => {
    expect(openapiGroupVersion('apis/apps/v1')).toBeDefined();
    expect(openapiGroupVersion('/api/v1')).toBe(openapiGroupVersion('api/v1'));
    expect(openapiGroupVersion('apis/apps/v1beta1')).toBeUndefined();
    expect(openapiGroupVersion('apis/example.com/v1')).toBeUndefined();
  });

  it.each(RESOURCES.map((r) => [`${r.group || 'core'}/${r.version} ${r.kind}`, r] as const))(
    '%s: a PATCH with GVK and fieldValidation, so kubectl apply delegates validation',
    (_name, r) => {
      const doc: Doc = openapiGroupVersion(gvPath(r));
      expect(doc.openapi).toBe('3.0.0');
      expect(supportsFieldValidation(doc, { group: r.group, version: r.version, kind: r.kind })).toBe(true);
    },
  );

  it('gives each kind item and collection paths with the operations its verbs allow', () => {
    const doc: Doc = openapiGroupVersion('apis/apps/v1');
    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    expect(Object.keys(item).filter((k) => k !== 'parameters').sort()).toEqual(['delete', 'get', 'patch', 'put']);
    const collection = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'];
    expect(Object.keys(collection).filter((k) => k !== 'parameters').sort()).toEqual(['delete', 'get', 'post']);
    expect(collection.post.parameters.map((p: Doc) => p.name)).toContain('fieldValidation');
    expect(doc.paths['/apis/apps/v1/deployments'].get.operationId).toBe('listAppsV1DeploymentForAllNamespaces');
    expect(doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch['x-kubernetes-group-version-kind'])
      .toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });

    // Namespaces have no deletecollection verb, and are cluster-scoped.
    const core: Doc = openapiGroupVersion('api/v1');
    expect(core.paths['/api/v1/namespaces'].delete).toBeUndefined();
    expect(core.paths['/api/v1/nodes/{name}'].parameters.map((p: Doc) => p.name)).toEqual(['name', 'pretty']);
  });

  it('has unique operationIds and resolvable $refs', () => {
    for (const gv of GROUP_VERSIONS) {
      const doc: Doc = openapiGroupVersion(gv);
      const ids: string[] = [];
      const refs: string[] = [];
      const walk = (v: unknown): void => {
        if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            if (k === 'operationId') ids.push(x as string);
            else if (k === '$ref') refs.push(x as string);
            else walk(x);
          }
        }
      };
      walk(doc.paths);
      walk(doc.components);
      expect(new Set(ids).size).toBe(ids.length);
      for (const ref of refs) expect(doc.components.schemas[ref.replace('#/components/schemas/', '')], ref).toBeDefined();
    }
  });

  it('never offers strategic-merge-patch, so kubectl computes SMPs from its compiled-in types', () => {
    for (const gv of GROUP_VERSIONS) {
      const doc: Doc = openapiGroupVersion(gv);
      for (const item of Object.values(doc.paths as Record<string, Doc>)) {
        if (!item.patch) continue;
        expect(Object.keys(item.patch.requestBody.content)).toEqual([
          'application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml',
        ]);
      }
    }
  });

  it('names schemas like upstream and tags them with their GVK', () => {
    expect(schemaName({ group: 'apps', version: 'v1', kind: 'Deployment' })).toBe('io.k8s.api.apps.v1.Deployment');
    expect(schemaName({ group: '', version: 'v1', kind: 'Pod' })).toBe('io.k8s.api.core.v1.Pod');
    expect(schemaName({ group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' })).toBe('io.k8s.api.networking.v1.Ingress');
    expect(schemaName({ group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute' })).toBe('io.k8s.networking.gateway.v1.HTTPRoute');

    const doc: Doc = openapiGroupVersion('apis/apps/v1');
    const deployment = doc.components.schemas['io.k8s.api.apps.v1.Deployment'];
    expect(deployment.type).toBe('object');
    expect(deployment['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    for (const p of ['metadata', 'spec', 'status']) expect(deployment.properties[p].type).toBe('object');
    expect(deployment.properties.apiVersion.type).toBe('string');
    expect(doc.components.schemas['io.k8s.api.apps.v1.DeploymentList']['x-kubernetes-group-version-kind'][0].kind).toBe('DeploymentList');
  });
});
