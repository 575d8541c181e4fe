/**
 * A managed, single-member etcd for `tug server` and the integration tests.
 *
 * Design note
 * - Runs Debian's /usr/bin/etcd (3.4) bound to 127.0.0.1 only, for both the client and the peer
 *   URL: only the API server ever talks to it (DESIGN §1), so it never listens on other addresses.
 * - Flags, and why:
 *   --quota-backend-bytes 2 GiB       explicit (etcd's default); a full backend raises NOSPACE and
 *                                     writes fail instead of the disk filling silently
 *   --auto-compaction-mode revision   keep the last 10 000 revisions of history, like the
 *   --auto-compaction-retention 10000 kube-apiserver's 5-minute compaction keeps "recent" history;
 *                                     watches from before that get 410 Gone and clients relist
 *   --snapshot-count 10000            bounds the raft log held in memory (3.4's default is 100 000)
 *   --experimental-watch-progress-notify-interval 5s
 *                                     progress notifications often enough to serve bookmarks
 *   --logger zap --log-outputs stderr stdout/stderr go to `logFile` (appended, never truncated)
 *   Inherited ETCD_* variables are dropped so the environment cannot override these flags.
 * - startEtcd resolves once /health answers {"health":"true"}; if etcd exits or stays unhealthy
 *   past the timeout the error names the log file and quotes its tail.
 * - Supervision: after a successful start, an unexpected exit is followed by a restart on the
 *   same data dir and ports, with exponential backoff (250 ms doubling to 5 s, reset once a
 *   child has lived 10 s). stop() ends supervision, sends SIGTERM, then SIGKILL after a grace
 *   period, and resolves when the process has exited. stop() is idempotent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { dirname } from 'node:path';

export const ETCD_BINARY = '/usr/bin/etcd';

export interface EtcdProcessOptions {
  dataDir: string;
  clientPort: number;
  peerPort: number;
  /** etcd's stdout and stderr are appended here. */
  logFile: string;
  /** Member name (default "tugboat"). */
  name?: string;
  binary?: string;
  /** How long to wait for /health on each start (default 20 s). */
  startTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL in stop() (default 5 s). */
  stopTimeoutMs?: number;
  quotaBackendBytes?: number;
  /** Revisions of history kept by auto-compaction (default 10 000). */
  compactionRetention?: number;
  /** Called after each supervised restart attempt, for logging. */
  onRestart?: (info: { restarts: number; exitCode: number | null; signal: NodeJS.Signals | null; error?: Error }) => void;
}

