/** One informer per resource, shared by every controller of the controller-manager (client-go's SharedInformerFactory). */
import type { KubeObject } from '../api/object.js';
import type { ResourceInfo } from '../api/resources.js';
import { Informer, type ApiClient } from '../client/index.js';

export class SharedInformers {
  private readonly informers = new Map<string, Informer>();

  constructor(private readonly client: ApiClient) {}

  for<T extends KubeObject = KubeObject>(info: ResourceInfo): Informer<T> {
    const key = `${info.group}/${info.resource}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer(this.client, info);
      this.informers.set(key, inf);
    }
    return inf as unknown as Informer<T>;
  }

  start(): void {
    for (const inf of this.informers.values()) inf.start();
  }

  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  stop(): void {
    for (const inf of this.informers.values()) inf.stop();
  }
}
