/** The kubelet's Prometheus metrics, named as upstream's where one exists. */
import { Gauge, Histogram, type Registry } from 'prom-client';

export interface KubeletMetrics {
  runningPods: Gauge;
  runningContainers: Gauge;
  podStart: Histogram;
  sandboxCreate: Histogram;
  relist: Histogram;
  podWorker: Histogram;
  portForwardSessions: Gauge;
  portForwardConnections: Gauge;
}

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60];

export function kubeletMetrics(registry: Registry): KubeletMetrics {
  const reg = [registry];
  return {
    runningPods: new Gauge({ name: 'kubelet_running_pods', help: 'Number of pods that have a running pod sandbox', registers: reg }),
    runningContainers: new Gauge({ name: 'kubelet_running_containers', help: 'Number of running containers', registers: reg }),
    podStart: new Histogram({ name: 'kubelet_pod_start_duration_seconds', help: 'Seconds from the kubelet first seeing a pod to all its containers running', buckets: LATENCY_BUCKETS, registers: reg }),
    sandboxCreate: new Histogram({ name: 'kubelet_sandbox_create_duration_seconds', help: 'Seconds to create a pod sandbox (pause container + CNI ADD)', buckets: LATENCY_BUCKETS, registers: reg }),
    relist: new Histogram({ name: 'kubelet_pleg_relist_duration_seconds', help: 'Seconds to relist the containers of this node', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2], registers: reg }),
    podWorker: new Histogram({ name: 'kubelet_pod_worker_duration_seconds', help: 'Seconds to sync a single pod', buckets: LATENCY_BUCKETS, registers: reg }),
    // Tugboat's own (upstream has none): what `kubectl port-forward` holds open on this node
    portForwardSessions: new Gauge({ name: 'kubelet_port_forward_sessions', help: 'Open kubectl port-forward sessions', registers: reg }),
    portForwardConnections: new Gauge({ name: 'kubelet_port_forward_connections', help: 'Open connections from port-forward sessions to pods', registers: reg }),
  };
}
