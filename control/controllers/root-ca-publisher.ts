/**
 * Root CA publisher (upstream pkg/controller/certificates/rootcacertpublisher): every namespace
 * that is not terminating has the ConfigMap `kube-root-ca.crt` whose `ca.crt` is the cluster CA —
 * what the kube-api-access projected volume mounts as
 * /var/run/secrets/kubernetes.io/serviceaccount/ca.crt so in-cluster clients can verify
 * https://kubernetes.default.svc. Edited or deleted copies are put back.
 *
 * Keyed by namespace: namespace events and any event on a `kube-root-ca.crt` ConfigMap enqueue it;
 * the worker compares the cached ConfigMap with `desiredRootCAConfigMap` and creates or updates.
 */
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import { ApiError } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import { WorkQueue, runWorkers, type ApiClient } from '../client/index.js';
import type { SharedInformers } from './informers.js';
import type { Controller } from './namespace.js';
import { namespaceIsActive } from './serviceaccounts.js';

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
export const ROOT_CA_KEY = 'ca.crt';
const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
const DESCRIPTION = 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export function desiredRootCAConfigMap(namespace: string, caPem: string): KubeObject {
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: ROOT_CA_CONFIGMAP, namespace, annotations: { [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
    data: { [ROOT_CA_KEY]: caPem },
  };
}

/** The object to write, or undefined when `current` already carries the CA and the annotation. */
export function rootCAConfigMapUpdate(current: KubeObject, caPem: string): KubeObject | undefined {
  const data = (current.data ?? {}) as Record<string, string>;
  const annotations = current.metadata.annotations ?? {};
  const dataOk = Object.keys(data).length === 1 && data[ROOT_CA_KEY] === caPem;
  if (dataOk && annotations[DESCRIPTION_ANNOTATION] === DESCRIPTION) return undefined;
  return {
    ...current,
    metadata: { ...current.metadata, annotations: { ...annotations, [DESCRIPTION_ANNOTATION]: DESCRIPTION } },
    data: { [ROOT_CA_KEY]: caPem },
    binaryData: undefined,
  };
}

export function buildRootCAPublisher(deps: { client: ApiClient; informers: SharedInformers; log: Logger; caPem: string }): Controller {
  const { client, log, caPem } = deps;
  const namespaces = deps.informers.for(NAMESPACES);
  const configMaps = deps.informers.for(CONFIGMAPS);
  const queue = new WorkQueue<string>();
  namespaces.onAdd((ns) => queue.add(ns.metadata.name!)).onUpdate((_o, ns) => queue.add(ns.metadata.name!));
  const onConfigMap = (cm: KubeObject): void => {
    if (cm.metadata.name === ROOT_CA_CONFIGMAP) queue.add(cm.metadata.namespace ?? '');
  };
  configMaps.onUpdate((_o, cm) => onConfigMap(cm)).onDelete(onConfigMap);
  let workers: Promise<void> | undefined;

  async function reconcile(namespace: string): Promise<void> {
    if (!namespaceIsActive(namespaces.get(namespace))) return;
    const current = configMaps.get(`${namespace}/${ROOT_CA_CONFIGMAP}`);
    try {
      if (!current) {
        await client.create(CONFIGMAPS, desiredRootCAConfigMap(namespace, caPem));
        return;
      }
      const next = rootCAConfigMapUpdate(current, caPem);
      if (next) await client.update(CONFIGMAPS, next);
    } catch (err) {
      // 409: someone else wrote it (the next event re-syncs); 403/404: the namespace is closing or gone
      if (err instanceof ApiError && [409, 403, 404].includes(err.code)) return;
      throw err;
    }
  }

  return {
    start() {
      for (const ns of namespaces.list()) queue.add(ns.metadata.name!);
      workers = runWorkers(queue, 2, reconcile, { onError: (key, err) => log.warn({ namespace: key, err: (err as Error).message }, 'root CA publish failed; retrying') });
    },
    async stop() {
      queue.shutDown();
      await workers;
    },
  };
}
