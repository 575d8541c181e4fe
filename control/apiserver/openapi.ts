/**
 * OpenAPI v3 documents, rendered from the RESOURCES registry (notes/kubectl-api-surface.md §3).
 *
 * What kubectl needs and what this gives it:
 * - `apply/create/replace/edit` with default validation look for a PATCH operation whose
 *   `x-kubernetes-group-version-kind` is the object's kind and which accepts the `fieldValidation`
 *   query parameter; finding one, kubectl leaves validation to the server (fieldValidation=Strict).
 *   Every served kind gets item and list paths with get/put/patch/delete/post operations.
 * - `components.schemas` are shallow (apiVersion, kind, metadata, spec, status as objects), named
 *   like upstream (`io.k8s.api.apps.v1.Deployment`), so `kubectl explain` finds every kind.
 * - PATCH request bodies deliberately do NOT list `application/strategic-merge-patch+json`.
 *   kubectl apply builds its client-side strategic merge patch from the v3 schema only when the
 *   PATCH operation lists that content type (apply/patcher.go gvkSupportsPatchOpenAPIV3); with
 *   these shallow schemas it would lose the merge keys (containers by name, ports by
 *   containerPort…). Without it kubectl uses its compiled-in types, which carry the right merge
 *   keys for built-in kinds, and a JSON merge patch for the others (Gateway API) — exactly what it
 *   does against kube-apiserver for CRDs. The server still accepts strategic merge patches.
 * - The root lists every served group-version with `?hash=` = SHA-256 of the document, so
 *   clients may cache a document for as long as its hash is unchanged.
 */
import { createHash } from 'node:crypto';
import { RESOURCES, type ResourceInfo, type SubresourceInfo } from '../api/resources.js';
import { GIT_VERSION } from './discovery.js';

type Json = Record<string, unknown>;
interface Gvk { group: string; version: string; kind: string }

/** Groups built into kube-apiserver are named io.k8s.api.<group's first label>; others (CRDs) reverse the domain. */
const BUILTIN_GROUPS = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'discovery.k8s.io', 'coordination.k8s.io',
  'rbac.authorization.k8s.io', 'storage.k8s.io', 'scheduling.k8s.io', 'node.k8s.io', 'events.k8s.io',
  'certificates.k8s.io', 'admissionregistration.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io',
]);

