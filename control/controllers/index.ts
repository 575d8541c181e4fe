/**
 * The controller-manager: every controller as an API client of the server, sharing one
 * informer per resource. Nothing acts before the caches have synced.
 */
import type { Logger } from 'pino';
import { ApiClient, EventRecorder } from '../client/index.js';
import { SharedInformers } from './informers.js';
import { buildNamespaceController, type Controller } from './namespace.js';
import { buildServiceAccountsController } from './serviceaccounts.js';
import { buildRootCAPublisher } from './root-ca-publisher.js';
import { buildNodeIpamController } from './node-ipam.js';
import { buildScheduler } from '../scheduler/index.js';
import { buildNodeLifecycleController } from './node-lifecycle.js';
import { buildPodGCController } from './pod-gc.js';
import { buildGarbageCollector } from './garbage-collector.js';
import { buildWorkloadControllers } from './workloads.js';
import { buildCronJobController } from './cronjob.js';
import { buildEndpointSliceController } from './endpointslice.js';
import { buildEndpointsController } from './endpoints.js';
import { buildDisruptionController } from './disruption.js';
import { buildLocalPathProvisioner } from './local-path-provisioner.js';

export interface ControllerOptions {
  clusterCidr: string;
  podEvictionTimeoutSeconds: number;
  nodeMonitorGracePeriodSeconds?: number;
  /** Where the local-path provisioner makes volume directories (shared by every node of a local cluster). */
  localPathRoot?: string;
}

export interface ControllerManagerDeps {
  server: string;
  ca: string;
  cert: string;
  key: string;
  log: Logger;
  options: ControllerOptions;
}

export function buildControllers(deps: ControllerManagerDeps): { start(): Promise<void>; stop(): Promise<void> } {
  const client = new ApiClient({ server: deps.server, ca: deps.ca, cert: deps.cert, key: deps.key, userAgent: 'tug-controller-manager' });
  const informers = new SharedInformers(client);
  const controllers: Controller[] = [
    buildNamespaceController({ client, informers, log: deps.log.child({ controller: 'namespace' }) }),
    buildServiceAccountsController({ client, informers, log: deps.log.child({ controller: 'serviceaccount' }) }),
    // the CA that signed the API server's certificate is the one pods must trust
    buildRootCAPublisher({ client, informers, log: deps.log.child({ controller: 'root-ca-cert-publisher' }), caPem: deps.ca }),
    buildNodeIpamController({ client, informers, log: deps.log.child({ controller: 'node-ipam' }), clusterCidr: deps.options.clusterCidr }),
    buildScheduler({ client, informers, log: deps.log.child({ component: 'scheduler' }), events: new EventRecorder(client, { component: 'default-scheduler' }) }),
    buildNodeLifecycleController({ client, informers, log: deps.log.child({ controller: 'node-lifecycle' }), events: new EventRecorder(client, { component: 'node-controller' }), options: { podEvictionTimeoutSeconds: deps.options.podEvictionTimeoutSeconds, nodeMonitorGracePeriodSeconds: deps.options.nodeMonitorGracePeriodSeconds } }),
    buildPodGCController({ client, informers, log: deps.log.child({ controller: 'pod-gc' }) }),
    buildGarbageCollector({ client, informers, log: deps.log.child({ controller: 'garbage-collector' }) }),
    ...buildWorkloadControllers({ client, informers, log: deps.log }),
    buildCronJobController({ client, informers, log: deps.log.child({ controller: 'cronjob' }) }),
    buildEndpointSliceController({ client, informers, log: deps.log.child({ controller: 'endpointslice' }) }),
    buildEndpointsController({ client, informers, log: deps.log.child({ controller: 'endpoints' }) }),
    buildDisruptionController({ client, informers, log: deps.log.child({ controller: 'disruption' }) }),
    ...(deps.options.localPathRoot ? [buildLocalPathProvisioner({ client, informers, log: deps.log.child({ controller: 'local-path-provisioner' }), root: deps.options.localPathRoot })] : []),
  ];
  const abort = new AbortController();
  return {
    async start() {
      informers.start();
      // Caches sync in the background; controllers start only once they have.
      void informers.waitForSync(abort.signal).then((ok) => {
        if (!ok) return;
        for (const c of controllers) c.start();
        deps.log.info({ controllers: controllers.length }, 'controllers started');
      });
    },
    async stop() {
      abort.abort();
      await Promise.all(controllers.map((c) => c.stop()));
      informers.stop();
      client.close();
    },
  };
}
