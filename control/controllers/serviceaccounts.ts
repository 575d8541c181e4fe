/**
 * ServiceAccountsController (upstream pkg/controller/serviceaccount): every namespace that is not
 * terminating has a ServiceAccount named `default`; deleting it brings it back. Pods name it by
 * default, and the API server refuses pods whose ServiceAccount does not exist.
 *
 * Keyed by namespace: a namespace added or updated, or a `default` ServiceAccount deleted,
 * enqueues its namespace; the worker re-reads both caches and creates what is missing. A create
 * that finds it already there (another writer, a stale cache) or finds the namespace
 * terminating is not an error.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import { WorkQueue, runWorkers, type ApiClient } from '../client/index.js';
import type { SharedInformers } from './informers.js';
import type { Controller } from './namespace.js';

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;
/** upstream's DefaultServiceAccountsControllerOptions: just "default" */
export const DEFAULT_SERVICE_ACCOUNTS = ['default'] as const;

/** A namespace that exists and is not terminating: the only kind that gets content created in it. */
export function namespaceIsActive(ns: KubeObject | undefined): ns is KubeObject {
  return !!ns && !ns.metadata.deletionTimestamp && (ns.status as { phase?: string } | undefined)?.phase !== 'Terminating';
}

/** The ServiceAccounts a namespace still needs (none while it terminates or when it is gone). */
export function missingServiceAccounts(ns: KubeObject | undefined, exists: (name: string) => boolean): string[] {
  if (!namespaceIsActive(ns)) return [];
  return DEFAULT_SERVICE_ACCOUNTS.filter((name) => !exists(name));
}

export function buildServiceAccountsController(deps: { client: ApiClient; informers: SharedInformers; log: Logger }): Controller {
  const { client, log } = deps;
  const namespaces = deps.informers.for(NAMESPACES);
  const serviceAccounts = deps.informers.for(SERVICE_ACCOUNTS);
  const queue = new WorkQueue<string>();
  namespaces.onAdd((ns) => queue.add(ns.metadata.name!)).onUpdate((_o, ns) => queue.add(ns.metadata.name!));
  serviceAccounts.onDelete((sa) => {
    if ((DEFAULT_SERVICE_ACCOUNTS as readonly string[]).includes(sa.metadata.name ?? '')) queue.add(sa.metadata.namespace ?? '');
  });
  let workers: Promise<void> | undefined;

  async function reconcile(namespace: string): Promise<void> {
    const missing = missingServiceAccounts(namespaces.get(namespace), (name) => serviceAccounts.get(`${namespace}/${name}`) !== undefined);
    for (const name of missing) {
      try {
        await client.create(SERVICE_ACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } });
        log.info({ namespace, serviceAccount: name }, 'created service account');
      } catch (err) {
        // 409: created meanwhile; 403: the namespace started terminating; 404: it is gone
        if (err instanceof ApiError && [409, 403, 404].includes(err.code)) continue;
        throw err;
      }
    }
  }

  return {
    start() {
      for (const ns of namespaces.list()) queue.add(ns.metadata.name!);
      workers = runWorkers(queue, 2, reconcile, { onError: (key, err) => log.warn({ namespace: key, err: (err as Error).message }, 'service account sync failed; retrying') });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}
