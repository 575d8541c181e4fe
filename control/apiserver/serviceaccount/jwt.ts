/**
 * Compact JWS (RFC 7515) with RS256, the algorithm kube-apiserver signs service account tokens
 * with (`--service-account-signing-key-file`). Only what service account tokens need: sign a
 * JSON payload, and check a token's shape and signature against a set of public keys.
 *
 * `kid` is upstream's keyIDFromPublicKey: base64url(sha256(DER SubjectPublicKeyInfo)), so the
 * JWKS we publish (oidc-discovery.ts) names keys the way every Kubernetes issuer does.
 * Verification never trusts the header's `alg` beyond rejecting anything but RS256 (no `none`,
 * no HMAC with a public key as the secret).
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  kid: string;
}

export type JwtPayload = Record<string, unknown>;

export type VerifiedJwt = { ok: true; payload: JwtPayload; kid?: string } | { ok: false; reason: string };

const ALG = 'RS256';

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** upstream keyIDFromPublicKey: base64url(sha256(PKIX DER)) without padding. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

/** A signing key from PEM text (PKCS#8 or PKCS#1 private key). */
export function signingKeyFromPem(privatePem: string): SigningKey {
  const publicKey = createPublicKey(privatePem);
  const privateKey = createPrivateKey(privatePem);
  if (privateKey.asymmetricKeyType !== 'rsa') throw new Error(`service account signing key must be RSA, got ${privateKey.asymmetricKeyType}`);
  return { privateKey, publicKey, kid: keyIdOf(publicKey) };
}

export function signJwt(payload: JwtPayload, key: SigningKey): string {
  const header = b64url(JSON.stringify({ alg: ALG, kid: key.kid }));
  const body = b64url(JSON.stringify(payload));
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), key.privateKey);
  return `${header}.${body}.${b64url(signature)}`;
}

/** True when the text has the shape of a compact JWS (three base64url parts, a JSON header). */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return false;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    return typeof header === 'object' && header !== null && 'alg' in header;
  } catch {
    return false;
  }
}

/** Checks shape, algorithm and signature; claims (exp, aud, …) are the caller's to check. */
export function verifyJwt(token: string, publicKeys: readonly KeyObject[]): VerifiedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed token' };
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: unknown; kid?: unknown };
  let payload: unknown;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header;
    payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed token' };
  }
  if (header.alg !== ALG) return { ok: false, reason: `unsupported signing algorithm ${JSON.stringify(header.alg)}` };
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return { ok: false, reason: 'malformed token' };
  const signature = Buffer.from(s, 'base64url');
  const data = Buffer.from(`${h}.${p}`);
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  // With a kid, try the named key first; upstream tries every key regardless of kid.
  const ordered = kid ? [...publicKeys].sort((a, b) => Number(keyIdOf(b) === kid) - Number(keyIdOf(a) === kid)) : publicKeys;
  for (const key of ordered) {
    if (verify('sha256', data, key, signature)) return { ok: true, payload: payload as JwtPayload, kid };
  }
  return { ok: false, reason: 'invalid signature' };
}
