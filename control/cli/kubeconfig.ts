/**
 * The admin kubeconfig of a local cluster, and merging it into ~/.kube/config as context
 * `tug-<name>` the way kind does (other clusters, users and contexts are kept as they are).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, stringify } from 'yaml';

export interface AdminCredentials {
  server: string;
  caPem: string;
  certPem: string;
  keyPem: string;
}

interface Named<T> { name: string; [k: string]: unknown; cluster?: T; user?: T; context?: T }
interface KubeconfigDoc {
  apiVersion: string;
  kind: string;
  preferences?: object;
  clusters?: Named<object>[];
  users?: Named<object>[];
  contexts?: Named<object>[];
  'current-context'?: string;
  [k: string]: unknown;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

export function contextName(cluster: string): string {
  return `tug-${cluster}`;
}

export function renderKubeconfig(cluster: string, creds: AdminCredentials): string {
  const ctx = contextName(cluster);
  const doc: KubeconfigDoc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [{ name: ctx, cluster: { server: creds.server, 'certificate-authority-data': b64(creds.caPem) } }],
    users: [{ name: `${ctx}-admin`, user: { 'client-certificate-data': b64(creds.certPem), 'client-key-data': b64(creds.keyPem) } }],
    contexts: [{ name: ctx, context: { cluster: ctx, user: `${ctx}-admin`, namespace: 'default' } }],
    'current-context': ctx,
  };
  return stringify(doc);
}

export function userKubeconfigPath(): string {
  const env = process.env.KUBECONFIG?.split(':')[0];
  return env || join(homedir(), '.kube', 'config');
}

function upsert<T extends { name: string }>(list: T[] | undefined, item: T): T[] {
  const out = (list ?? []).filter((x) => x.name !== item.name);
  out.push(item);
  return out;
}

/** Merges one cluster's kubeconfig into the user's file and makes it the current context. */
export function mergeIntoUserKubeconfig(kubeconfigText: string, target = userKubeconfigPath()): void {
  const ours = parse(kubeconfigText) as KubeconfigDoc;
  const theirs: KubeconfigDoc = existsSync(target) && readFileSync(target, 'utf8').trim()
    ? (parse(readFileSync(target, 'utf8')) as KubeconfigDoc)
    : { apiVersion: 'v1', kind: 'Config', preferences: {} };
  theirs.clusters = upsert(theirs.clusters, ours.clusters![0]!);
  theirs.users = upsert(theirs.users, ours.users![0]!);
  theirs.contexts = upsert(theirs.contexts, ours.contexts![0]!);
  theirs['current-context'] = ours['current-context'];
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, stringify(theirs), { mode: 0o600 });
}

/** Removes a cluster's entries from the user's kubeconfig (tug down --purge). */
export function removeFromUserKubeconfig(cluster: string, target = userKubeconfigPath()): void {
  if (!existsSync(target)) return;
  const doc = parse(readFileSync(target, 'utf8')) as KubeconfigDoc | null;
  if (!doc) return;
  const ctx = contextName(cluster);
  doc.clusters = (doc.clusters ?? []).filter((c) => c.name !== ctx);
  doc.users = (doc.users ?? []).filter((u) => u.name !== `${ctx}-admin`);
  doc.contexts = (doc.contexts ?? []).filter((c) => c.name !== ctx);
  if (doc['current-context'] === ctx) doc['current-context'] = '';
  writeFileSync(target, stringify(doc), { mode: 0o600 });
}
