/**
 * Admission hooks run inside the write path after defaulting and validation, before the store
 * write: allocators (ClusterIP, NodePort) and similar. A hook that reserved something on create
 * must undo it in rollbackCreate when the write fails.
 */
import type { KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';

export interface Admission {
  create?(info: ResourceInfo, obj: KubeObject, dryRun: boolean): Promise<void> | void;
  rollbackCreate?(info: ResourceInfo, obj: KubeObject): Promise<void> | void;
  update?(info: ResourceInfo, obj: KubeObject, old: KubeObject, dryRun: boolean): Promise<void> | void;
  deleted?(info: ResourceInfo, obj: KubeObject): Promise<void> | void;
}
