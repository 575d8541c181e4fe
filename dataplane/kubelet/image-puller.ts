/**
 * imagePullPolicy as upstream's image manager applies it, with a guard for offline machines:
 *   Never         local image or ErrImageNeverPull
 *   IfNotPresent  local image, else pull
 *   Always        pull (a local copy does not excuse a failed pull)
 * A failed pull is ErrImagePull with the registry's message; further attempts wait in
 * ImagePullBackOff (10 s doubling to 5 min), whose message repeats the last pull error. Pulls give up after `pullTimeoutMs`.
 * Unless `pullFromRemoteRegistries` is set, only registries on this machine (localhost,
 * 127.0.0.0/8, ::1) are contacted: a local cluster must never reach out to the Internet, so
 * pulling from elsewhere fails at once with ErrImagePull and a message saying why.
 */
import type { Docker } from './docker.js';
import { RestartBackoff, type Clock } from './restart-backoff.js';

export type ImageErrorReason = 'ErrImagePull' | 'ErrImageNeverPull' | 'ImagePullBackOff' | 'InvalidImageName';

export class ImageError extends Error {
  constructor(readonly reason: ImageErrorReason, message: string) {
    super(message);
  }
}

/** The registry host of an image reference (docker's rules: a first component with '.', ':' or "localhost"). */
export function registryOf(ref: string): string {
  const slash = ref.indexOf('/');
  if (slash < 0) return 'docker.io';
  const first = ref.slice(0, slash);
  return first.includes('.') || first.includes(':') || first === 'localhost' ? first : 'docker.io';
}

export function isLocalRegistry(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

export interface ImagePullerOptions {
  pullTimeoutMs?: number;
  pullFromRemoteRegistries?: boolean;
  clock?: Clock;
}

export interface ImageRef {
  image: string;
  imagePullPolicy?: string;
}

export class ImagePuller {
  private readonly backoff: RestartBackoff;
  private readonly lastFailure = new Map<string, number>();
  private readonly lastError = new Map<string, string>();
  private readonly timeoutMs: number;

  constructor(private readonly docker: Docker, private readonly opts: ImagePullerOptions = {}) {
    this.backoff = new RestartBackoff({ clock: opts.clock });
    this.timeoutMs = opts.pullTimeoutMs ?? 15_000;
  }

  /** Makes sure `c.image` can be used; `key` identifies the (pod, container) for back-off. Returns the image ID. */
  async ensure(c: ImageRef, key: string): Promise<string> {
    if (!c.image || /\s/.test(c.image)) throw new ImageError('InvalidImageName', `Failed to apply default image tag "${c.image}": couldn't parse image name`);
    const policy = c.imagePullPolicy ?? (c.image.includes('@') || /:[^/]+$/.test(c.image) && !c.image.endsWith(':latest') ? 'IfNotPresent' : 'Always');
    const local = await this.docker.inspectImage(c.image);
    if (policy === 'Never') {
      if (local) return local.id;
      throw new ImageError('ErrImageNeverPull', `Container image "${c.image}" is not present with pull policy of Never`);
    }
    if (policy === 'IfNotPresent' && local) return local.id;
    const since = this.lastFailure.get(key);
    if (since !== undefined && this.backoff.remaining(key, since) > 0) {
      // the last registry error stays visible during the back-off (as kubelets since 1.31 report it)
      throw new ImageError('ImagePullBackOff', `Back-off pulling image "${c.image}": ErrImagePull: ${this.lastError.get(key) ?? ''}`);
    }
    try {
      await this.pull(c.image);
    } catch (err) {
      this.backoff.next(key);
      this.lastFailure.set(key, this.backoff.clock.now());
      const message = `failed to pull and unpack image "${c.image}": ${(err as Error).message}`;
      this.lastError.set(key, message);
      throw new ImageError('ErrImagePull', message);
    }
    this.backoff.forget(key);
    this.lastFailure.delete(key);
    this.lastError.delete(key);
    const after = await this.docker.inspectImage(c.image);
    if (!after) throw new ImageError('ErrImagePull', `image "${c.image}" is missing after a successful pull`);
    return after.id;
  }

  /** Ms until the pull of `key` may be retried (0 = now). */
  retryAfter(key: string): number {
    const since = this.lastFailure.get(key);
    return since === undefined ? 0 : this.backoff.remaining(key, since);
  }

  forgetPrefix(prefix: string): void {
    this.backoff.forgetPrefix(prefix);
    for (const k of [...this.lastFailure.keys()]) if (k.startsWith(prefix)) this.lastFailure.delete(k);
    for (const k of [...this.lastError.keys()]) if (k.startsWith(prefix)) this.lastError.delete(k);
  }

  private async pull(image: string): Promise<void> {
    const registry = registryOf(image);
    if (!this.opts.pullFromRemoteRegistries && !isLocalRegistry(registry)) {
      throw new Error(`registry ${registry} is not reachable: this node pulls only from registries on this machine `
        + '(use imagePullPolicy IfNotPresent or Never for images built locally)');
    }
    await this.docker.pullImage(image, this.timeoutMs);
  }
}
