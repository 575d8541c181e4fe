/** What the sync loop needs from a proxy mode. */
import type { Logger } from 'pino';
import type { Commit } from './core/model-tracker.js';
import type { RulePlan } from './core/plan.js';
import type { ProxyModel } from './core/types.js';

export interface SyncResult {
  full: boolean;
  natRules: number;
  filterRules: number;
}

export interface ProxyBackend {
  readonly mode: 'iptables' | 'userspace';
  /**
   * Brings the kernel (and, in userspace mode, the listeners) in line with `model`. `full`
   * recomputes and rewrites everything; otherwise only the Services in `commit.changed`.
   * Throws when the rules could not be applied; the caller then asks for a full sync.
   */
  sync(model: ProxyModel, commit: Commit, full: boolean): Promise<SyncResult>;
  /** The plan last applied, for the tracer and the debug endpoint. */
  plan(): RulePlan | undefined;
  stop(): Promise<void>;
}

export interface BackendContext {
  nodeName: string;
  nodeIP: string;
  clusterCidr: string;
  log: Logger;
}
