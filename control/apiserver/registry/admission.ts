/**
 * Admission hooks inside the write path, in kube-apiserver's order:
 *   defaulting → mutate (mutating admission, create only: e.g. the ServiceAccount plugin adding
 *   the token volume) → validation → create/update (validating admission and allocators such as
 *   ClusterIP and NodePort) → store write.
 * A hook that reserved something on create must undo it in rollbackCreate when the write fails.
 */
import type { KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';

export interface Admission {
  mutate?(info: ResourceInfo, obj: KubeObject, dryRun: boolean): Promise<void> | void;
  create?(info: ResourceInfo, obj: KubeObject, dryRun: boolean): Promise<void> | void;
  rollbackCreate?(info: ResourceInfo, obj: KubeObject): Promise<void> | void;
  update?(info: ResourceInfo, obj: KubeObject, old: KubeObject, dryRun: boolean): Promise<void> | void;
  deleted?(info: ResourceInfo, obj: KubeObject): Promise<void> | void;
}
