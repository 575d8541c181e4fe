/**
 * Discovery documents, rendered from the RESOURCES registry plus the groups served without storage
 * (AUTHENTICATION_RESOURCES, METRICS_RESOURCES) (notes/kubectl-api-surface.md §2).
 *
 * - Aggregated discovery (apidiscovery.k8s.io/v2) answers /api and /apis in one document each,
 *   but only when the client's Accept names exactly that media type (pitfall P2: kubectl 1.28
 *   asks for v2beta1 only and breaks on a v2 body) and the answer must carry the aggregated
 *   Content-Type (P3), exported here so the router cannot get it wrong.
 * - Legacy discovery (APIVersions, APIGroupList, APIGroup, APIResourceList) is the fallback.
 * - shortNames and categories reach kubectl only through these documents (`get deploy`, `get all`).
 * Versions of a group are listed in registry order; the first is the preferred version.
 */
import { groupVersion, RESOURCES, type ResourceInfo } from '../api/resources.js';
import { METRICS_RESOURCES } from './metrics-api.js';
import { AUTHENTICATION_RESOURCES } from './authentication-api.js';

/**
 * What discovery announces: the stored kinds of the registry, then groups served without storage:
 * authentication.k8s.io (SelfSubjectReview, from the caller's credentials) and metrics.k8s.io
 * (computed from the kubelets by metrics-api.ts) — listed last, as aggregated APIs are.
 */
export const DISCOVERED_RESOURCES: readonly ResourceInfo[] = [...RESOURCES, ...AUTHENTICATION_RESOURCES, ...METRICS_RESOURCES];

export const AGGREGATED_DISCOVERY_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** The Kubernetes minor we present as: the kubectl dispatcher picks its binary from it (P1). */
export const KUBERNETES_MAJOR = '1';
export const KUBERNETES_MINOR = '32';
/**
 * Build metadata (`+tugboat`, the k3s convention) rather than a pre-release suffix: semver tools
 * order `1.32.0-x` before `1.32.0`, so `kubeVersion: >=1.32.0` constraints would reject us.
 */
export const GIT_VERSION = `v${KUBERNETES_MAJOR}.${KUBERNETES_MINOR}.0+tugboat`;

interface MediaRange {
  type: string;
  params: Map<string, string>;
}

/** Splits an Accept header into media ranges with lower-cased names and raw parameter values. */
export function parseAccept(accept: string | undefined): MediaRange[] {
  if (!accept) return [];
  return accept.split(',').map((part) => {
    const [type = '', ...rest] = part.split(';').map((s) => s.trim());
    const params = new Map<string, string>();
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
    }
    return { type: type.toLowerCase(), params };
  });
}

/** True only when Accept contains application/json with g=apidiscovery.k8s.io, v=v2, as=APIGroupDiscoveryList. */
export function wantsAggregatedDiscovery(accept: string | undefined): boolean {
  return parseAccept(accept).some(
    (r) =>
      r.type === 'application/json' &&
      r.params.get('g') === 'apidiscovery.k8s.io' &&
      r.params.get('v') === 'v2' &&
      r.params.get('as') === 'APIGroupDiscoveryList' &&
      r.params.get('q') !== '0',
  );
}

/** Group → versions in preference order, each with its resources, in registry order. */
function groupsAndVersions(resources: readonly ResourceInfo[]): Map<string, Map<string, ResourceInfo[]>> {
  const groups = new Map<string, Map<string, ResourceInfo[]>>();
  for (const r of resources) {
    let versions = groups.get(r.group);
    if (!versions) groups.set(r.group, (versions = new Map()));
    let list = versions.get(r.version);
    if (!list) versions.set(r.version, (list = []));
    list.push(r);
  }
  return groups;
}

function aggregatedResource(r: ResourceInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    resource: r.resource,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: [...r.verbs],
  };
  // kube-apiserver omits empty lists (omitempty); kubectl treats absent and empty alike.
  if (r.shortNames.length > 0) out.shortNames = [...r.shortNames];
  if (r.categories.length > 0) out.categories = [...r.categories];
  if (r.subresources.length > 0) {
    out.subresources = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.group, version: s.version, kind: s.kind },
      verbs: [...s.verbs],
    }));
  }
  return out;
}

