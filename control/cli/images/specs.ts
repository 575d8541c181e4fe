/**
 * What goes into the two offline images, as data: every file of the root filesystem with its
 * source (a host file, inline content or a symlink), plus the Dockerfile that turns the tree into
 * an image FROM scratch. Nothing is downloaded: busybox-static gives sh/wget/nslookup/nc, and the
 * testapp runs on this machine's own node binary with the shared libraries `ldd` lists.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type RootfsEntry =
  | { path: string; source: string; mode?: number }
  | { path: string; content: string; mode?: number }
  | { path: string; symlink: string }
  | { path: string; dir: true; mode: number };

export interface ImageSpec {
  /** repository:tag */
  name: string;
  rootfs: RootfsEntry[];
  /** Dockerfile lines after `FROM scratch` and `COPY rootfs/ /` */
  config: string[];
}

export const PAUSE_IMAGE = 'tugboat/pause:latest';
export const TESTAPP_IMAGE = 'tugboat/testapp:latest';

/**
 * The pause program. busybox `sleep` as PID 1 would ignore SIGTERM (PID 1 has no default
 * handlers) and make every pod deletion wait for SIGKILL; sh with a trap exits at once, and
 * `sleep & wait` keeps the shell interruptible and reaps its child.
 */
export const PAUSE_SCRIPT = "trap 'exit 0' TERM INT; while :; do sleep 86400 & wait $!; done";

export function findBusybox(): string {
  for (const p of ['/usr/bin/busybox', '/bin/busybox']) if (existsSync(p)) return realpathSync(p);
  throw new Error('busybox not found: install busybox-static (apt-get install busybox-static)');
}

function busyboxApplets(busybox: string): string[] {
  return execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').map((s) => s.trim()).filter(Boolean);
}

/** The shared libraries `ldd` lists for a binary, as absolute host paths (vdso excluded). */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.add(m[1]!);
  }
  return [...libs].sort();
}

/** A library keeps its path (what the binary's loader asks for), the bytes come from its target. */
function libraryEntries(libs: string[]): RootfsEntry[] {
  return libs.map((lib) => ({ path: lib, source: realpathSync(lib), mode: 0o755 }));
}

const BASE_FILES: RootfsEntry[] = [
  { path: '/etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' },
  { path: '/etc/group', content: 'root:x:0:\nnogroup:x:65534:\n' },
  { path: '/tmp', dir: true, mode: 0o1777 },
  { path: '/root', dir: true, mode: 0o700 },
];

export function pauseImageSpec(): ImageSpec {
  const busybox = findBusybox();
  return {
    name: PAUSE_IMAGE,
    rootfs: [
      { path: '/bin/busybox', source: busybox, mode: 0o755 },
      { path: '/bin/sh', symlink: 'busybox' },
      { path: '/bin/sleep', symlink: 'busybox' },
    ],
    config: ['ENV PATH=/bin', `CMD ["/bin/sh", "-c", ${JSON.stringify(PAUSE_SCRIPT)}]`],
  };
}

/**
 * The compiled testapp, copied into /app: this folder's testapp/*.js when running from dist, or
 * dist's copy when running from the TypeScript sources (tests).
 */
function testappDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'testapp'), join(here, '..', '..', '..', 'dist', 'control', 'cli', 'images', 'testapp')];
  const found = candidates.find((d) => existsSync(join(d, 'main.js')));
  if (!found) throw new Error(`the compiled testapp is missing (${candidates.join(', ')}): build first (npx tsc -p tsconfig.json)`);
  return found;
}

function testappProgram(): RootfsEntry[] {
  const dir = testappDir();
  const files = readdirSync(dir).filter((f) => f.endsWith('.js')).sort();
  return [
    ...files.map((f) => ({ path: `/app/${f}`, source: join(dir, f), mode: 0o644 })),
    { path: '/app/package.json', content: '{"type":"module"}\n' },
  ];
}

export function testappImageSpec(nodeBinary = process.execPath): ImageSpec {
  const busybox = findBusybox();
  const node = realpathSync(nodeBinary);
  const applets = busyboxApplets(busybox).filter((a) => a !== 'busybox');
  return {
    name: TESTAPP_IMAGE,
    rootfs: [
      ...BASE_FILES,
      { path: '/bin/busybox', source: busybox, mode: 0o755 },
      ...applets.map((a) => ({ path: `/bin/${a}`, symlink: 'busybox' })),
      { path: '/usr/bin/env', symlink: '/bin/busybox' },
      { path: '/usr/local/bin/node', source: node, mode: 0o755 },
      ...libraryEntries(sharedLibraries(node)),
      ...testappProgram(),
    ],
    config: [
      'ENV PATH=/usr/local/bin:/bin PORT=8080',
      'WORKDIR /app',
      'EXPOSE 8080',
      'STOPSIGNAL SIGTERM',
      'CMD ["/usr/local/bin/node", "/app/main.js"]',
    ],
  };
}
