/**
 * Client connection settings and kubeconfig loading.
 *
 * Supports the kubeconfig fields Tugboat writes and users commonly have: certificate-authority(-data),
 * client-certificate(-data), client-key(-data), token / tokenFile, insecure-skip-tls-verify.
 * Relative file paths resolve against the kubeconfig's own folder, as kubectl does.
 * `KUBECONFIG` may list several files (':'-separated); like kubectl, the first file that defines a
 * name (cluster, user, context, current-context) wins. Exec / auth-provider plugins are not
 * supported: they fail loudly rather than connecting without credentials.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ClientConfigError } from './errors.js';

export interface ClientConfig {
  /** `https://host:port` or `http://host:port` (plain HTTP only for tests / loopback). */
  server: string;
  /** PEM CA bundle that signed the server certificate; system CAs when absent. */
  ca?: string | Buffer;
  /** PEM client certificate + key (mutual TLS). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Bearer token, sent as `Authorization: Bearer <token>`. */
  token?: string;
  insecureSkipTLSVerify?: boolean;
  userAgent?: string;
  /** Default timeout for non-watch requests (ms); 30 000 when absent. */
  timeoutMs?: number;
}

interface NamedEntry { name?: unknown; [field: string]: unknown }

interface RawCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
}

interface RawUser {
  token?: string;
  tokenFile?: string;
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  exec?: unknown;
  'auth-provider'?: unknown;
}

interface RawContext { cluster?: string; user?: string; namespace?: string }

/** One kubeconfig file after parsing, with the folder its relative paths resolve against. */
interface KubeconfigFile {
  dir: string;
  currentContext?: string;
  clusters: Map<string, RawCluster>;
  users: Map<string, RawUser>;
  contexts: Map<string, RawContext>;
}

/** The kubeconfig paths kubectl would read: $KUBECONFIG (':'-separated) or ~/.kube/config. */
export function defaultKubeconfigPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env.KUBECONFIG?.split(':').filter((p) => p.length > 0) ?? [];
  if (fromEnv.length > 0) return fromEnv;
  return [join(env.HOME ?? homedir(), '.kube', 'config')];
}

/**
 * Load a client config from a kubeconfig file. `path` defaults to $KUBECONFIG or ~/.kube/config;
 * `context` defaults to the file's current-context. The context's namespace is read with
 * `kubeconfigNamespace`.
 */
export function loadKubeconfig(path?: string, context?: string): ClientConfig {
  const files = readFiles(path);
  return resolveContext(files, context).config;
}

/** The namespace of the selected context ('default' when unset), as kubectl uses it. */
export function kubeconfigNamespace(path?: string, context?: string): string {
  return resolveContext(readFiles(path), context).namespace;
}

/** Parse kubeconfig text (pure apart from reading referenced files relative to `baseDir`). */
export function parseKubeconfig(text: string, baseDir: string, context?: string): ClientConfig {
  return resolveContext([parseFile(text, baseDir, '<inline>')], context).config;
}

function readFiles(path: string | undefined): KubeconfigFile[] {
  const paths = path !== undefined ? [path] : defaultKubeconfigPaths();
  const files: KubeconfigFile[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    // kubectl skips missing entries of a KUBECONFIG list but fails on an explicit missing file.
    if (!existsSync(abs)) {
      if (path !== undefined) throw new ClientConfigError('TUG_CLIENT_KUBECONFIG_NOT_FOUND', `kubeconfig ${abs} does not exist`);
      continue;
    }
    files.push(parseFile(readFileSync(abs, 'utf8'), dirname(abs), abs));
  }
  if (files.length === 0) {
    throw new ClientConfigError('TUG_CLIENT_KUBECONFIG_NOT_FOUND', `no kubeconfig found (looked at ${paths.join(', ')})`);
  }
  return files;
}

function parseFile(text: string, dir: string, source: string): KubeconfigFile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ClientConfigError('TUG_CLIENT_KUBECONFIG_INVALID', `${source}: not valid YAML: ${(err as Error).message}`);
  }
  if (doc === null || doc === undefined) doc = {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ClientConfigError('TUG_CLIENT_KUBECONFIG_INVALID', `${source}: expected a mapping at the top level`);
  }
  const root = doc as Record<string, unknown>;
  const cc = root['current-context'];
  return {
    dir,
    currentContext: typeof cc === 'string' && cc !== '' ? cc : undefined,
    clusters: namedMap<RawCluster>(root.clusters, 'cluster', source),
    users: namedMap<RawUser>(root.users, 'user', source),
    contexts: namedMap<RawContext>(root.contexts, 'context', source),
  };
}

