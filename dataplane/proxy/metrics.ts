/**
 * The proxy's metrics, under upstream kube-proxy's names where they exist
 * (pkg/proxy/metrics/metrics.go), registered on the agent's shared registry.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** 1 ms · 2^k up to ~16 s, as upstream's sync duration buckets. */
const SYNC_BUCKETS = Array.from({ length: 15 }, (_, k) => 0.001 * 2 ** k);
/** Network programming latency: 0.25 s … 60 s, then coarse (upstream's shape). */
const NPL_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 30, 45, 60, 120, 300];

export interface ProxyMetrics {
  syncDuration: Histogram;
  syncFullDuration: Histogram;
  syncPartialDuration: Histogram;
  networkProgramming: Histogram;
  rulesTotal: Gauge<'table'>;
  restoreFailures: Counter;
  partialRestoreFailures: Counter;
  lastSync: Gauge;
  connections: Counter<'service' | 'result'>;
  connectRetries: Counter<'service'>;
  activeConnections: Gauge<'service'>;
  bytes: Counter<'service' | 'direction'>;
  udpSessions: Gauge<'service'>;
}

export function buildProxyMetrics(registry: Registry): ProxyMetrics {
  const registers = [registry];
  return {
    syncDuration: new Histogram({ name: 'kubeproxy_sync_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds', buckets: SYNC_BUCKETS, registers }),
    syncFullDuration: new Histogram({ name: 'kubeproxy_sync_full_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds for full resyncs', buckets: SYNC_BUCKETS, registers }),
    syncPartialDuration: new Histogram({ name: 'kubeproxy_sync_partial_proxy_rules_duration_seconds', help: 'SyncProxyRules latency in seconds for partial resyncs', buckets: SYNC_BUCKETS, registers }),
    networkProgramming: new Histogram({ name: 'kubeproxy_network_programming_duration_seconds', help: 'In Cluster Network Programming Latency in seconds (endpoint change trigger time → rules applied)', buckets: NPL_BUCKETS, registers }),
    rulesTotal: new Gauge({ name: 'kubeproxy_sync_proxy_rules_iptables_total', help: 'Total number of iptables rules owned by kube-proxy', labelNames: ['table'], registers }),
    restoreFailures: new Counter({ name: 'kubeproxy_sync_proxy_rules_iptables_restore_failures_total', help: 'Cumulative proxy iptables restore failures', registers }),
    partialRestoreFailures: new Counter({ name: 'kubeproxy_sync_proxy_rules_iptables_partial_restore_failures_total', help: 'Cumulative proxy iptables partial restore failures', registers }),
    lastSync: new Gauge({ name: 'kubeproxy_sync_proxy_rules_last_timestamp_seconds', help: 'The last time proxy rules were successfully synced', registers }),
    connections: new Counter({ name: 'tug_proxy_userspace_connections_total', help: 'Connections (TCP) and sessions (UDP) handled by the userspace proxy, by result', labelNames: ['service', 'result'], registers }),
    connectRetries: new Counter({ name: 'tug_proxy_userspace_connect_retries_total', help: 'Endpoint connects that failed and were retried on another endpoint', labelNames: ['service'], registers }),
    activeConnections: new Gauge({ name: 'tug_proxy_userspace_active_connections', help: 'Open proxied TCP connections', labelNames: ['service'], registers }),
    bytes: new Counter({ name: 'tug_proxy_userspace_bytes_total', help: 'Bytes proxied by the userspace proxy', labelNames: ['service', 'direction'], registers }),
    udpSessions: new Gauge({ name: 'tug_proxy_userspace_udp_sessions', help: 'Open UDP client sessions of the userspace proxy', labelNames: ['service'], registers }),
  };
}
