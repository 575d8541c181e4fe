/**
 * Informer indexes the workload controllers share. Several of them register the same index on
 * the shared pod informer; the first registration wins and later ones reuse it. The name is
 * prefixed so it never clashes with another component's index of the same idea.
 */
import type { KubeObject } from '../api/object.js';
import type { Informer } from '../client/index.js';

const NAMESPACE_INDEX = 'workloads:namespace';

/** Objects of one namespace, from the informer's cache. */
export function namespaceLister<T extends KubeObject>(informer: Informer<T>): (namespace: string) => T[] {
  try {
    informer.addIndex(NAMESPACE_INDEX, (o) => [o.metadata.namespace ?? '']);
  } catch {
    // already registered by another workload controller on this shared informer
  }
  return (namespace) => informer.byIndex(NAMESPACE_INDEX, namespace);
}
