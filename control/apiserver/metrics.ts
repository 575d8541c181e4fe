/** API server metrics under the upstream names (apiserver_request_total, …). */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ApiServerMetrics {
  registry: Registry;
  requests: Counter<'verb' | 'resource' | 'code'>;
  latency: Histogram<'verb' | 'resource'>;
  watchers: Gauge<'resource'>;
}

export function buildApiServerMetrics(): ApiServerMetrics {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({ name: 'apiserver_request_total', help: 'Requests by verb, resource and HTTP code', labelNames: ['verb', 'resource', 'code'], registers: [registry] }),
    latency: new Histogram({
      name: 'apiserver_request_duration_seconds', help: 'Request latency (watches excluded)', labelNames: ['verb', 'resource'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry],
    }),
    watchers: new Gauge({ name: 'apiserver_registered_watchers', help: 'Open watch streams', labelNames: ['resource'], registers: [registry] }),
  };
}
