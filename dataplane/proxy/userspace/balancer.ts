/**
 * Endpoint choice for the userspace proxy (the old userspace LoadBalancerRR): round-robin over
 * the endpoints, ClientIP affinity that remembers a client's endpoint for `affinitySeconds` after
 * its last connection, and an `exclude` set so a failed connect is retried elsewhere.
 */
import { endpointString, type Endpoint } from '../core/types.js';

export class Balancer {
  private endpoints: Endpoint[] = [];
  private next = 0;
  private readonly affinity = new Map<string, { endpoint: string; at: number }>();

  constructor(private affinitySeconds = 0, private readonly now: () => number = Date.now) {}

  update(endpoints: readonly Endpoint[], affinitySeconds: number): void {
    this.endpoints = [...endpoints];
    this.affinitySeconds = affinitySeconds;
    if (this.next >= this.endpoints.length) this.next = 0;
    const live = new Set(this.endpoints.map(endpointString));
    for (const [client, a] of this.affinity) if (!live.has(a.endpoint) || affinitySeconds === 0) this.affinity.delete(client);
  }

  size(): number {
    return this.endpoints.length;
  }

  has(ep: string): boolean {
    return this.endpoints.some((e) => endpointString(e) === ep);
  }

  pick(clientIP: string, exclude?: ReadonlySet<string>): Endpoint | undefined {
    if (this.affinitySeconds > 0) {
      const a = this.affinity.get(clientIP);
      if (a && this.now() - a.at <= this.affinitySeconds * 1000 && !exclude?.has(a.endpoint)) {
        const ep = this.endpoints.find((e) => endpointString(e) === a.endpoint);
        if (ep) {
          a.at = this.now();
          return ep;
        }
      }
    }
    for (let i = 0; i < this.endpoints.length; i++) {
      const ep = this.endpoints[(this.next + i) % this.endpoints.length]!;
      if (exclude?.has(endpointString(ep))) continue;
      this.next = (this.next + i + 1) % this.endpoints.length;
      if (this.affinitySeconds > 0) this.affinity.set(clientIP, { endpoint: endpointString(ep), at: this.now() });
      return ep;
    }
    return undefined;
  }

  /** Forget a client's endpoint (its connect failed). */
  forget(clientIP: string): void {
    this.affinity.delete(clientIP);
  }
}
