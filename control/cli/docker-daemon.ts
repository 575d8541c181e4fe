/**
 * Nodes need the Docker engine. setup.sh starts it before `npm run up` and `npm test`; `tug up`
 * checks again (a daemon can die between runs) and starts it the same way when it is gone:
 * without iptables, bridge or masquerading of its own (DESIGN §4).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';

export const DOCKERD_ARGS = ['--iptables=false', '--ip-masq=false', '--bridge=none', '--ip-forward=false'];

function dockerAnswers(): boolean {
  return spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** Resolves once `docker info` answers; returns whether it had to start dockerd. */
export async function ensureDockerd(logFile = '/var/log/tugboat/dockerd.log'): Promise<boolean> {
  if (dockerAnswers()) return false;
  mkdirSync('/var/log/tugboat', { recursive: true });
  const out = openSync(logFile, 'a');
  const child = spawn('dockerd', DOCKERD_ARGS, { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 500));
    if (dockerAnswers()) return true;
  }
  throw new Error(`dockerd did not start within 30s; see ${logFile}`);
}
