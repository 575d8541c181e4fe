/**
 * The kubelet's token manager (upstream pkg/kubelet/token): the tokens of projected
 * `serviceAccountToken` volume sources, requested through the TokenRequest API bound to the pod
 * (so they die with it), cached per (namespace, ServiceAccount, audiences, lifetime, pod), and
 * requested again once less than 20 % of their lifetime is left (or after 24 h), with up to 10 s
 * of jitter — so a file written at start is replaced well before it expires, and each sync of a
 * running pod rewrites `token` (by rename) when a new one arrived.
 *
 * A refresh that fails keeps serving the cached token while it is still valid, as upstream; a
 * first fetch that fails is a VolumeError naming the volume, and the pod waits in ContainerCreating.
 */
import { VolumeError } from './volumes.js';
import type { Pod, ProjectedSource, Volume } from './pod-types.js';

export interface TokenRequestSpec {
  audiences: string[];
  expirationSeconds: number;
  boundObjectRef: { apiVersion: 'v1'; kind: 'Pod'; name: string; uid: string };
}

export interface IssuedToken {
  token: string;
  /** RFC 3339 */
  expirationTimestamp: string;
  /** the lifetime the server granted (the response's spec.expirationSeconds) */
  expirationSeconds: number;
}

export type RequestToken = (namespace: string, serviceAccount: string, spec: TokenRequestSpec) => Promise<IssuedToken>;

/** upstream's default projected token lifetime (ServiceAccountTokenProjection defaulting) */
export const DEFAULT_PROJECTED_TOKEN_SECONDS = 3600;
const MAX_TTL_MS = 24 * 3600 * 1000;
const MAX_JITTER_MS = 10_000;

/** upstream requiresRefresh: past 80 % of the lifetime, or older than 24 h, minus jitter. */
export function tokenNeedsRefresh(t: IssuedToken, nowMs: number, jitterMs = 0): boolean {
  const exp = Date.parse(t.expirationTimestamp);
  if (Number.isNaN(exp)) return true;
  const lifetimeMs = t.expirationSeconds * 1000;
  const iat = exp - lifetimeMs;
  if (nowMs > iat + MAX_TTL_MS - jitterMs) return true;
  return nowMs > exp - lifetimeMs / 5 - jitterMs;
}

/** What the kubelet asks for on behalf of one projected source of one pod. */
export function projectedTokenRequest(pod: Pod, source: NonNullable<ProjectedSource['serviceAccountToken']>): TokenRequestSpec {
  return {
    audiences: source.audience ? [source.audience] : [],
    expirationSeconds: source.expirationSeconds ?? DEFAULT_PROJECTED_TOKEN_SECONDS,
    boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '' },
  };
}

export interface ServiceAccountTokensDeps {
  request: RequestToken;
  now: () => number;
  /** random jitter in [0, 10 s) by default; tests pass 0 */
  jitterMs?: () => number;
}

export class ServiceAccountTokens {
  private readonly cache = new Map<string, IssuedToken>();

  constructor(private readonly deps: ServiceAccountTokensDeps) {}

  private key(pod: Pod, spec: TokenRequestSpec): string {
    return JSON.stringify([pod.metadata.namespace ?? 'default', pod.spec.serviceAccountName ?? 'default', spec.audiences, spec.expirationSeconds, spec.boundObjectRef.uid]);
  }

  /** Fetches or refreshes the tokens of one volume's serviceAccountToken sources. */
  async ensureVolume(pod: Pod, volume: Volume): Promise<void> {
    for (const s of volume.projected?.sources ?? []) {
      if (!s.serviceAccountToken) continue;
      const spec = projectedTokenRequest(pod, s.serviceAccountToken);
      const key = this.key(pod, spec);
      const cached = this.cache.get(key);
      const now = this.deps.now();
      const jitter = this.deps.jitterMs?.() ?? Math.random() * MAX_JITTER_MS;
      if (cached && !tokenNeedsRefresh(cached, now, jitter)) continue;
      try {
        this.cache.set(key, await this.deps.request(pod.metadata.namespace ?? 'default', pod.spec.serviceAccountName ?? 'default', spec));
      } catch (err) {
        if (cached && Date.parse(cached.expirationTimestamp) > now) continue;
        throw new VolumeError(`MountVolume.SetUp failed for volume "${volume.name}" : failed to fetch token: ${(err as Error).message}`);
      }
    }
  }

  /** The cached token for a source (ensureVolume first). */
  token(pod: Pod, source: NonNullable<ProjectedSource['serviceAccountToken']>): string | undefined {
    return this.cache.get(this.key(pod, projectedTokenRequest(pod, source)))?.token;
  }

  forgetPod(uid: string): void {
    for (const [key, _] of this.cache) if ((JSON.parse(key) as unknown[])[4] === uid) this.cache.delete(key);
  }
}
