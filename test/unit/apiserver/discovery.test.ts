import { describe, expect, it } from 'vitest';
import {
  AGGREGATED_DISCOVERY_CONTENT_TYPE, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions,
  versionInfo, wantsAggregatedDiscovery,
} from '../../../control/apiserver/discovery.js';
import { RESOURCES } from '../../../control/api/resources.js';
import { METRICS_RESOURCES } from '../../../control/apiserver/metrics-api.js';
import { AUTHENTICATION_RESOURCES } from '../../../control/apiserver/authentication-api.js';

// `any`: discovery bodies are plain JSON documents, inspected loosely.
type Doc = any;

const KUBECTL_132_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
const KUBECTL_128_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

describe('wantsAggregatedDiscovery (pitfall P2)', () => {
  it.each([
    [KUBECTL_132_ACCEPT, true],
    ['application/json; as=APIGroupDiscoveryList ; v=v2; g=apidiscovery.k8s.io', true],
    [KUBECTL_128_ACCEPT, false],
    ['application/json', false],
    ['application/json, */*', false],
    ['application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList', false],
    ['application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0,application/json', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (accept, expected) => {
    expect(wantsAggregatedDiscovery(accept)).toBe(expected);
  });

  it('names the exact aggregated media type for the response (pitfall P3)', () => {
    expect(AGGREGATED_DISCOVERY_CONTENT_TYPE).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
  });
});

describe('aggregated discovery', () => {
  const core: Doc = aggregatedDiscovery('core');
  const apis: Doc = aggregatedDiscovery('apis');

  it('answers /api with one nameless core group, version v1', () => {
    expect(core).toMatchObject({ kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2' });
    expect(core.items).toHaveLength(1);
    expect(core.items[0].metadata).toEqual({});
    expect(core.items[0].versions.map((v: Doc) => v.version)).toEqual(['v1']);
    expect(core.items[0].versions[0].freshness).toBe('Current');
  });

  it('answers /apis with every named group and no core group', () => {
    const names = apis.items.map((i: Doc) => i.metadata.name);
    expect(names).toEqual([
      'apps', 'batch', 'networking.k8s.io', 'discovery.k8s.io', 'coordination.k8s.io', 'autoscaling', 'rbac.authorization.k8s.io',
      'policy', 'scheduling.k8s.io', 'gateway.networking.k8s.io', 'storage.k8s.io', 'authentication.k8s.io', 'metrics.k8s.io',
    ]);
  });

  it('describes deployments with scope, verbs, shortNames, categories and subresources', () => {
    const apps = apis.items.find((i: Doc) => i.metadata.name === 'apps');
    const deployments = apps.versions[0].resources.find((r: Doc) => r.resource === 'deployments');
    expect(deployments).toEqual({
      resource: 'deployments',
      responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' },
      scope: 'Namespaced',
      singularResource: 'deployment',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['deploy'],
      categories: ['all'],
      subresources: [
        { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
        { subresource: 'status', responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, verbs: ['get', 'patch', 'update'] },
      ],
    });
  });

  it('marks cluster-scoped resources and omits empty shortNames/categories', () => {
    const v1 = core.items[0].versions[0].resources;
    expect(v1.find((r: Doc) => r.resource === 'nodes')).toMatchObject({ scope: 'Cluster', shortNames: ['no'] });
    const secrets = v1.find((r: Doc) => r.resource === 'secrets');
    expect(secrets.scope).toBe('Namespaced');
    expect(secrets).not.toHaveProperty('shortNames');
    expect(secrets).not.toHaveProperty('categories');
  });

  it('puts exactly the "all" category members in `kubectl get all`', () => {
    const all = [...core.items, ...apis.items]
      .flatMap((g: Doc) => g.versions[0].resources)
      .filter((r: Doc) => r.categories?.includes('all'))
      .map((r: Doc) => r.resource);
    expect(all.sort()).toEqual(['cronjobs', 'daemonsets', 'deployments', 'horizontalpodautoscalers', 'jobs', 'pods', 'replicasets', 'services', 'statefulsets']);
  });

  it('lists pod subresources with their response kinds', () => {
    const pods = core.items[0].versions[0].resources.find((r: Doc) => r.resource === 'pods');
    const subs = Object.fromEntries(pods.subresources.map((s: Doc) => [s.subresource, s.responseKind.kind]));
    expect(subs).toEqual({
      status: 'Pod', log: 'Pod', exec: 'PodExecOptions', attach: 'PodAttachOptions', portforward: 'PodPortForwardOptions',
      binding: 'Binding', eviction: 'Eviction',
    });
  });

  it('serves every registry resource exactly once, plus the unstored authentication and metrics resources', () => {
    const served = [...core.items, ...apis.items].flatMap((g: Doc) => g.versions.flatMap((v: Doc) => v.resources));
    expect(served).toHaveLength(RESOURCES.length + AUTHENTICATION_RESOURCES.length + METRICS_RESOURCES.length);
  });

  it('announces serviceaccounts/token (kubectl create token) and authentication.k8s.io selfsubjectreviews (kubectl auth whoami)', () => {
    const sa = core.items[0].versions[0].resources.find((r: Doc) => r.resource === 'serviceaccounts');
    expect(sa.subresources).toEqual([{ subresource: 'token', responseKind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] }]);
    const authn = apis.items.find((i: Doc) => i.metadata.name === 'authentication.k8s.io');
    expect(authn.versions[0].resources).toEqual([{
      resource: 'selfsubjectreviews', responseKind: { group: 'authentication.k8s.io', version: 'v1', kind: 'SelfSubjectReview' },
      scope: 'Cluster', singularResource: 'selfsubjectreview', verbs: ['create'],
    }]);
  });

  it('announces metrics.k8s.io/v1beta1 pods and nodes, get/list only (kubectl top)', () => {
    const metrics = apis.items.find((i: Doc) => i.metadata.name === 'metrics.k8s.io');
    expect(metrics.versions.map((v: Doc) => v.version)).toEqual(['v1beta1']);
    const byName = Object.fromEntries(metrics.versions[0].resources.map((r: Doc) => [r.resource, r]));
    expect(byName.pods).toMatchObject({ scope: 'Namespaced', responseKind: { group: 'metrics.k8s.io', version: 'v1beta1', kind: 'PodMetrics' }, verbs: ['get', 'list'] });
    expect(byName.nodes).toMatchObject({ scope: 'Cluster', responseKind: { group: 'metrics.k8s.io', version: 'v1beta1', kind: 'NodeMetrics' }, verbs: ['get', 'list'] });
  });
});

describe('legacy discovery', () => {
  it('APIVersions names v1 and the server address', () => {
    expect(apiVersions('10.200.0.1:6443')).toEqual({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.200.0.1:6443' }],
    });
  });

  it('APIGroupList has one entry per named group with its preferred version', () => {
    const list: Doc = apiGroupList();
    expect(list).toMatchObject({ kind: 'APIGroupList', apiVersion: 'v1' });
    expect(list.groups.find((g: Doc) => g.name === 'autoscaling')).toEqual({
      name: 'autoscaling',
      versions: [{ groupVersion: 'autoscaling/v2', version: 'v2' }],
      preferredVersion: { groupVersion: 'autoscaling/v2', version: 'v2' },
    });
    expect(list.groups.map((g: Doc) => g.name)).not.toContain('');
  });

  it('serves metrics.k8s.io in the group list, as an APIGroup and as an APIResourceList (kubectl top)', () => {
    expect((apiGroupList() as Doc).groups.map((g: Doc) => g.name)).toContain('metrics.k8s.io');
    expect(apiGroup('metrics.k8s.io')).toMatchObject({ name: 'metrics.k8s.io', preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' } });
    expect((apiResourceList('metrics.k8s.io', 'v1beta1') as Doc).resources).toEqual([
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs: ['get', 'list'] },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs: ['get', 'list'] },
    ]);
  });

  it('APIGroup answers served groups only', () => {
    expect(apiGroup('apps')).toMatchObject({ kind: 'APIGroup', name: 'apps', preferredVersion: { groupVersion: 'apps/v1' } });
    expect(apiGroup('example.com')).toBeUndefined();
    expect(apiGroup('')).toBeUndefined();
  });

  it('APIResourceList lists subresources as parent/sub entries, group/version only when they differ', () => {
    const list: Doc = apiResourceList('apps', 'v1');
    expect(list).toMatchObject({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1' });
    const byName = Object.fromEntries(list.resources.map((r: Doc) => [r.name, r]));
    expect(byName.deployments).toEqual({
      name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['deploy'], categories: ['all'],
    });
    expect(byName['deployments/scale']).toEqual({
      name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
    expect(byName['deployments/status']).toEqual({
      name: 'deployments/status', singularName: '', namespaced: true, kind: 'Deployment', verbs: ['get', 'patch', 'update'],
    });
  });

  it('APIResourceList for core v1 uses groupVersion "v1"; unknown group-versions are undefined', () => {
    const core: Doc = apiResourceList('', 'v1');
    expect(core.groupVersion).toBe('v1');
    expect(core.resources.find((r: Doc) => r.name === 'pods/eviction')).toMatchObject({ group: 'policy', version: 'v1', kind: 'Eviction' });
    expect(apiResourceList('', 'v2')).toBeUndefined();
    expect(apiResourceList('apps', 'v1beta1')).toBeUndefined();
  });
});

describe('versionInfo', () => {
  it('reports Kubernetes 1.32 with a semver gitVersion', () => {
    const v: Doc = versionInfo();
    expect(v).toMatchObject({ major: '1', minor: '32', gitTreeState: 'clean', goVersion: 'n/a', compiler: 'tugboat' });
    const m = /^v(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.exec(v.gitVersion);
    expect(m?.slice(1, 3)).toEqual(['1', '32']);
    expect(v.platform).toMatch(/^[a-z0-9]+\/[a-z0-9]+$/);
    expect(Number.isNaN(Date.parse(v.buildDate))).toBe(false);
  });

  it('takes build details from the caller', () => {
    expect(versionInfo({ gitCommit: 'abc', buildDate: '2026-11-26T00:00:00Z' })).toMatchObject({ gitCommit: 'abc', buildDate: '2026-11-26T00:00:00Z' });
  });
});
