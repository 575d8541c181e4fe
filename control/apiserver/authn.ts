/**
 * Authentication, in kube-apiserver's order: a bearer token is a static token from the token
 * file, or else a service account JWT (serviceaccount/token-authenticator.ts); without a bearer
 * token, a client certificate issued by the cluster CA (subject CN = user, O = groups — the
 * Kubernetes convention). Anything else is anonymous, and anonymous requests get 401 (only
 * /healthz, /livez, /readyz, /version are public, as kube-apiserver's default RBAC allows).
 * A bearer token that fails is 401 even when a client certificate was also presented, as upstream.
 *
 * There is no authorization step: every authenticated user (service accounts included) may do
 * anything. RBAC objects are stored but not enforced.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { StaticToken } from './pki.js';
import type { UserInfo } from './user-info.js';
import type { ServiceAccountTokenAuthenticator } from './serviceaccount/token-authenticator.js';
import { looksLikeJwt } from './serviceaccount/jwt.js';

export type { UserInfo } from './user-info.js';

export interface Authenticator {
  authenticate(req: IncomingMessage): Promise<UserInfo | undefined>;
}

export const AUTHENTICATED_GROUP = 'system:authenticated';

/**
 * `onRejected` hears why a service account JWT was refused (expired, other audience, pod deleted …):
 * the client only ever sees 401, so the server's log is where an operator finds the reason.
 */
export function buildAuthenticator(
  tokens: readonly StaticToken[], serviceAccountTokens?: ServiceAccountTokenAuthenticator, onRejected?: (reason: string) => void,
): Authenticator {
  const byToken = new Map(tokens.map((t) => [t.token, t]));
  return {
    async authenticate(req) {
      const header = req.headers.authorization;
      if (header) {
        const m = /^Bearer\s+(.+)$/i.exec(header);
        if (!m) return undefined;
        const token = m[1]!.trim();
        const t = byToken.get(token);
        if (t) return { name: t.user, uid: t.uid, groups: [...t.groups, AUTHENTICATED_GROUP] };
        if (!serviceAccountTokens || !looksLikeJwt(token)) return undefined;
        const verdict = await serviceAccountTokens.authenticate(token);
        if (!('user' in verdict)) {
          onRejected?.(verdict.rejected);
          return undefined;
        }
        return { ...verdict.user, groups: [...verdict.user.groups, AUTHENTICATED_GROUP] };
      }
      const socket = req.socket as TLSSocket;
      if (socket.authorized && typeof socket.getPeerCertificate === 'function') {
        const cert = socket.getPeerCertificate();
        if (cert && cert.subject) {
          const cn = cert.subject.CN;
          const o = cert.subject.O;
          const groups = Array.isArray(o) ? o : o ? [o] : [];
          if (cn) return { name: Array.isArray(cn) ? cn[0]! : cn, groups: [...groups, AUTHENTICATED_GROUP] };
        }
      }
      return undefined;
    },
  };
}

export const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);
