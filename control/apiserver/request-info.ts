/**
 * Parses a request path into what it addresses, the way kube-apiserver's RequestInfoFactory does:
 *   /api/v1[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 *   /apis/{group}/{version}[/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]
 * `namespaces/{name}/status|finalize` stay subresources of the namespace itself.
 */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection' | 'connect';

export interface ResourceRequest {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  verb: Verb;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

export function parseResourcePath(method: string, pathname: string, query: URLSearchParams): ResourceRequest | undefined {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1];
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2]!)) rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  if (!resource || extra.length > 0) return undefined;
  // namespaces/{name}[/status]: the namespace is the object itself, not a scope.
  if (resource === 'namespaces') namespace = undefined;
  const verb = verbFor(method, name, subresource, query);
  if (!verb) return undefined;
  return { group, version, resource, namespace, name, subresource, verb };
}

function verbFor(method: string, name: string | undefined, subresource: string | undefined, query: URLSearchParams): Verb | undefined {
  const watch = query.get('watch');
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (subresource === 'exec' || subresource === 'attach' || subresource === 'portforward') return 'connect';
      if (!name) return watch === 'true' || watch === '1' ? 'watch' : 'list';
      return 'get';
    case 'POST':
      if (subresource === 'exec' || subresource === 'attach' || subresource === 'portforward') return 'connect';
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return name ? 'delete' : 'deletecollection';
    default:
      return undefined;
  }
}
