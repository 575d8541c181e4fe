/**
 * Pod volumes on the node's disk, bind-mounted into containers.
 *
 * Where each kind lives (podDir = <stateDir>/pods/<uid>, shmDir = /dev/shm/tugboat-kubelet/<node>/<uid>):
 *   emptyDir            podDir/volumes/empty-dir/<name>  (medium: Memory → shmDir/…)
 *   configMap           podDir/volumes/configmap/<name>
 *   downwardAPI         podDir/volumes/downward-api/<name>
 *   secret, projected   shmDir/secret|projected/<name>   (tmpfs: secrets and tokens never touch the disk)
 *   hostPath            the path itself (created for DirectoryOrCreate / FileOrCreate)
 * Secrets use /dev/shm, a tmpfs that exists before the agent starts, instead of a fresh tmpfs
 * mount: the agent runs under `ip netns exec`, whose private mount namespace would hide new
 * mounts from dockerd; files written on an existing tmpfs are visible to both.
 *
 * The file contents are a pure function of the pod and its sources (`volumeFiles`); writing
 * them (`syncVolumeDir`) replaces changed files by rename and removes stale ones, so a
 * ConfigMap edit reaches running pods on the next sync.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { configMapData, secretData, type ConfigSources } from './env.js';
import { fieldRefValue, resourceFieldValue, type PodRuntimeFacts } from './field-ref.js';
import type { Container, DownwardAPIVolumeFile, KeyToPath, Pod, ProjectedSource, Volume } from './pod-types.js';

/** Service account tokens of projected volumes, fetched beforehand (service-account-tokens.ts). */
export interface ProjectedTokens {
  token(pod: Pod, source: NonNullable<ProjectedSource['serviceAccountToken']>): string | undefined;
}

export class VolumeError extends Error {
  readonly reason = 'ContainerCreating';
}

export interface VolumeFile {
  path: string;
  content: Buffer;
  mode: number;
}

export interface PodDirs {
  podDir: string;
  shmDir: string;
}

export function podDirs(stateDir: string, shmRoot: string, uid: string): PodDirs {
  return { podDir: join(stateDir, 'pods', uid), shmDir: join(shmRoot, uid) };
}

function safeRelative(p: string): boolean {
  const n = normalize(p);
  return p !== '' && !p.startsWith('/') && n !== '..' && !n.startsWith('../') && !n.split('/').includes('..');
}

function projectKeys(data: Record<string, string>, items: KeyToPath[] | undefined, mode: number, optional: boolean | undefined, what: string): VolumeFile[] {
  if (!items?.length) return Object.entries(data).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => ({ path: k, content: Buffer.from(v, 'utf8'), mode }));
  const out: VolumeFile[] = [];
  for (const item of items) {
    if (!(item.key in data)) {
      if (optional) continue;
      throw new VolumeError(`configmap references non-existent config key: ${item.key}`.replace('configmap', what));
    }
    out.push({ path: item.path, content: Buffer.from(data[item.key]!, 'utf8'), mode: item.mode ?? mode });
  }
  return out;
}

function downwardFiles(pod: Pod, items: DownwardAPIVolumeFile[] | undefined, mode: number, facts: PodRuntimeFacts, container?: Container): VolumeFile[] {
  return (items ?? []).map((item) => {
    let value = '';
    if (item.fieldRef) value = fieldRefValue(pod, item.fieldRef, facts);
    else if (item.resourceFieldRef) value = resourceFieldValue(pod, container ?? pod.spec.containers[0], item.resourceFieldRef, facts);
    return { path: item.path, content: Buffer.from(value, 'utf8'), mode: item.mode ?? mode };
  });
}

