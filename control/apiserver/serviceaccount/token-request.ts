/**
 * POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token — the TokenRequest subresource
 * (authentication.k8s.io/v1), as kube-apiserver's TokenREST answers it:
 *
 *   metadata.name/namespace must match the URL if given → the ServiceAccount must exist (404)
 *   → spec defaults: audiences = the API audiences, expirationSeconds = 3600
 *   → validation: 600 ≤ expirationSeconds ≤ 2^32 (422 naming spec.expirationSeconds)
 *   → boundObjectRef: a Pod (running as this ServiceAccount) or Secret of the namespace, or a
 *     Node; a given uid must match the live object (409)
 *   → a signed JWT in status.token, status.expirationTimestamp = now + expirationSeconds.
 *
 * Not done: upstream's `--service-account-extend-token-expiration` (3607 s tokens that live a
 * year and only warn): our kubelet refreshes tokens, so they expire when they say they do.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, errors } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import { signJwt, type SigningKey } from './jwt.js';
import { serviceAccountClaims, type ObjectRef } from './token-claims.js';
import type { ObjectLookup } from './token-authenticator.js';

export const TOKEN_REQUEST_API_VERSION = 'authentication.k8s.io/v1';
/** kubeadm's --service-account-issuer (cluster domain cluster.local) */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
const MAX_TOKEN_EXPIRATION_SECONDS = 2 ** 32;

export interface TokenIssuer {
  /** the `iss` of every token (kubeadm's https://kubernetes.default.svc.cluster.local) */
  issuer: string;
  /** audiences the API server accepts, and what an empty spec.audiences means */
  apiAudiences: readonly string[];
  key: SigningKey;
}

export interface TokenRequestDeps {
  issuer: TokenIssuer;
  objects: ObjectLookup;
  now: Date;
  newId?: () => string;
}

interface BoundObjectReference {
  kind?: string;
  apiVersion?: string;
  name?: string;
  uid?: string;
}

interface TokenRequestBody {
  metadata?: { name?: string; namespace?: string };
  spec?: { audiences?: unknown; expirationSeconds?: unknown; boundObjectRef?: BoundObjectReference | null };
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

function invalid(name: string, field: string, value: unknown, message: string): ApiError {
  return errors.invalid('TokenRequest', 'authentication.k8s.io', name, [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${message}` }]);
}

function badRequest(message: string): ApiError {
  return errors.badRequest(message);
}

async function mustGet(deps: TokenRequestDeps, resource: 'pods' | 'secrets' | 'nodes', namespace: string | undefined, name: string): Promise<KubeObject> {
  const obj = await deps.objects.get(resource, namespace, name);
  if (!obj) throw errors.notFound(resource, '', name);
  return obj;
}

export async function createServiceAccountToken(deps: TokenRequestDeps, namespace: string, name: string, rawBody: unknown): Promise<KubeObject> {
  if (!rawBody || typeof rawBody !== 'object' || Array.isArray(rawBody)) throw badRequest('the request body must be a TokenRequest object');
  const body = rawBody as TokenRequestBody & { apiVersion?: string; kind?: string };
  if (body.kind !== undefined && body.kind !== '' && body.kind !== 'TokenRequest') {
    throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (TokenRequest)`);
  }
  const meta = body.metadata ?? {};
  if (meta.name && meta.name !== name) throw invalid(name, 'metadata.name', meta.name, 'must match the service account name if specified');
  if (meta.namespace && meta.namespace !== namespace) throw invalid(name, 'metadata.namespace', meta.namespace, 'must match the service account namespace if specified');

  const sa = await deps.objects.get('serviceaccounts', namespace, name);
  if (!sa) throw errors.notFound('serviceaccounts', '', name);

  const spec = body.spec ?? {};
  let audiences: string[] = [...deps.issuer.apiAudiences];
  if (spec.audiences !== undefined && spec.audiences !== null) {
    if (!Array.isArray(spec.audiences) || !spec.audiences.every((a) => typeof a === 'string')) throw badRequest('spec.audiences must be a list of strings');
    if (spec.audiences.length) audiences = spec.audiences as string[];
  }
  const expirationSeconds = spec.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  if (typeof expirationSeconds !== 'number' || !Number.isInteger(expirationSeconds)) throw badRequest('spec.expirationSeconds must be an integer');
  // upstream reports these with an empty name (the request object has none yet)
  if (expirationSeconds < MIN_TOKEN_EXPIRATION_SECONDS) throw invalid('', 'spec.expirationSeconds', expirationSeconds, 'may not specify a duration less than 10 minutes');
  if (expirationSeconds > MAX_TOKEN_EXPIRATION_SECONDS) throw invalid('', 'spec.expirationSeconds', expirationSeconds, 'may not specify a duration larger than 2^32 seconds');

  let pod: ObjectRef | undefined;
  let secret: ObjectRef | undefined;
  let node: ObjectRef | undefined;
  const ref = spec.boundObjectRef ?? undefined;
  if (ref) {
    const refName = ref.name ?? '';
    const [group, version] = (ref.apiVersion ?? '').includes('/') ? ref.apiVersion!.split('/') as [string, string] : ['', ref.apiVersion ?? ''];
    let uid: string | undefined;
    if (group === '' && ref.kind === 'Pod') {
      const p = await mustGet(deps, 'pods', namespace, refName);
      const podSa = (p.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName;
      if (podSa !== name) throw badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      pod = { name: refName, uid: p.metadata.uid ?? '' };
      uid = pod.uid;
      const nodeName = (p.spec as { nodeName?: string } | undefined)?.nodeName;
      if (nodeName) {
        // the node is reported, not required: a pod bound to a vanished node still gets a token
        const n = await deps.objects.get('nodes', undefined, nodeName);
        if (n) node = { name: nodeName, uid: n.metadata.uid ?? '' };
      }
    } else if (group === '' && ref.kind === 'Secret') {
      const s = await mustGet(deps, 'secrets', namespace, refName);
      secret = { name: refName, uid: s.metadata.uid ?? '' };
      uid = secret.uid;
    } else if (group === '' && ref.kind === 'Node') {
      const n = await mustGet(deps, 'nodes', undefined, refName);
      node = { name: refName, uid: n.metadata.uid ?? '' };
      uid = node.uid;
    } else {
      // Go's GroupVersionKind.String(): "group/version, Kind=kind" ("/v1, Kind=ConfigMap" for core)
      throw badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${ref.kind ?? ''}`);
    }
    if (ref.uid && ref.uid !== uid) {
      throw errors.conflict(ref.kind!, '', refName, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
  }

  const now = deps.now;
  const claims = serviceAccountClaims({
    issuer: deps.issuer.issuer, audiences, now, expirationSeconds, namespace,
    serviceAccount: { name, uid: sa.metadata.uid ?? '' }, pod, secret, node,
    jti: (deps.newId ?? randomUUID)(),
  });
  const token = signJwt(claims as unknown as Record<string, unknown>, deps.issuer.key);
  const outSpec: Record<string, unknown> = { audiences, expirationSeconds, boundObjectRef: ref ?? null };
  return {
    kind: 'TokenRequest', apiVersion: TOKEN_REQUEST_API_VERSION,
    metadata: { name, namespace, creationTimestamp: rfc3339(now) },
    spec: outSpec,
    status: { token, expirationTimestamp: rfc3339(new Date(now.getTime() + expirationSeconds * 1000)) },
  };
}
