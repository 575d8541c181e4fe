/** Public surface of the storage layer. */
export { StoreError } from './store.js';
export type {
  Store, StoreErrorCode, StoreEvent, ListResult, WatchHandle, WatchCallbacks,
} from './store.js';
export { EtcdStore, type EtcdStoreOptions } from './etcd-store.js';
export { startEtcd, etcdArgs, ETCD_BINARY, type EtcdProcess, type EtcdProcessOptions } from './etcd-process.js';
export { findFreePort } from './free-port.js';
