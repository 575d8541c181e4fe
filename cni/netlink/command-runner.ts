// Runs one external command with optional stdin and collects its output. Kept tiny on purpose: the CNI
// plugin runs once per pod, so this sits on its hot path (no shell, no extra processes).
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type CommandRunner = (file: string, args: readonly string[], stdin?: string) => Promise<CommandResult>;

export function makeCommandRunner(timeoutMs = 30_000): CommandRunner {
  return (file, args, stdin) =>
    new Promise((resolve, reject) => {
      const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code, signal) => {
        resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr });
      });
      // EPIPE when the command exits before reading stdin is reported through 'close' with its own error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(stdin ?? '');
    });
}
