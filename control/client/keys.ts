/**
 * Object keys as client-go's MetaNamespaceKeyFunc makes them: 'namespace/name' for namespaced
 * objects, 'name' for cluster-scoped ones. Work queues and informer caches use these keys.
 */
import type { KubeObject } from '../api/object.js';

export function objectKey(obj: Pick<KubeObject, 'metadata'>): string {
  const { namespace, name } = obj.metadata;
  if (!name) throw new Error('object has no metadata.name');
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  if (i < 0) return { name: key };
  return { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
