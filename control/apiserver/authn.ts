/**
 * Authentication: bearer tokens from the static token file, or a client certificate issued by
 * the cluster CA (subject CN = user, O = groups — the Kubernetes convention). Anything else is
 * anonymous, and anonymous requests get 401 (only /healthz, /livez, /readyz, /version are public,
 * as kube-apiserver's default RBAC allows).
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { StaticToken } from './pki.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
}

export interface Authenticator {
  authenticate(req: IncomingMessage): UserInfo | undefined;
}

export function buildAuthenticator(tokens: readonly StaticToken[]): Authenticator {
  const byToken = new Map(tokens.map((t) => [t.token, t]));
  return {
    authenticate(req) {
      const header = req.headers.authorization;
      if (header) {
        const m = /^Bearer\s+(.+)$/i.exec(header);
        const t = m ? byToken.get(m[1]!.trim()) : undefined;
        if (t) return { name: t.user, uid: t.uid, groups: [...t.groups, 'system:authenticated'] };
        return undefined;
      }
      const socket = req.socket as TLSSocket;
      if (socket.authorized && typeof socket.getPeerCertificate === 'function') {
        const cert = socket.getPeerCertificate();
        if (cert && cert.subject) {
          const cn = cert.subject.CN;
          const o = cert.subject.O;
          const groups = Array.isArray(o) ? o : o ? [o] : [];
          if (cn) return { name: Array.isArray(cn) ? cn[0]! : cn, groups: [...groups, 'system:authenticated'] };
        }
      }
      return undefined;
    },
  };
}

export const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);
