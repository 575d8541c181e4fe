/**
 * Builds an ImageSpec with `docker build` (classic builder, FROM scratch) and skips the build when
 * the image already carries the spec's content hash in its `tugboat.content-hash` label.
 *
 * The hash covers the Dockerfile text and every rootfs entry (path, mode, bytes or link target),
 * so a new busybox, node binary, library or testapp change rebuilds, and nothing else does.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, createReadStream, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ImageSpec, RootfsEntry } from './specs.js';

export const CONTENT_HASH_LABEL = 'tugboat.content-hash';

export function dockerfile(spec: ImageSpec, hash: string): string {
  return ['FROM scratch', 'COPY rootfs/ /', ...spec.config, `LABEL ${CONTENT_HASH_LABEL}="${hash}" tugboat.image="${spec.name}"`, ''].join('\n');
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(path).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

async function entryDigest(e: RootfsEntry): Promise<string> {
  if ('symlink' in e) return `L ${e.path} ${e.symlink}`;
  if ('dir' in e) return `D ${e.path} ${e.mode.toString(8)}`;
  const mode = (e.mode ?? 0o644).toString(8);
  if ('content' in e) return `F ${e.path} ${mode} ${createHash('sha256').update(e.content).digest('hex')}`;
  return `F ${e.path} ${mode} ${await hashFile(e.source)}`;
}

export async function contentHash(spec: ImageSpec): Promise<string> {
  const h = createHash('sha256');
  h.update(spec.name + '\n' + spec.config.join('\n') + '\n');
  const entries = [...spec.rootfs].sort((a, b) => a.path.localeCompare(b.path));
  for (const d of await Promise.all(entries.map(entryDigest))) h.update(d + '\n');
  return h.digest('hex').slice(0, 32);
}

export interface DockerCli {
  (args: string[], opts?: { env?: NodeJS.ProcessEnv }): Promise<{ stdout: string; stderr: string }>;
}

export const dockerCli: DockerCli = (args, opts = {}) =>
  new Promise((resolve, reject) => {
    execFile('docker', args, { env: { ...process.env, ...opts.env }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args[0]} failed: ${String(stderr).trim() || err.message}`));
      else resolve({ stdout: String(stdout), stderr: String(stderr) });
    });
  });

/** The content hash label of a local image, or undefined when the image does not exist. */
export async function installedHash(name: string, docker: DockerCli = dockerCli): Promise<string | undefined> {
  try {
    const { stdout } = await docker(['image', 'inspect', '--format', `{{ index .Config.Labels "${CONTENT_HASH_LABEL}" }}`, name]);
    return stdout.trim();
  } catch {
    return undefined;
  }
}

function writeRootfs(root: string, entries: RootfsEntry[]): void {
  for (const e of entries) {
    const target = join(root, e.path);
    mkdirSync('dir' in e ? target : dirname(target), { recursive: true });
    if ('dir' in e) chmodSync(target, e.mode);
    else if ('symlink' in e) symlinkSync(e.symlink, target);
    else {
      if ('content' in e) writeFileSync(target, e.content);
      else copyFileSync(e.source, target);
      chmodSync(target, e.mode ?? 0o644);
    }
  }
}

export interface BuildOutcome {
  name: string;
  hash: string;
  built: boolean;
  ms: number;
}

export async function buildImage(spec: ImageSpec, opts: { force?: boolean; docker?: DockerCli } = {}): Promise<BuildOutcome> {
  const docker = opts.docker ?? dockerCli;
  const started = Date.now();
  const hash = await contentHash(spec);
  if (!opts.force && (await installedHash(spec.name, docker)) === hash) return { name: spec.name, hash, built: false, ms: Date.now() - started };
  const ctx = mkdtempSync(join(tmpdir(), 'tug-image-'));
  try {
    writeRootfs(join(ctx, 'rootfs'), spec.rootfs);
    writeFileSync(join(ctx, 'Dockerfile'), dockerfile(spec, hash));
    // the classic builder needs no buildx plugin and no network
    await docker(['build', '--quiet', '--tag', spec.name, ctx], { env: { DOCKER_BUILDKIT: '0' } });
  } finally {
    rmSync(ctx, { recursive: true, force: true });
  }
  return { name: spec.name, hash, built: true, ms: Date.now() - started };
}