export function schemaName(gvk: Gvk): string {
  if (BUILTIN_GROUPS.has(gvk.group)) {
    const pkg = gvk.group === '' ? 'core' : gvk.group.split('.')[0]!;
    return `io.k8s.api.${pkg}.${gvk.version}.${gvk.kind}`;
  }
  return `${gvk.group.split('.').reverse().join('.')}.${gvk.version}.${gvk.kind}`;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** `api/v1` or `apis/<group>/<version>`: the key kubectl looks up in the root document. */
export function gvPath(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  return r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

function queryParam(name: string, description: string, type: 'string' | 'boolean' | 'integer' = 'string'): Json {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const PARAMS = {
  pretty: queryParam('pretty', "If 'true', then the output is pretty printed."),
  dryRun: queryParam('dryRun', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: queryParam('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: queryParam(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict',
  ),
  force: queryParam('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.', 'boolean'),
  labelSelector: queryParam('labelSelector', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  fieldSelector: queryParam('fieldSelector', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  limit: queryParam('limit', 'limit is a maximum number of responses to return for a list call.', 'integer'),
  continue: queryParam('continue', 'The continue option should be set when retrieving more results from the server.'),
  resourceVersion: queryParam('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  watch: queryParam('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.', 'boolean'),
  gracePeriodSeconds: queryParam('gracePeriodSeconds', 'The duration in seconds before the object should be deleted.', 'integer'),
  propagationPolicy: queryParam('propagationPolicy', "Whether and how garbage collection will be performed. Acceptable values are: 'Orphan', 'Background', 'Foreground'."),
};

function pathParam(name: string, description: string): Json {
  return { name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } };
}

function jsonContent(schema: Json): Json {
  return { 'application/json': { schema }, 'application/yaml': { schema } };
}

function responses(codes: number[], schema: Json): Json {
  const out: Json = {};
  for (const code of codes) out[String(code)] = { description: code === 201 ? 'Created' : code === 202 ? 'Accepted' : 'OK', content: jsonContent(schema) };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

/** operationId like upstream's: `patchAppsV1NamespacedDeploymentStatus`, `listCoreV1PodForAllNamespaces`. */
interface OpName { verb: string; tag: string; scope: 'Namespaced' | '' | 'ForAllNamespaces'; kind: string; sub?: string }

function operation(action: string, name: OpName, kind: Gvk, extra: Json): Json {
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  const scoped = name.scope === 'ForAllNamespaces' ? `${name.kind}ForAllNamespaces` : `${name.scope}${name.kind}`;
  return {
    tags: [name.tag],
    description: `${action} ${kind.kind}`,
    operationId: `${name.verb}${cap(name.tag)}${scoped}${name.sub ? cap(name.sub) : ''}`,
    ...extra,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: kind.group, version: kind.version, kind: kind.kind },
  };
}

/** Upstream-style tag: `appsV1`, `coreV1`, `networkingV1`, `gatewayNetworkingV1`. */
function tagFor(r: Pick<ResourceInfo, 'group' | 'version'>): string {
  const base = r.group === '' ? ['core'] : r.group.replace(/\.k8s\.io$/, '').split('.');
  const words = [...base, r.version];
  return words.map((w, i) => (i === 0 ? w : w[0]!.toUpperCase() + w.slice(1))).join('');
}

const PATCH_BODY_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

/** get/put/patch for an object or its status/scale subresource, as the verbs allow. */
function itemOperations(r: ResourceInfo, kind: Gvk, verbs: string[], tag: string, suffix: string): Json {
  const schema = ref(schemaName(kind));
  const item: Json = {};
  const op = (verb: string): OpName => ({ verb, tag, scope: r.namespaced ? 'Namespaced' : '', kind: r.kind, sub: suffix });
  if (verbs.includes('get')) {
    item.get = operation('get', op('read'), kind, { parameters: [], responses: responses([200], schema) });
  }
  if (verbs.includes('update')) {
    item.put = operation('put', op('replace'), kind, {
      parameters: [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation],
      requestBody: { content: { '*/*': { schema } }, required: true },
      responses: responses([200, 201], schema),
    });
  }
  if (verbs.includes('patch')) {
    const patchSchema = ref(`${META}.Patch`);
    item.patch = operation('patch', op('patch'), kind, {
      parameters: [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation, PARAMS.force],
      requestBody: { content: Object.fromEntries(PATCH_BODY_TYPES.map((t) => [t, { schema: patchSchema }])), required: true },
      responses: responses([200, 201], schema),
    });
  }
  if (suffix === '' && verbs.includes('delete')) {
    item.delete = operation('delete', op('delete'), kind, {
      parameters: [PARAMS.dryRun, PARAMS.gracePeriodSeconds, PARAMS.propagationPolicy],
      requestBody: { content: { '*/*': { schema: ref(`${META}.DeleteOptions`) } } },
      responses: responses([200, 202], ref(`${META}.Status`)),
    });
  }
  const params: Json[] = [pathParam('name', `name of the ${kind.kind}`)];
  if (r.namespaced) params.push(pathParam('namespace', 'object name and auth scope, such as for teams and projects'));
  params.push(PARAMS.pretty);
  item.parameters = params;
  return item;
}

function listOperations(r: ResourceInfo, kind: Gvk, tag: string, namespacedPath: boolean): Json {
  const listKind: Gvk = { ...kind, kind: r.listKind };
  const list: Json = {};
  const scope = namespacedPath ? 'Namespaced' : r.namespaced ? 'ForAllNamespaces' : '';
  const op = (verb: string): OpName => ({ verb, tag, scope, kind: r.kind });
  const listParams = [PARAMS.labelSelector, PARAMS.fieldSelector, PARAMS.limit, PARAMS.continue, PARAMS.resourceVersion, PARAMS.watch];
  if (r.verbs.includes('list')) {
    list.get = operation('list', op('list'), kind, {
      parameters: listParams,
      responses: responses([200], ref(schemaName(listKind))),
    });
  }
  if (namespacedPath || !r.namespaced) {
    if (r.verbs.includes('create')) {
      list.post = operation('post', op('create'), kind, {
        parameters: [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation],
        requestBody: { content: { '*/*': { schema: ref(schemaName(kind)) } }, required: true },
        responses: responses([200, 201, 202], ref(schemaName(kind))),
      });
    }
    if (r.verbs.includes('deletecollection')) {
      list.delete = operation('deletecollection', op('deleteCollection'), kind, {
        parameters: [...listParams.slice(0, 5), PARAMS.dryRun, PARAMS.gracePeriodSeconds, PARAMS.propagationPolicy],
        responses: responses([200], ref(`${META}.Status`)),
      });
    }
  }
  const params: Json[] = [];
  if (namespacedPath) params.push(pathParam('namespace', 'object name and auth scope, such as for teams and projects'));
  params.push(PARAMS.pretty);
  list.parameters = params;
  return list;
}

const OBJECT_PROPERTY_DOCS: Record<string, string> = {
  apiVersion: 'APIVersion defines the versioned schema of this representation of an object.',
  kind: 'Kind is a string value representing the REST resource this object represents.',
  metadata: "Standard object's metadata.",
  spec: 'Spec defines the desired state of the object.',
  status: 'Status is the most recently observed state of the object. Populated by the system. Read-only.',
};

function kindSchema(kind: Gvk, description: string): Json {
  return {
    description,
    type: 'object',
    properties: {
      apiVersion: { type: 'string', description: OBJECT_PROPERTY_DOCS.apiVersion },
      kind: { type: 'string', description: OBJECT_PROPERTY_DOCS.kind },
      metadata: { type: 'object', description: OBJECT_PROPERTY_DOCS.metadata, 'x-kubernetes-preserve-unknown-fields': true },
      spec: { type: 'object', description: OBJECT_PROPERTY_DOCS.spec, 'x-kubernetes-preserve-unknown-fields': true },
      status: { type: 'object', description: OBJECT_PROPERTY_DOCS.status, 'x-kubernetes-preserve-unknown-fields': true },
    },
    'x-kubernetes-group-version-kind': [{ group: kind.group, kind: kind.kind, version: kind.version }],
  };
}

function listSchema(listKind: Gvk, itemKind: Gvk): Json {
  return {
    description: `${listKind.kind} is a list of ${itemKind.kind} objects.`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: { type: 'string', description: OBJECT_PROPERTY_DOCS.apiVersion },
      kind: { type: 'string', description: OBJECT_PROPERTY_DOCS.kind },
      metadata: { type: 'object', description: 'Standard list metadata.' },
      items: { type: 'array', items: ref(schemaName(itemKind)) },
    },
    'x-kubernetes-group-version-kind': [{ group: listKind.group, kind: listKind.kind, version: listKind.version }],
  };
}

const META_SCHEMAS: Json = {
  [`${META}.Patch`]: { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' },
  [`${META}.DeleteOptions`]: { description: 'DeleteOptions may be provided when deleting an API object.', type: 'object' },
  [`${META}.Status`]: { description: 'Status is a return value for calls that do not return other objects.', type: 'object' },
};

function servedGroupVersions(resources: readonly ResourceInfo[]): Map<string, ResourceInfo[]> {
  const byPath = new Map<string, ResourceInfo[]>();
  for (const r of resources) {
    const p = gvPath(r);
    byPath.set(p, [...(byPath.get(p) ?? []), r]);
  }
  return byPath;
}

/** Subresources whose bodies are objects (status, scale); connect-style ones (log, exec…) are not described. */
function describedSubresources(r: ResourceInfo): SubresourceInfo[] {
  return r.subresources.filter((s) => s.name === 'status' || s.name === 'scale');
}

function buildGroupVersionDoc(list: readonly ResourceInfo[]): Json {
  const paths: Json = {};
  const schemas: Json = { ...META_SCHEMAS };
  for (const r of list) {
    const kind: Gvk = { group: r.group, version: r.version, kind: r.kind };
    const tag = tagFor(r);
    const prefix = `/${gvPath(r)}`;
    const collection = r.namespaced ? `${prefix}/namespaces/{namespace}/${r.resource}` : `${prefix}/${r.resource}`;
    paths[collection] = listOperations(r, kind, tag, r.namespaced);
    if (r.namespaced) paths[`${prefix}/${r.resource}`] = listOperations(r, kind, tag, false);
    paths[`${collection}/{name}`] = itemOperations(r, kind, r.verbs, tag, '');
    for (const s of describedSubresources(r)) {
      const subKind: Gvk = { group: s.group, version: s.version, kind: s.kind };
      paths[`${collection}/{name}/${s.name}`] = itemOperations(r, subKind, s.verbs, tag, s.name);
      schemas[schemaName(subKind)] ??= kindSchema(subKind, `${s.kind} represents the ${s.name} of a resource.`);
    }
    schemas[schemaName(kind)] = kindSchema(kind, `${r.kind} (${r.group || 'core'}/${r.version}).`);
    const listKind: Gvk = { ...kind, kind: r.listKind };
    schemas[schemaName(listKind)] = listSchema(listKind, kind);
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: GIT_VERSION },
    paths,
    components: { schemas },
  };
}

export interface OpenApiDocuments {
  root: object;
  /** `api/v1` / `apis/<g>/<v>` → document and the hash the root advertises for it. */
  groupVersions: Map<string, { document: object; hash: string }>;
}

// The documents are a pure function of the registry array: build once per array (~4 ms), not per request.
const built = new WeakMap<readonly ResourceInfo[], OpenApiDocuments>();

/** Every document at once, memoized per registry array. Treat the result as read-only. */
export function buildOpenApiDocuments(resources: readonly ResourceInfo[] = RESOURCES): OpenApiDocuments {
  let docs = built.get(resources);
  if (!docs) built.set(resources, (docs = renderOpenApiDocuments(resources)));
  return docs;
}

function renderOpenApiDocuments(resources: readonly ResourceInfo[]): OpenApiDocuments {
  const groupVersions = new Map<string, { document: object; hash: string }>();
  const rootPaths: Json = {};
  for (const [p, list] of servedGroupVersions(resources)) {
    const document = buildGroupVersionDoc(list);
    const hash = createHash('sha256').update(JSON.stringify(document)).digest('hex').toUpperCase();
    groupVersions.set(p, { document, hash });
    rootPaths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
  }
  return { root: { paths: rootPaths }, groupVersions };
}

/** GET /openapi/v3: `{paths: {"api/v1": {serverRelativeURL: "/openapi/v3/api/v1?hash=…"}, …}}`. */
export function openapiRoot(resources: readonly ResourceInfo[] = RESOURCES): object {
  return buildOpenApiDocuments(resources).root;
}

/** GET /openapi/v3/<path> for `api/v1` or `apis/<g>/<v>` (leading `/` tolerated); undefined if not served. */
export function openapiGroupVersion(path: string, resources: readonly ResourceInfo[] = RESOURCES): object | undefined {
  const key = path.replace(/^\/+/, '').replace(/\/+$/, '');
  return buildOpenApiDocuments(resources).groupVersions.get(key)?.document;
}

/** The hash the root advertises for a group-version document (for ETag / Cache-Control). */
export function openapiHash(path: string, resources: readonly ResourceInfo[] = RESOURCES): string | undefined {
  const key = path.replace(/^\/+/, '').replace(/\/+$/, '');
  return buildOpenApiDocuments(resources).groupVersions.get(key)?.hash;
}

/**
 * A minimal OpenAPI v2 document. kubectl falls back to client-side validation with the v2
 * models for kinds no v3 document declares — notably `kind: List`, what `kubectl get -o yaml`
 * prints — and skips validation of kinds the models do not contain. It asks for gnostic's
 * protobuf encoding (Document{swagger=1, info=2{title=1, version=2}}), so both encodings are
 * offered: JSON when the Accept header asks for it, protobuf otherwise.
 */
// Requested as …spec.v2@v1.0+protobuf; answered as …spec.v2.v1.0+protobuf (Go's mime parser rejects '@').
export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export function openapiV2Json(): object {
  return { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.32.0' }, paths: {}, definitions: {} };
}

export function openapiV2Protobuf(): Buffer {
  const field = (num: number, bytes: Buffer) => Buffer.concat([Buffer.from([(num << 3) | 2, bytes.length]), bytes]);
  const info = Buffer.concat([field(1, Buffer.from('Kubernetes')), field(2, Buffer.from('v1.32.0'))]);
  return Buffer.concat([field(1, Buffer.from('2.0')), field(2, info)]);
}
