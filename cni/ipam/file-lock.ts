// A cross-process mutex on a file, for Node (which has no flock/fcntl binding).
//
// Acquire = create the lock file with O_EXCL ('wx') and write "<pid> <process start time> <token>".
// Waiters poll with jitter. A lock whose owner is dead (no /proc/<pid>, a zombie, or a different start time,
// which means the PID was reused) is stale: this is how a holder killed with SIGKILL is recovered.
// An empty lock file (owner killed between create and write) is stale once it is older than `emptyStaleMs`.
//
// Breaking a stale lock is itself guarded by a second O_EXCL file ("<lock>.break"), and the breaker re-reads
// the lock under that guard and unlinks it only if it still holds the stale content it judged. Without the
// guard, two waiters that both saw the same stale lock could each unlink it, the second one removing the
// fresh lock the first had just taken. The guard is held for microseconds; a guard left by a breaker that was
// itself killed is removed by the next waiter once its owner is dead (a double failure leaves only a tiny
// window, documented in cni/ipam/README.md).
//
// Why not `flock(1)`: it costs a process per call, and a CNI ADD should start ~2 processes in total.
// Why not an abstract unix socket (released by the kernel on death): it is scoped to a network namespace,
// and runtimes may call the plugin from different namespaces for the same data directory.
import { open, readFile, stat, unlink } from 'node:fs/promises';

export interface FileLockOptions {
  /** give up after this long (the plugin maps it to CNI code 11, "try again later") */
  timeoutMs?: number;
  /** base poll interval; each wait adds up to the same again as jitter */
  pollMs?: number;
  /** age after which an empty (ownerless) lock file counts as stale */
  emptyStaleMs?: number;
}

export class LockTimeoutError extends Error {
  constructor(readonly path: string, readonly holder: string) {
    super(`timed out waiting for lock ${path} (held by ${holder || 'unknown'})`);
    this.name = 'LockTimeoutError';
  }
}

export type ReleaseLock = () => Promise<void>;

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** Process state and start time (clock ticks since boot) from /proc/<pid>/stat, or undefined if gone. */
async function processIdentity(pid: string): Promise<{ state: string; start: string } | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and ')': fields restart after the last ')'. Field 3 is the state,
    // field 22 the start time.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0] ?? '', start: rest[19] ?? '' };
  } catch {
    return undefined;
  }
}

async function ownerIsDead(content: string, path: string, emptyStaleMs: number): Promise<boolean> {
  const [pid, start] = content.trim().split(' ');
  if (!pid || !start) {
    try {
      return Date.now() - (await stat(path)).mtimeMs > emptyStaleMs;
    } catch {
      return false; // vanished: the next create attempt decides
    }
  }
  const id = await processIdentity(pid);
  return id === undefined || id.state === 'Z' || id.state === 'X' || id.start !== start;
}

async function readOrEmpty(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
}

async function tryCreate(path: string, content: string): Promise<boolean> {
  try {
    const fh = await open(path, 'wx', 0o600);
    try {
      await fh.writeFile(content);
    } finally {
      await fh.close();
    }
    return true;
  } catch (err) {
    if (errno(err) === 'EEXIST') return false;
    throw err;
  }
}

async function unlinkQuiet(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function acquireFileLock(path: string, opts: FileLockOptions = {}): Promise<ReleaseLock> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const pollMs = opts.pollMs ?? 2;
  const emptyStaleMs = opts.emptyStaleMs ?? 1_000;
  const self = await processIdentity(String(process.pid));
  const token = Math.random().toString(36).slice(2, 10);
  const content = `${process.pid} ${self?.start ?? '0'} ${token}\n`;
  const guard = `${path}.break`;
  const deadline = Date.now() + timeoutMs;
  let holder = '';

  for (;;) {
    if (await tryCreate(path, content)) {
      return async () => {
        // Unlink only our own lock: if it was (wrongly) broken and retaken, the new holder keeps it.
        if ((await readOrEmpty(path)) === content) await unlinkQuiet(path);
      };
    }
    const observed = await readOrEmpty(path);
    if (observed !== undefined) {
      holder = observed.trim();
      if (await ownerIsDead(observed, path, emptyStaleMs)) await breakStale(path, guard, observed, content, emptyStaleMs);
      else await sleep(pollMs + Math.random() * pollMs);
    }
    if (Date.now() > deadline) throw new LockTimeoutError(path, holder);
  }
}

async function breakStale(path: string, guard: string, observed: string, content: string, emptyStaleMs: number) {
  if (!(await tryCreate(guard, content))) {
    const guardContent = await readOrEmpty(guard);
    if (guardContent !== undefined && (await ownerIsDead(guardContent, guard, emptyStaleMs))) {
      // A breaker died holding the guard; re-check the content so we do not remove a fresh guard.
      if ((await readOrEmpty(guard)) === guardContent) await unlinkQuiet(guard);
    } else {
      await sleep(1);
    }
    return;
  }
  try {
    if ((await readOrEmpty(path)) === observed) await unlinkQuiet(path);
  } finally {
    await unlinkQuiet(guard);
  }
}
