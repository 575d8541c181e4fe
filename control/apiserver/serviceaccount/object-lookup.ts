/** The objects service account tokens are bound to, read from storage (live, never a cache). */
import { findResource, type ResourceInfo } from '../../api/resources.js';
import type { RestStorage } from '../registry/rest.js';
import type { BoundKind, ObjectLookup } from './token-authenticator.js';

const INFOS: Record<BoundKind, ResourceInfo> = {
  serviceaccounts: findResource('', 'v1', 'serviceaccounts')!,
  pods: findResource('', 'v1', 'pods')!,
  secrets: findResource('', 'v1', 'secrets')!,
  nodes: findResource('', 'v1', 'nodes')!,
};

export function restObjectLookup(rest: RestStorage): ObjectLookup {
  return { get: (kind, namespace, name) => rest.read(INFOS[kind], INFOS[kind].namespaced ? namespace : undefined, name) };
}