function namedMap<T>(list: unknown, field: string, source: string): Map<string, T> {
  const out = new Map<string, T>();
  if (list === undefined || list === null) return out;
  if (!Array.isArray(list)) {
    throw new ClientConfigError('TUG_CLIENT_KUBECONFIG_INVALID', `${source}: ${field}s must be a list`);
  }
  for (const entry of list as (NamedEntry | null)[]) {
    if (typeof entry?.name !== 'string') {
      throw new ClientConfigError('TUG_CLIENT_KUBECONFIG_INVALID', `${source}: every ${field} entry needs a name`);
    }
    const body = entry[field];
    out.set(entry.name, (body ?? {}) as T);
  }
  return out;
}

interface Located<T> { value: T; dir: string }

/** First-file-wins lookup across merged files. */
function lookup<T>(files: KubeconfigFile[], pick: (f: KubeconfigFile) => Map<string, T>, name: string): Located<T> | undefined {
  for (const f of files) {
    const v = pick(f).get(name);
    if (v !== undefined) return { value: v, dir: f.dir };
  }
  return undefined;
}

function resolveContext(files: KubeconfigFile[], contextName?: string): { config: ClientConfig; namespace: string } {
  const name = contextName ?? files.find((f) => f.currentContext)?.currentContext;
  if (!name) throw new ClientConfigError('TUG_CLIENT_CONTEXT_NOT_FOUND', 'kubeconfig has no current-context and none was given');
  const ctx = lookup(files, (f) => f.contexts, name);
  if (!ctx) throw new ClientConfigError('TUG_CLIENT_CONTEXT_NOT_FOUND', `context "${name}" not found in kubeconfig`);
  const clusterName = ctx.value.cluster;
  const cluster = clusterName !== undefined ? lookup(files, (f) => f.clusters, clusterName) : undefined;
  if (!cluster) throw new ClientConfigError('TUG_CLIENT_CLUSTER_NOT_FOUND', `cluster "${clusterName ?? ''}" of context "${name}" not found`);
  if (!cluster.value.server) {
    throw new ClientConfigError('TUG_CLIENT_KUBECONFIG_INVALID', `cluster "${clusterName}" has no server`);
  }

  const config: ClientConfig = { server: cluster.value.server.replace(/\/+$/, '') };
  const ca = pem(cluster.value['certificate-authority-data'], cluster.value['certificate-authority'], cluster.dir, 'certificate-authority');
  if (ca) config.ca = ca;
  if (cluster.value['insecure-skip-tls-verify'] === true) config.insecureSkipTLSVerify = true;

  const userName = ctx.value.user;
  const user = userName !== undefined ? lookup(files, (f) => f.users, userName) : undefined;
  if (userName !== undefined && userName !== '' && !user) {
    throw new ClientConfigError('TUG_CLIENT_USER_NOT_FOUND', `user "${userName}" of context "${name}" not found`);
  }
  if (user) {
    const u = user.value;
    if (u.exec !== undefined || u['auth-provider'] !== undefined) {
      throw new ClientConfigError('TUG_CLIENT_AUTH_UNSUPPORTED', `user "${userName}": exec and auth-provider credentials are not supported`);
    }
    const cert = pem(u['client-certificate-data'], u['client-certificate'], user.dir, 'client-certificate');
    const key = pem(u['client-key-data'], u['client-key'], user.dir, 'client-key');
    if (cert) config.cert = cert;
    if (key) config.key = key;
    if (typeof u.token === 'string' && u.token !== '') config.token = u.token;
    else if (typeof u.tokenFile === 'string' && u.tokenFile !== '') config.token = readRef(u.tokenFile, user.dir, 'tokenFile').toString('utf8').trim();
  }
  return { config, namespace: ctx.value.namespace || 'default' };
}

/** `*-data` is base64 PEM and wins over the file path, as in client-go. */
function pem(data: string | undefined, file: string | undefined, dir: string, field: string): Buffer | undefined {
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
  if (typeof file === 'string' && file !== '') return readRef(file, dir, field);
  return undefined;
}

function readRef(file: string, dir: string, field: string): Buffer {
  const abs = isAbsolute(file) ? file : join(dir, file);
  try {
    return readFileSync(abs);
  } catch (err) {
    throw new ClientConfigError('TUG_CLIENT_KUBECONFIG_INVALID', `${field} ${abs}: ${(err as Error).message}`);
  }
}
