/**
 * REST paths and query strings for resources, built from the ResourceInfo registry:
 *   core:   /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]]
 *   groups: /apis/GROUP/VERSION[/namespaces/NS]/RESOURCE[/NAME[/SUB]]
 * Cluster-scoped resources ignore the namespace; `namespace` undefined on a namespaced resource
 * addresses every namespace (list/watch only).
 */
import type { ResourceInfo } from '../api/resources.js';

export function groupVersionPath(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
}

export function resourcePath(
  info: Pick<ResourceInfo, 'group' | 'version' | 'resource' | 'namespaced'>,
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  let path = groupVersionPath(info);
  if (info.namespaced && namespace !== undefined && namespace !== '') path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${info.resource}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

/** `?a=1&b=x` from the defined entries, in insertion order; '' when nothing is set. */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
