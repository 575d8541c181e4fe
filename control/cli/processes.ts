/** Starting and stopping the background processes of a local cluster, by PID file. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/** The compiled `tug` entry point (dist/control/cli/main.js). */
export function tugEntry(): string {
  return join(dirname(fileURLToPath(import.meta.url)), 'main.js');
}

export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts `command` under `tug supervise`, detached from this process. */
export async function startSupervised(pidFile: string, logFile: string, command: string[]): Promise<number> {
  const child = spawn(process.execPath, [tugEntry(), 'supervise', '--pid-file', pidFile, '--log', logFile, '--', ...command], {
    detached: true, stdio: 'ignore',
  });
  child.unref();
  for (let i = 0; i < 100; i++) {
    const pid = readPid(pidFile);
    if (pid !== undefined && pid === child.pid) return pid;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the supervisor for ${command.join(' ')} did not start (see ${logFile})`);
}

/** SIGTERM, wait, SIGKILL; removes the pid file. Returns whether something was running. */
export async function stopByPidFile(pidFile: string, graceMs = 20_000): Promise<boolean> {
  const pid = readPid(pidFile);
  if (!alive(pid)) {
    rmSync(pidFile, { force: true });
    return false;
  }
  process.kill(pid!, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid!, 'SIGKILL');
  const child = readPid(`${pidFile}.child`);
  if (alive(child)) process.kill(child!, 'SIGKILL');
  rmSync(pidFile, { force: true });
  rmSync(`${pidFile}.child`, { force: true });
  return true;
}