export interface EtcdProcess {
  /** Client URLs for the Etcd3 `hosts` option, e.g. ["http://127.0.0.1:2379"]. */
  readonly endpoints: string[];
  /** PID of the current etcd child (changes after a supervised restart). */
  readonly pid: number;
  /** Supervised restarts so far. */
  readonly restarts: number;
  /** Resolves once the current child answers /health (e.g. after a restart). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const RESTART_BACKOFF_MIN_MS = 250;
const RESTART_BACKOFF_MAX_MS = 5_000;
const HEALTHY_LIFETIME_MS = 10_000;

export function etcdArgs(opts: EtcdProcessOptions): string[] {
  const name = opts.name ?? 'tugboat';
  const client = `http://127.0.0.1:${opts.clientPort}`;
  const peer = `http://127.0.0.1:${opts.peerPort}`;
  return [
    `--name=${name}`,
    `--data-dir=${opts.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${name}=${peer}`,
    '--initial-cluster-state=new',
    '--initial-cluster-token=tugboat',
    `--quota-backend-bytes=${opts.quotaBackendBytes ?? 2 * 1024 ** 3}`,
    '--auto-compaction-mode=revision',
    `--auto-compaction-retention=${opts.compactionRetention ?? 10_000}`,
    '--snapshot-count=10000',
    '--experimental-watch-progress-notify-interval=5s',
    '--logger=zap',
    '--log-outputs=stderr',
  ];
}

export async function startEtcd(opts: EtcdProcessOptions): Promise<EtcdProcess> {
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const supervisor = new EtcdSupervisor(opts);
  try {
    await supervisor.startOnce();
  } catch (err) {
    await supervisor.stop();
    throw err;
  }
  supervisor.supervise();
  return supervisor;
}

class EtcdSupervisor implements EtcdProcess {
  readonly endpoints: string[];
  restarts = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopping = false;
  private supervising = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private backoffMs = RESTART_BACKOFF_MIN_MS;
  private readonly killOnExit = (): void => { this.child?.kill('SIGKILL'); };

  constructor(private readonly opts: EtcdProcessOptions) {
    this.endpoints = [`http://127.0.0.1:${opts.clientPort}`];
    // Best effort: do not leave an orphaned etcd behind when Node exits normally or crashes.
    process.once('exit', this.killOnExit);
  }

  get pid(): number {
    return this.child?.pid ?? -1;
  }

  /** Spawn one child and wait until it is healthy; rejects (child killed) otherwise. */
  async startOnce(): Promise<void> {
    const fd = openSync(this.opts.logFile, 'a');
    let child: ChildProcess;
    try {
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ETCD_')) env[k] = v;
      child = spawn(this.opts.binary ?? ETCD_BINARY, etcdArgs(this.opts), { stdio: ['ignore', fd, fd], env });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    const startedAt = Date.now();
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let spawnError: Error | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once('error', (err) => { spawnError = err; exitInfo ??= { code: null, signal: null }; resolve(); });
      child.once('exit', (code, signal) => {
        exitInfo = { code, signal };
        resolve();
        if (this.child === child) this.onChildExit(code, signal, Date.now() - startedAt);
      });
    });
    const deadline = startedAt + (this.opts.startTimeoutMs ?? 20_000);
    while (Date.now() < deadline) {
      if (exitInfo) {
        const why = spawnError ? spawnError.message : `exited (code ${exitInfo.code}, signal ${exitInfo.signal})`;
        throw new Error(`etcd ${why} during startup; see ${this.opts.logFile}:\n${logTail(this.opts.logFile)}`);
      }
      if (await healthy(this.opts.clientPort)) return;
      await sleep(100);
    }
    child.kill('SIGKILL');
    await this.exited;
    throw new Error(`etcd not healthy on 127.0.0.1:${this.opts.clientPort} after ${this.opts.startTimeoutMs ?? 20_000} ms; see ${this.opts.logFile}:\n${logTail(this.opts.logFile)}`);
  }

  supervise(): void {
    this.supervising = true;
  }

  async waitHealthy(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await healthy(this.opts.clientPort)) return;
      await sleep(100);
    }
    throw new Error(`etcd not healthy after ${timeoutMs} ms; see ${this.opts.logFile}`);
  }

  private onChildExit(code: number | null, signal: NodeJS.Signals | null, livedMs: number): void {
    if (this.stopping || !this.supervising) return;
    if (livedMs >= HEALTHY_LIFETIME_MS) this.backoffMs = RESTART_BACKOFF_MIN_MS;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, RESTART_BACKOFF_MAX_MS);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      this.restarts++;
      // A failed start leaves a dead child whose exit handler schedules the next attempt.
      this.startOnce().then(
        () => this.opts.onRestart?.({ restarts: this.restarts, exitCode: code, signal }),
        (error: Error) => this.opts.onRestart?.({ restarts: this.restarts, exitCode: code, signal, error }),
      );
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    process.removeListener('exit', this.killOnExit);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      await this.exited;
      return;
    }
    child.kill('SIGTERM');
    const grace = this.opts.stopTimeoutMs ?? 5_000;
    const timedOut = await Promise.race([this.exited.then(() => false), sleep(grace).then(() => true)]);
    if (timedOut) {
      child.kill('SIGKILL');
      await this.exited;
    }
  }
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/health', timeout: 1_000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 && (JSON.parse(body) as { health?: string }).health === 'true');
        } catch {
          resolve(false);
        }
      });
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function logTail(file: string, bytes = 2_000): string {
  try {
    const size = statSync(file).size;
    const text = readFileSync(file, 'utf8');
    return size > bytes ? text.slice(-bytes) : text;
  } catch {
    return '(log file unreadable)';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
