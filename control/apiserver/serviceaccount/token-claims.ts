/**
 * The claims of a bound service account token, as kube-apiserver writes and checks them
 * (pkg/serviceaccount/claims.go):
 *
 *   { aud: [...], exp, iat, iss, jti,
 *     "kubernetes.io": { namespace, serviceaccount: {name, uid}, pod?: {name, uid}, secret?: {name, uid},
 *                        node?: {name, uid} },
 *     nbf, sub: "system:serviceaccount:<ns>:<name>" }
 *
 * Pure: building and checking claims take the time as an argument. Checking covers what the token
 * alone can say (issuer, audience, exp/nbf with upstream's 60 s leeway, shape); whether the
 * service account and bound objects still exist with the same uids is token-authenticator.ts'.
 */

export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';
export const ALL_SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
/** go-jose's jwt.DefaultLeeway, which upstream's validator uses for exp, nbf and deletions. */
export const LEEWAY_SECONDS = 60;

export interface ObjectRef {
  name: string;
  uid: string;
}

export interface ServiceAccountClaimsInput {
  issuer: string;
  audiences: readonly string[];
  now: Date;
  expirationSeconds: number;
  namespace: string;
  serviceAccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  /** the node of a bound pod (1.30+ adds it), or the node a token is bound to */
  node?: ObjectRef;
  /** unique token id (upstream: a random UUID, surfaced as credential-id JTI=<jti>) */
  jti: string;
}

export interface KubernetesClaim {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface ServiceAccountClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  'kubernetes.io': KubernetesClaim;
  nbf: number;
  sub: string;
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`;
}

export function serviceAccountGroups(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS_GROUP, `${ALL_SERVICE_ACCOUNTS_GROUP}:${namespace}`];
}

/** Keys in the order go-jose's claim map serialises them (sorted), so tokens decode like upstream's. */
export function serviceAccountClaims(input: ServiceAccountClaimsInput): ServiceAccountClaims {
  const now = Math.floor(input.now.getTime() / 1000);
  const k8s: KubernetesClaim = { namespace: input.namespace, serviceaccount: { name: input.serviceAccount.name, uid: input.serviceAccount.uid } };
  if (input.node) k8s.node = { ...input.node };
  if (input.pod) k8s.pod = { ...input.pod };
  else if (input.secret) k8s.secret = { ...input.secret };
  return {
    aud: [...input.audiences],
    exp: now + input.expirationSeconds,
    iat: now,
    iss: input.issuer,
    jti: input.jti,
    'kubernetes.io': k8s,
    nbf: now,
    sub: serviceAccountUsername(input.namespace, input.serviceAccount.name),
  };
}

export interface ClaimExpectations {
  issuer: string;
  /** the API server's audiences: a token must name at least one */
  audiences: readonly string[];
  now: Date;
}

export type CheckedClaims =
  | { ok: true; claims: ServiceAccountClaims }
  | { ok: false; reason: string };

function isRef(v: unknown): v is ObjectRef {
  return typeof v === 'object' && v !== null && typeof (v as ObjectRef).name === 'string' && typeof (v as ObjectRef).uid === 'string';
}

function audienceList(aud: unknown): string[] | undefined {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.every((a) => typeof a === 'string')) return aud as string[];
  return undefined;
}

/** What the token itself says, checked: issuer, audience, time window, and a well-formed subject. */
export function checkServiceAccountClaims(payload: Record<string, unknown>, expect: ClaimExpectations): CheckedClaims {
  if (payload.iss !== expect.issuer) return { ok: false, reason: 'token issuer is not this cluster' };
  const aud = audienceList(payload.aud);
  if (!aud || !aud.some((a) => expect.audiences.includes(a))) return { ok: false, reason: 'token audiences is invalid for the current authenticator' };
  const now = expect.now.getTime() / 1000;
  const exp = payload.exp;
  if (typeof exp !== 'number') return { ok: false, reason: 'token has no expiry' };
  if (now > exp + LEEWAY_SECONDS) return { ok: false, reason: 'service account token has expired' };
  const nbf = typeof payload.nbf === 'number' ? payload.nbf : typeof payload.iat === 'number' ? payload.iat : undefined;
  if (nbf !== undefined && now < nbf - LEEWAY_SECONDS) return { ok: false, reason: 'service account token is not valid yet' };
  const k8s = payload['kubernetes.io'] as Partial<KubernetesClaim> | undefined;
  if (typeof k8s !== 'object' || k8s === null || typeof k8s.namespace !== 'string' || !isRef(k8s.serviceaccount)) {
    return { ok: false, reason: 'token has no kubernetes.io service account claims' };
  }
  for (const bound of ['pod', 'secret', 'node'] as const) {
    if (k8s[bound] !== undefined && !isRef(k8s[bound])) return { ok: false, reason: `malformed ${bound} claim` };
  }
  if (payload.sub !== serviceAccountUsername(k8s.namespace, k8s.serviceaccount.name)) return { ok: false, reason: 'token subject does not match its service account' };
  return {
    ok: true,
    claims: {
      aud, exp, iat: typeof payload.iat === 'number' ? payload.iat : exp, iss: expect.issuer,
      jti: typeof payload.jti === 'string' ? payload.jti : '', 'kubernetes.io': k8s as KubernetesClaim,
      nbf: nbf ?? exp, sub: payload.sub,
    },
  };
}