/** Files of a configMap/secret/downwardAPI/projected volume; undefined for the other kinds. */
export function volumeFiles(pod: Pod, v: Volume, sources: ConfigSources, facts: PodRuntimeFacts, tokens?: ProjectedTokens): VolumeFile[] | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  const fail = (msg: string): never => {
    throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : ${msg}`);
  };
  const wrap = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof VolumeError && err.message.startsWith('MountVolume')) throw err;
      return fail((err as Error).message);
    }
  };
  let files: VolumeFile[] | undefined;
  if (v.configMap) {
    const src = v.configMap;
    const cm = sources.configMap(ns, src.name);
    if (!cm) files = src.optional ? [] : fail(`configmap "${src.name}" not found`);
    else files = wrap(() => projectKeys(configMapData(cm), src.items, src.defaultMode ?? 0o644, src.optional, 'configmap'));
  } else if (v.secret) {
    const src = v.secret;
    const s = sources.secret(ns, src.secretName);
    if (!s) files = src.optional ? [] : fail(`secret "${src.secretName}" not found`);
    else files = wrap(() => projectKeys(secretData(s), src.items, src.defaultMode ?? 0o644, src.optional, 'secret'));
  } else if (v.downwardAPI) {
    const src = v.downwardAPI;
    files = wrap(() => downwardFiles(pod, src.items, src.defaultMode ?? 0o644, facts));
  } else if (v.projected) {
    const mode = v.projected.defaultMode ?? 0o644;
    files = [];
    for (const s of v.projected.sources ?? []) {
      if (s.configMap) {
        const src = s.configMap;
        const cm = sources.configMap(ns, src.name);
        if (!cm) {
          if (!src.optional) fail(`configmap "${src.name}" not found`);
          continue;
        }
        files.push(...wrap(() => projectKeys(configMapData(cm), src.items, mode, src.optional, 'configmap')));
      } else if (s.secret) {
        const src = s.secret;
        const sec = sources.secret(ns, src.name);
        if (!sec) {
          if (!src.optional) fail(`secret "${src.name}" not found`);
          continue;
        }
        files.push(...wrap(() => projectKeys(secretData(sec), src.items, mode, src.optional, 'secret')));
      } else if (s.downwardAPI) {
        files.push(...wrap(() => downwardFiles(pod, s.downwardAPI!.items, mode, facts)));
      } else if (s.serviceAccountToken) {
        const token = tokens?.token(pod, s.serviceAccountToken);
        if (token === undefined) fail('failed to fetch token: no token has been issued for this pod yet');
        files.push({ path: s.serviceAccountToken.path, content: Buffer.from(token!, 'utf8'), mode });
      }
    }
  }
  if (files) for (const f of files) if (!safeRelative(f.path)) fail(`invalid path ${JSON.stringify(f.path)}`);
  return files;
}

/** The host directory (or file, for hostPath) backing a volume. */
export function volumeHostPath(dirs: PodDirs, v: Volume): string | undefined {
  if (v.hostPath) return v.hostPath.path;
  if (v.emptyDir) return join(v.emptyDir.medium === 'Memory' ? dirs.shmDir : dirs.podDir, v.emptyDir.medium === 'Memory' ? 'empty-dir' : 'volumes/empty-dir', v.name);
  if (v.configMap) return join(dirs.podDir, 'volumes', 'configmap', v.name);
  if (v.downwardAPI) return join(dirs.podDir, 'volumes', 'downward-api', v.name);
  if (v.secret) return join(dirs.shmDir, 'secret', v.name);
  if (v.projected) return join(dirs.shmDir, 'projected', v.name);
  return undefined;
}

/** What the kubelet reads of a claim and its volume to mount a `persistentVolumeClaim` volume. */
export interface BoundClaim {
  claim?: { spec?: { volumeName?: string }; status?: { phase?: string } };
  volume?: { spec?: { hostPath?: { path: string } } };
}

/**
 * The host directory behind a `persistentVolumeClaim` volume: its bound PersistentVolume's
 * hostPath (created, world-writable like the local-path provisioner's, so non-root containers
 * can write). An unbound claim is a mount error the pod sync retries until the binder is done.
 */
export function claimHostPath(v: Volume, namespace: string, bound: BoundClaim): string {
  const name = v.persistentVolumeClaim?.claimName ?? '';
  if (!bound.claim) throw new VolumeError(`persistentvolumeclaim "${name}" not found`);
  const volumeName = bound.claim.spec?.volumeName;
  if (!volumeName || bound.claim.status?.phase !== 'Bound') {
    throw new VolumeError(`PVC ${namespace}/${name} has non-bound phase ("${bound.claim.status?.phase ?? 'Pending'}") or empty pvc.Spec.VolumeName ("${volumeName ?? ''}")`);
  }
  const path = bound.volume?.spec?.hostPath?.path;
  if (!path) throw new VolumeError(`MountVolume.SetUp failed for volume "${volumeName}" : only hostPath PersistentVolumes are supported by Tugboat`);
  mkdirSync(path, { recursive: true, mode: 0o777 });
  return path;
}

/** hostPath types (upstream HostPathType): create or check the path. */
export function prepareHostPath(v: Volume): void {
  const hp = v.hostPath;
  if (!hp) return;
  const type = hp.type ?? '';
  const fail = (msg: string): never => {
    throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : hostPath type check failed: ${hp.path} ${msg}`);
  };
  if (type === 'DirectoryOrCreate') mkdirSync(hp.path, { recursive: true, mode: 0o755 });
  else if (type === 'FileOrCreate') {
    mkdirSync(dirname(hp.path), { recursive: true });
    if (!existsSync(hp.path)) writeFileSync(hp.path, '', { mode: 0o644 });
  } else if (type === 'Directory') {
    if (!existsSync(hp.path) || !statSync(hp.path).isDirectory()) fail('is not a directory');
  } else if (type === 'File') {
    if (!existsSync(hp.path) || !statSync(hp.path).isFile()) fail('is not a file');
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

/** Makes `dir` hold exactly `files`; unchanged files are left alone. */
export function syncVolumeDir(dir: string, files: VolumeFile[]): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const wanted = new Set(files.map((f) => normalize(f.path)));
  for (const f of files) {
    const target = join(dir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    let same = false;
    try {
      same = readFileSync(target).equals(f.content) && (statSync(target).mode & 0o7777) === f.mode;
    } catch {
      same = false;
    }
    if (same) continue;
    const tmp = `${target}.tugtmp`;
    writeFileSync(tmp, f.content, { mode: f.mode });
    chmodSync(tmp, f.mode);
    renameSync(tmp, target);
  }
  for (const rel of listFiles(dir)) if (!wanted.has(normalize(rel))) rmSync(join(dir, rel), { force: true });
}

/** Docker binds for a container's volumeMounts ("host:container[:ro]"). */
export function mountBinds(container: Container, hostPaths: ReadonlyMap<string, string>): string[] {
  const binds: string[] = [];
  for (const m of container.volumeMounts ?? []) {
    const host = hostPaths.get(m.name);
    if (host === undefined) throw new VolumeError(`volume "${m.name}" of container "${container.name}" not found`);
    let source = host;
    if (m.subPath) {
      if (!safeRelative(m.subPath)) throw new VolumeError(`invalid subPath ${JSON.stringify(m.subPath)}`);
      source = join(host, m.subPath);
      // a subPath into an emptyDir/hostPath may not exist yet: upstream creates it as a directory
      if (!existsSync(source)) mkdirSync(source, { recursive: true });
    }
    binds.push(`${source}:${m.mountPath}${m.readOnly ? ':ro' : ''}`);
  }
  return binds;
}