/** APIGroupDiscoveryList for /api ('core': the legacy group, metadata without a name) or /apis. */
export function aggregatedDiscovery(which: 'core' | 'apis', resources: readonly ResourceInfo[] = DISCOVERED_RESOURCES): object {
  const items: object[] = [];
  for (const [group, versions] of groupsAndVersions(resources)) {
    if ((group === '') !== (which === 'core')) continue;
    items.push({
      metadata: group === '' ? {} : { name: group },
      versions: [...versions].map(([version, list]) => ({
        version,
        resources: list.map(aggregatedResource),
        freshness: 'Current',
      })),
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

/** APIVersions for legacy GET /api; serverAddress is host:port as clients reach us. */
export function apiVersions(serverAddress: string, resources: readonly ResourceInfo[] = DISCOVERED_RESOURCES): object {
  const versions = [...(groupsAndVersions(resources).get('')?.keys() ?? [])];
  return {
    kind: 'APIVersions',
    versions,
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupBody(name: string, versions: string[]): Record<string, unknown> {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

/** APIGroupList for legacy GET /apis (named groups only). */
export function apiGroupList(resources: readonly ResourceInfo[] = DISCOVERED_RESOURCES): object {
  const groups: object[] = [];
  for (const [group, versions] of groupsAndVersions(resources)) {
    if (group !== '') groups.push(groupBody(group, [...versions.keys()]));
  }
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** APIGroup for GET /apis/<group>; undefined when the group is not served. */
export function apiGroup(group: string, resources: readonly ResourceInfo[] = DISCOVERED_RESOURCES): object | undefined {
  if (group === '') return undefined;
  const versions = groupsAndVersions(resources).get(group);
  if (!versions) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupBody(group, [...versions.keys()]) };
}

/**
 * APIResourceList for GET /api/<v> or /apis/<g>/<v>; undefined when not served. Subresources are
 * separate `parent/sub` entries with an empty singularName, naming group/version only when the
 * subresource's kind lives elsewhere (deployments/scale → autoscaling/v1 Scale).
 */
export function apiResourceList(group: string, version: string, resources: readonly ResourceInfo[] = DISCOVERED_RESOURCES): object | undefined {
  const list = groupsAndVersions(resources).get(group)?.get(version);
  if (!list) return undefined;
  const entries: object[] = [];
  for (const r of list) {
    const entry: Record<string, unknown> = {
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs],
    };
    if (r.shortNames.length > 0) entry.shortNames = [...r.shortNames];
    if (r.categories.length > 0) entry.categories = [...r.categories];
    entries.push(entry);
    for (const s of r.subresources) {
      const sub: Record<string, unknown> = { name: `${r.resource}/${s.name}`, singularName: '', namespaced: r.namespaced };
      if (s.group !== r.group || s.version !== r.version) {
        sub.group = s.group;
        sub.version = s.version;
      }
      sub.kind = s.kind;
      sub.verbs = [...s.verbs];
      entries.push(sub);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion({ group, version }), resources: entries };
}

export interface VersionOverrides {
  gitCommit?: string;
  gitTreeState?: 'clean' | 'dirty';
  buildDate?: string;
}

/** The /version body (`kubectl version`, and the kubectl dispatcher's binary choice). */
export function versionInfo(overrides: VersionOverrides = {}): object {
  return {
    major: KUBERNETES_MAJOR,
    minor: KUBERNETES_MINOR,
    gitVersion: GIT_VERSION,
    gitCommit: overrides.gitCommit ?? '0000000000000000000000000000000000000000',
    gitTreeState: overrides.gitTreeState ?? 'clean',
    buildDate: overrides.buildDate ?? '1970-01-01T00:00:00Z',
    goVersion: 'n/a',
    compiler: 'tugboat',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
