/**
 * Service account issuer discovery (KEP-1393), so that anything that federates with an OIDC
 * issuer (Vault, cloud IAM, another cluster) can verify our tokens:
 *   GET /.well-known/openid-configuration   the provider metadata
 *   GET /openid/v1/jwks                      the public signing keys (application/jwk-set+json)
 * Like upstream's default RBAC these need an authenticated caller (here: any).
 */
import type { KeyObject } from 'node:crypto';
import { keyIdOf } from './jwt.js';

export const OPENID_CONFIGURATION_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/openid/v1/jwks';
export const JWKS_CONTENT_TYPE = 'application/jwk-set+json';

/** `externalUrl` is how clients reach this API server (https://host:port); jwks_uri hangs off it. */
export function openidConfiguration(issuer: string, externalUrl: string): object {
  return {
    issuer,
    jwks_uri: `${externalUrl}${JWKS_PATH}`,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
  };
}

export function jwks(publicKeys: readonly KeyObject[]): { keys: object[] } {
  return {
    keys: publicKeys.map((k) => {
      const jwk = k.export({ format: 'jwk' }) as { kty: string; n: string; e: string };
      return { use: 'sig', kty: jwk.kty, kid: keyIdOf(k), alg: 'RS256', n: jwk.n, e: jwk.e };
    }),
  };
}
