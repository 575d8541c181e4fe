/**
 * DNS metrics under CoreDNS's names, so existing dashboards apply:
 *   coredns_dns_requests_total{proto,type}, coredns_dns_responses_total{proto,rcode},
 *   coredns_dns_request_duration_seconds (histogram), coredns_cache_hits_total{type},
 *   coredns_cache_misses_total, coredns_cache_entries,
 *   coredns_kubernetes_dns_programming_duration_seconds{service_kind}.
 *
 * The hot path only bumps numbers in plain arrays; prom-client reads them at scrape time
 * (`collect`), because a labelled prom-client inc/observe per query would cost a sizeable share
 * of the ~10 µs a fast-path answer takes.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RCODE_NAMES, TYPE_NAMES } from './wire.js';

/** CoreDNS's request-duration buckets: 0.25 ms doubling up to ~8 s. */
const DURATION_BUCKETS = Array.from({ length: 16 }, (_, i) => 0.00025 * 2 ** i);

type Proto = 'udp' | 'tcp';

export class DnsMetrics {
  private readonly requests: Record<Proto, Float64Array> = { udp: new Float64Array(65536), tcp: new Float64Array(65536) };
  private readonly responses: Record<Proto, Float64Array> = { udp: new Float64Array(4096), tcp: new Float64Array(4096) };
  private readonly buckets = new Float64Array(DURATION_BUCKETS.length + 1);
  private durationSum = 0;
  private durationCount = 0;
  readonly programming: Histogram<'service_kind'>;

  constructor(registry: Registry, cache: () => { hitsSuccess: number; hitsDenial: number; misses: number; size: number }) {
    const self = this;
    new Counter({
      name: 'coredns_dns_requests_total', help: 'DNS requests, by transport and query type.',
      labelNames: ['proto', 'type'], registers: [registry],
      collect() {
        this.reset();
        for (const proto of ['udp', 'tcp'] as const) {
          const a = self.requests[proto];
          for (let t = 0; t < a.length; t++) if (a[t]! > 0) this.inc({ proto, type: TYPE_NAMES[t] ?? `TYPE${t}` }, a[t]!);
        }
      },
    });
    new Counter({
      name: 'coredns_dns_responses_total', help: 'DNS responses, by transport and response code.',
      labelNames: ['proto', 'rcode'], registers: [registry],
      collect() {
        this.reset();
        for (const proto of ['udp', 'tcp'] as const) {
          const a = self.responses[proto];
          for (let r = 0; r < a.length; r++) if (a[r]! > 0) this.inc({ proto, rcode: RCODE_NAMES[r] ?? `RCODE${r}` }, a[r]!);
        }
      },
    });
    registry.registerMetric(new DurationHistogram(this) as unknown as Histogram);
    new Counter({
      name: 'coredns_cache_hits_total', help: 'Answer cache hits (success = positive answer, denial = NXDOMAIN/NODATA).',
      labelNames: ['type'], registers: [registry],
      collect() {
        const c = cache();
        this.reset();
        this.inc({ type: 'success' }, c.hitsSuccess);
        this.inc({ type: 'denial' }, c.hitsDenial);
      },
    });
    new Counter({
      name: 'coredns_cache_misses_total', help: 'Answer cache misses.', registers: [registry],
      collect() { this.reset(); this.inc(cache().misses); },
    });
    new Gauge({
      name: 'coredns_cache_entries', help: 'Replies held in the answer cache.', registers: [registry],
      collect() { this.set(cache().size); },
    });
    this.programming = new Histogram({
      name: 'coredns_kubernetes_dns_programming_duration_seconds',
      help: 'Time from a Service/EndpointSlice change (creation time or last-change-trigger-time) to its DNS answers being served.',
      labelNames: ['service_kind'], buckets: Array.from({ length: 20 }, (_, i) => 0.001 * 2 ** i), registers: [registry],
    });
  }

  request(proto: Proto, qtype: number): void {
    this.requests[proto][qtype & 0xffff]!++;
  }

  /** Counts a response and its duration since `startMs` (performance.now()). */
  response(proto: Proto, rcode: number, startMs: number, nowMs: number): void {
    this.responses[proto][rcode & 0xfff]!++;
    const s = (nowMs - startMs) / 1000;
    this.durationSum += s;
    this.durationCount++;
    let i = 0;
    while (i < DURATION_BUCKETS.length && s > DURATION_BUCKETS[i]!) i++;
    this.buckets[i]!++;
  }

  /** Cumulative buckets for the exposition. */
  durationSnapshot(): { le: number[]; cumulative: number[]; sum: number; count: number } {
    const cumulative: number[] = [];
    let acc = 0;
    for (let i = 0; i < this.buckets.length; i++) cumulative.push(acc += this.buckets[i]!);
    return { le: [...DURATION_BUCKETS, Infinity], cumulative, sum: this.durationSum, count: this.durationCount };
  }
}

/** A read-only histogram in prom-client's metric shape, fed from DnsMetrics' plain arrays. */
class DurationHistogram {
  readonly name = 'coredns_dns_request_duration_seconds';
  readonly help = 'Time from receiving a DNS request to sending its response.';
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(private readonly m: DnsMetrics) {}

  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: { value: number; labels: Record<string, string | number>; metricName: string }[] }> {
    const s = this.m.durationSnapshot();
    const values: { value: number; labels: Record<string, string | number>; metricName: string }[] = s.le.map((le, i) => ({ value: s.cumulative[i]!, labels: { le: le === Infinity ? '+Inf' : le }, metricName: `${this.name}_bucket` }));
    values.push({ value: s.sum, labels: {}, metricName: `${this.name}_sum` });
    values.push({ value: s.count, labels: {}, metricName: `${this.name}_count` });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void { /* counts are owned by DnsMetrics */ }
}
