/** The shared API client library: client, kubeconfig, informer, work queue, SyncRunner. */
export { ApiClient, PATCH_CONTENT_TYPES } from './client.js';
export type {
  DeleteOptions, ListOptions, ListerWatcher, PatchOptions, PatchType, RawResponse, WatchHandle, WatchOptions,
} from './client.js';
export { loadKubeconfig, parseKubeconfig, kubeconfigNamespace, defaultKubeconfigPaths } from './config.js';
export type { ClientConfig } from './config.js';
export { ClientConfigError } from './errors.js';
export type { ClientErrorCode } from './errors.js';
export { Informer, deepFreeze } from './informer.js';
export type { IndexFunc, InformerOptions } from './informer.js';
export { WorkQueue, runWorkers } from './workqueue.js';
export type { RunWorkersOptions, WorkQueueOptions } from './workqueue.js';
export { SyncRunner } from './sync-runner.js';
export type { SyncRunnerOptions } from './sync-runner.js';
export { Backoff, ItemBackoff } from './backoff.js';
export type { BackoffOptions, ItemBackoffOptions } from './backoff.js';
export { objectKey, splitKey } from './keys.js';
export { resourcePath, groupVersionPath, queryString } from './paths.js';
export { WatchLineDecoder, parseWatchLine } from './watch-decoder.js';
export { statusToError, errorFromBody } from './status.js';
export { EventRecorder, type EventRecorderOptions, type EventSink, type EventType, type InvolvedObject } from './events.js';
