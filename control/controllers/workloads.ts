/**
 * The workload controllers (ReplicaSet, Deployment, DaemonSet, Job, StatefulSet) as one group for the
 * controller-manager, sharing its client and informers.
 */
import type { Logger } from 'pino';
import type { ApiClient } from '../client/index.js';
import { buildDaemonSetController } from './daemonset.js';
import { buildDeploymentController } from './deployment.js';
import type { SharedInformers } from './informers.js';
import { buildJobController } from './job.js';
import type { Controller } from './namespace.js';
import { buildReplicaSetController } from './replicaset.js';
import { buildStatefulSetController } from './statefulset.js';

export function buildWorkloadControllers(deps: { client: ApiClient; informers: SharedInformers; log: Logger }): Controller[] {
  const base = { client: deps.client, informers: deps.informers };
  return [
    buildReplicaSetController({ ...base, log: deps.log.child({ controller: 'replicaset' }) }),
    buildDeploymentController({ ...base, log: deps.log.child({ controller: 'deployment' }) }),
    buildDaemonSetController({ ...base, log: deps.log.child({ controller: 'daemonset' }) }),
    buildJobController({ ...base, log: deps.log.child({ controller: 'job' }) }),
    buildStatefulSetController({ ...base, log: deps.log.child({ controller: 'statefulset' }) }),
  ];
}
