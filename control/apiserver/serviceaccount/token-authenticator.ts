/**
 * Authenticates bearer tokens issued by the TokenRequest API (kube-apiserver's service account
 * JWT authenticator with its validator, pkg/serviceaccount/claims.go):
 *
 *   signature (one of our keys) → claims (issuer, an API audience, exp/nbf ± 60 s)
 *   → the ServiceAccount still exists with the uid in the token, and is not deleted
 *   → a bound Pod / Secret (or Node, for node-bound tokens) still exists with its uid
 *   → user system:serviceaccount:<ns>:<name>, uid = the ServiceAccount's uid,
 *     groups system:serviceaccounts, system:serviceaccounts:<ns> (system:authenticated is added by authn.ts)
 *
 * Objects are read live through `objects` (one store read each): deleting a pod or recreating
 * a ServiceAccount invalidates its tokens at once. An object deleted gracefully stays valid
 * until its deletionTimestamp is more than the leeway in the past, as upstream.
 */
import type { KeyObject } from 'node:crypto';
import type { KubeObject } from '../../api/object.js';
import type { UserInfo } from '../user-info.js';
import { verifyJwt } from './jwt.js';
import { checkServiceAccountClaims, LEEWAY_SECONDS, serviceAccountGroups, serviceAccountUsername, type ObjectRef } from './token-claims.js';

export type BoundKind = 'serviceaccounts' | 'pods' | 'secrets' | 'nodes';

export interface ObjectLookup {
  /** the object, or undefined when it does not exist; namespace undefined for nodes */
  get(resource: BoundKind, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
}

export interface ServiceAccountTokenAuthenticatorDeps {
  publicKeys: readonly KeyObject[];
  issuer: string;
  audiences: readonly string[];
  objects: ObjectLookup;
  now: () => Date;
}

export type TokenVerdict = { user: UserInfo } | { rejected: string };

export interface ServiceAccountTokenAuthenticator {
  authenticate(token: string): Promise<TokenVerdict>;
}

export const EXTRA_POD_NAME = 'authentication.kubernetes.io/pod-name';
export const EXTRA_POD_UID = 'authentication.kubernetes.io/pod-uid';
export const EXTRA_NODE_NAME = 'authentication.kubernetes.io/node-name';
export const EXTRA_NODE_UID = 'authentication.kubernetes.io/node-uid';
export const EXTRA_CREDENTIAL_ID = 'authentication.kubernetes.io/credential-id';

export function buildServiceAccountTokenAuthenticator(deps: ServiceAccountTokenAuthenticatorDeps): ServiceAccountTokenAuthenticator {
  /** undefined when the object is live with that uid; otherwise why the token is void */
  async function checkLive(kind: BoundKind, namespace: string | undefined, ref: ObjectRef, now: Date): Promise<string | undefined> {
    const obj = await deps.objects.get(kind, namespace, ref.name);
    if (!obj) return kind === 'serviceaccounts' ? `serviceaccounts "${ref.name}" not found` : 'service account token has been invalidated';
    const deleted = obj.metadata.deletionTimestamp;
    if (deleted && Date.parse(deleted) < now.getTime() - LEEWAY_SECONDS * 1000) {
      return kind === 'serviceaccounts' ? `service account ${namespace}/${ref.name} has been deleted` : 'service account token has been invalidated';
    }
    if (obj.metadata.uid !== ref.uid) return `${kind} UID (${obj.metadata.uid}) does not match claim (${ref.uid})`;
    return undefined;
  }

  return {
    async authenticate(token) {
      const verified = verifyJwt(token, deps.publicKeys);
      if (!verified.ok) return { rejected: verified.reason };
      const now = deps.now();
      const checked = checkServiceAccountClaims(verified.payload, { issuer: deps.issuer, audiences: deps.audiences, now });
      if (!checked.ok) return { rejected: checked.reason };
      const k8s = checked.claims['kubernetes.io'];
      const ns = k8s.namespace;
      const problem = await checkLive('serviceaccounts', ns, k8s.serviceaccount, now)
        ?? (k8s.secret ? await checkLive('secrets', ns, k8s.secret, now) : undefined)
        ?? (k8s.pod ? await checkLive('pods', ns, k8s.pod, now) : undefined)
        // a pod-bound token only reports its node; a node-bound one needs the node alive
        ?? (k8s.node && !k8s.pod ? await checkLive('nodes', undefined, k8s.node, now) : undefined);
      if (problem) return { rejected: problem };
      const extra: Record<string, string[]> = {};
      if (k8s.pod) {
        extra[EXTRA_POD_NAME] = [k8s.pod.name];
        extra[EXTRA_POD_UID] = [k8s.pod.uid];
      }
      if (k8s.node) {
        extra[EXTRA_NODE_NAME] = [k8s.node.name];
        extra[EXTRA_NODE_UID] = [k8s.node.uid];
      }
      if (checked.claims.jti) extra[EXTRA_CREDENTIAL_ID] = [`JTI=${checked.claims.jti}`];
      return {
        user: {
          name: serviceAccountUsername(ns, k8s.serviceaccount.name),
          uid: k8s.serviceaccount.uid,
          groups: serviceAccountGroups(ns),
          extra,
        },
      };
    },
  };
}
