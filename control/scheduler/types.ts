/**
 * The slices of Pod and Node the scheduler reads, typed as the API serves them (JSON, timestamps
 * as strings). Objects come from informer caches and are frozen: never edit them.
 */
import type { KubeObject } from '../api/object.js';

export type { Affinity, NodeAffinity, NodeSelectorRequirement, NodeSelectorTerm, Taint, TaintEffect, Toleration } from '../api/scheduling.js';
import type { NodeAffinity, Taint, Toleration } from '../api/scheduling.js';

export interface ContainerPort {
  containerPort: number;
  hostPort?: number;
  hostIP?: string;
  protocol?: string;
}

export interface Container {
  name: string;
  ports?: ContainerPort[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  /** 'Always' on an init container makes it a sidecar (it keeps running beside the app). */
  restartPolicy?: string;
}

export interface PodSpec {
  nodeName?: string;
  schedulerName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: { nodeAffinity?: NodeAffinity };
  tolerations?: Toleration[];
  containers?: Container[];
  initContainers?: Container[];
  overhead?: Record<string, string | number>;
  hostNetwork?: boolean;
  volumes?: { name: string; persistentVolumeClaim?: { claimName?: string } }[];
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

export interface Pod extends KubeObject {
  spec?: PodSpec;
  status?: { phase?: string; conditions?: PodCondition[] };
}

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[] };
  status?: { allocatable?: Record<string, string | number>; capacity?: Record<string, string | number>; conditions?: NodeCondition[] };
}
