/**
 * The cluster's certificates, generated on first start and kept in the state dir so that
 * restarts (and `tug down` / `tug up`) keep every kubeconfig valid:
 *   ca.crt/ca.key          the cluster CA (also verifies client certificates)
 *   apiserver.crt/.key     serving cert with SANs for loopback, the underlay and the kubernetes Service
 *   admin.crt/.key         client cert O=system:masters CN=admin (the admin kubeconfig)
 *   tokens.csv             static bearer tokens (token,user,uid,"group1,group2") like --token-auth-file
 *   sa.key/sa.pub          RSA key that signs service account tokens (kubeadm's names; the
 *                          JWKS at /openid/v1/jwks publishes sa.pub)
 * Go clients reject CN-only certificates (notes P13), so every serving cert carries SANs.
 */
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto, randomBytes, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;

export interface KeyPairPem {
  cert: string;
  key: string;
}

export interface ClusterPki {
  ca: KeyPairPem;
  server: KeyPairPem;
  admin: KeyPairPem;
  /** the admin bearer token (also in tokens.csv) */
  adminToken: string;
  /** token agents use to join (user system:node:bootstrap, group system:nodes) */
  nodeToken: string;
  /** PEM of the service account token signing key (PKCS#8) and its public half (SPKI) */
  serviceAccountKey: { key: string; pub: string };
  dir: string;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as unknown as webcrypto.CryptoKey);
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return (await webcrypto.subtle.importKey('pkcs8', Buffer.from(b64, 'base64'), ALG, true, ['sign'])) as unknown as CryptoKey;
}

function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f;
  return bytes.toString('hex');
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as unknown as CryptoKeyPair;
}

async function createCa(): Promise<KeyPairPem> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(), name: 'CN=tugboat-ca', notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + TEN_YEARS_MS), keys, signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys.privateKey) };
}

export interface LeafOptions {
  subject: string;
  sans?: string[];
  server?: boolean;
  client?: boolean;
}

/** Issues a leaf certificate signed by the CA. Exported for kubelet serving and client certs. */
export async function issueCertificate(ca: KeyPairPem, opts: LeafOptions): Promise<KeyPairPem> {
  const keys = await newKeys();
  const caCert = new x509.X509Certificate(ca.cert);
  const caKey = await importKey(ca.key);
  const usages: string[] = [];
  if (opts.server) usages.push(x509.ExtendedKeyUsage.serverAuth);
  if (opts.client) usages.push(x509.ExtendedKeyUsage.clientAuth);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension(usages, false),
    await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
  ];
  if (opts.sans?.length) {
    extensions.push(new x509.SubjectAlternativeNameExtension(
      opts.sans.map((s) => (isIP(s) ? { type: 'ip' as const, value: s } : { type: 'dns' as const, value: s })),
    ));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(), subject: opts.subject, issuer: caCert.subject,
    notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + TEN_YEARS_MS),
    signingAlgorithm: ALG, publicKey: keys.publicKey, signingKey: caKey, extensions,
  });
  return { cert: cert.toString('pem') + '\n', key: await keyPem(keys.privateKey) };
}

function readPair(dir: string, name: string): KeyPairPem | undefined {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  if (!existsSync(certPath) || !existsSync(keyPath)) return undefined;
  return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
}

function writePair(dir: string, name: string, pair: KeyPairPem): void {
  writeFileSync(join(dir, `${name}.crt`), pair.cert, { mode: 0o644 });
  writeFileSync(join(dir, `${name}.key`), pair.key, { mode: 0o600 });
}

/** SANs the serving cert must carry; a changed set (new --advertise-address) re-issues it. */
export function defaultServerSans(extra: string[] = []): string[] {
  const base = ['127.0.0.1', 'localhost', '10.96.0.1', 'kubernetes', 'kubernetes.default',
    'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  return [...new Set([...base, ...extra])];
}

function certHasSans(pem: string, sans: string[]): boolean {
  const cert = new x509.X509Certificate(pem);
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!ext) return false;
  const have = new Set(ext.names.items.map((n) => n.value));
  return sans.every((s) => have.has(s));
}

export async function ensurePki(dir: string, sans: string[]): Promise<ClusterPki> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let ca = readPair(dir, 'ca');
  if (!ca) {
    ca = await createCa();
    writePair(dir, 'ca', ca);
  }
  let server = readPair(dir, 'apiserver');
  if (!server || !certHasSans(server.cert, sans)) {
    server = await issueCertificate(ca, { subject: 'CN=kube-apiserver', sans, server: true });
    writePair(dir, 'apiserver', server);
  }
  let admin = readPair(dir, 'admin');
  if (!admin) {
    admin = await issueCertificate(ca, { subject: 'CN=admin, O=system:masters', client: true });
    writePair(dir, 'admin', admin);
  }
  const serviceAccountKey = await ensureServiceAccountKey(dir);
  const tokensPath = join(dir, 'tokens.csv');
  if (!existsSync(tokensPath)) {
    const adminToken = randomBytes(24).toString('hex');
    const nodeToken = randomBytes(24).toString('hex');
    writeFileSync(tokensPath,
      `${adminToken},admin,admin-uid,"system:masters"\n${nodeToken},system:node:bootstrap,node-uid,"system:nodes"\n`,
      { mode: 0o600 });
  }
  const tokens = parseTokenFile(readFileSync(tokensPath, 'utf8'));
  const adminToken = tokens.find((t) => t.user === 'admin')?.token ?? '';
  const nodeToken = tokens.find((t) => t.groups.includes('system:nodes'))?.token ?? '';
  return { ca, server, admin, adminToken, nodeToken, serviceAccountKey, dir };
}

/**
 * RSA 2048 like kubeadm's sa.key: RS256 is what every consumer of Kubernetes service account
 * tokens (OIDC federation, Vault, cloud IAM) accepts.
 */
async function ensureServiceAccountKey(dir: string): Promise<{ key: string; pub: string }> {
  const keyPath = join(dir, 'sa.key');
  const pubPath = join(dir, 'sa.pub');
  if (existsSync(keyPath) && existsSync(pubPath)) return { key: readFileSync(keyPath, 'utf8'), pub: readFileSync(pubPath, 'utf8') };
  const { privateKey, publicKey } = await promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  writeFileSync(keyPath, privateKey, { mode: 0o600 });
  writeFileSync(pubPath, publicKey, { mode: 0o644 });
  return { key: privateKey, pub: publicKey };
}

export interface StaticToken {
  token: string;
  user: string;
  uid: string;
  groups: string[];
}

/** Parses a kube-apiserver --token-auth-file: token,user,uid,"group1,group2" per line. */
export function parseTokenFile(text: string): StaticToken[] {
  const out: StaticToken[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const m = /^([^,]+),([^,]+),([^,]*)(?:,"?([^"]*)"?)?$/.exec(trimmed);
    if (!m) continue;
    out.push({ token: m[1]!, user: m[2]!, uid: m[3]!, groups: m[4] ? m[4].split(',').map((g) => g.trim()).filter(Boolean) : [] });
  }
  return out;
}
