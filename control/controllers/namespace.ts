/**
 * NamespaceController: a namespace being deleted (deletionTimestamp set, spec.finalizers
 * ["kubernetes"]) has everything in it deleted; once nothing is left it removes its
 * finalizer through /finalize and the API server deletes the namespace.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/errors.js';
import { RESOURCES, findResource } from '../api/resources.js';
import { WorkQueue, runWorkers, type ApiClient } from '../client/index.js';
import type { SharedInformers } from './informers.js';

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const RECHECK_MS = 1000;

export interface Controller {
  start(): void;
  stop(): Promise<void>;
}

export function buildNamespaceController(deps: { client: ApiClient; informers: SharedInformers; log: Logger }): Controller {
  const { client, log } = deps;
  const namespaces = deps.informers.for(NAMESPACES);
  const queue = new WorkQueue<string>();
  const enqueue = (ns: KubeObject) => {
    if (ns.metadata.deletionTimestamp) queue.add(ns.metadata.name!);
  };
  namespaces.onAdd(enqueue).onUpdate((_, ns) => enqueue(ns));
  let workers: Promise<void> | undefined;

  async function reconcile(name: string): Promise<void> {
    const ns = namespaces.get(name);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const info of RESOURCES) {
      if (!info.namespaced || !info.verbs.includes('delete')) continue;
      const list = await client.list(info, { namespace: name });
      for (const item of list.items) {
        remaining++;
        if (item.metadata.deletionTimestamp) continue;
        try {
          await client.delete(info, name, item.metadata.name!, { propagationPolicy: 'Background' });
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
      }
    }
    if (remaining > 0) {
      log.debug({ namespace: name, remaining }, 'waiting for namespace content to go');
      queue.addAfter(name, RECHECK_MS);
      return;
    }
    const finalizers = (ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
    if (finalizers.includes('kubernetes')) {
      await client.request('PUT', `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, {
        apiVersion: 'v1', kind: 'Namespace', metadata: { name, resourceVersion: ns.metadata.resourceVersion },
        spec: { finalizers: finalizers.filter((f) => f !== 'kubernetes') },
      });
      log.info({ namespace: name }, 'namespace emptied and finalized');
    }
  }

  return {
    start() {
      workers = runWorkers(queue, 2, reconcile, { onError: (key, err) => log.warn({ namespace: key, err: (err as Error).message }, 'namespace cleanup failed; retrying') });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}
