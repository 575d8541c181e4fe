/**
 * `tug supervise`: keeps one child process running (restart with backoff after a crash) and
 * owns its lifetime: SIGTERM to the supervisor stops the child (SIGTERM, then SIGKILL after a
 * grace period) and then the supervisor. Output is appended to a log file. The pid file holds
 * the supervisor's PID; `<pid file>.child` holds the current child's PID (for `tug status`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';

export interface SuperviseOptions {
  pidFile: string;
  logFile: string;
  command: string[];
  graceMs?: number;
}

export async function supervise(opts: SuperviseOptions): Promise<never> {
  const grace = opts.graceMs ?? 10_000;
  writeFileSync(opts.pidFile, `${process.pid}\n`);
  let child: ChildProcess | undefined;
  let stopping = false;
  let backoff = 500;
  let restarts = 0;
  const note = (msg: string, extra: object = {}) =>
    appendFileSync(opts.logFile, JSON.stringify({ level: 30, time: Date.now(), name: 'tug-supervise', msg, ...extra }) + '\n');

  const startChild = () => {
    const out = openSync(opts.logFile, 'a');
    const started = Date.now();
    child = spawn(opts.command[0]!, opts.command.slice(1), { stdio: ['ignore', out, out] });
    writeFileSync(`${opts.pidFile}.child`, `${child.pid}\n`);
    note('started', { pid: child.pid, restarts });
    child.on('exit', (code, signal) => {
      rmSync(`${opts.pidFile}.child`, { force: true });
      if (stopping) return;
      if (Date.now() - started > 30_000) backoff = 500;
      restarts++;
      note('child exited; restarting', { code, signal, inMs: backoff, restarts });
      setTimeout(startChild, backoff);
      backoff = Math.min(backoff * 2, 10_000);
    });
  };

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const c = child;
    if (c && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      c.kill('SIGTERM');
      const timer = setTimeout(() => c.kill('SIGKILL'), grace);
      await exited;
      clearTimeout(timer);
    }
    rmSync(opts.pidFile, { force: true });
    rmSync(`${opts.pidFile}.child`, { force: true });
    note('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  startChild();
  return new Promise<never>(() => undefined);
}
