/**
 * The remotecommand WebSocket protocol (v5.channel.k8s.io, and v4.channel.k8s.io without the
 * close channel) over a docker exec — notes/kubectl-api-surface.md §5.12:
 *   binary messages, first byte = channel: 0 stdin (client→), 1 stdout, 2 stderr,
 *   3 error/status (a Status JSON carrying the exit code), 4 resize ({"Width","Height"}),
 *   255 close (v5: [255, channel] = that stream reached EOF; [255, 0] ends stdin).
 * The session ends with the status on channel 3, then a normal WebSocket close.
 */
import type { WebSocket } from 'ws';
import type { Docker, ExecSession } from './docker.js';

export const SUPPORTED_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** The protocol to answer with for the client's offer (kubectl 1.32 offers v5 only). */
export function chooseProtocol(offered: Iterable<string>): string | false {
  const set = new Set(offered);
  return SUPPORTED_PROTOCOLS.find((p) => set.has(p)) ?? false;
}

export function exitStatus(cmd: readonly string[], exitCode: number): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export function errorStatus(message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

export function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

export interface ExecRequest {
  containerId: string;
  cmd: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Runs one exec over an accepted WebSocket until the command exits or the client leaves. */
export async function serveExec(ws: WebSocket, protocol: string, docker: Docker, req: ExecRequest): Promise<number | undefined> {
  let session: ExecSession;
  try {
    session = await docker.exec(req.containerId, { cmd: req.cmd, tty: req.tty, stdin: req.stdin, stdout: req.stdout, stderr: req.stderr && !req.tty });
  } catch (err) {
    ws.send(frame(CHANNEL.error, JSON.stringify(errorStatus(`error executing command in container: ${(err as Error).message}`))));
    ws.close(1000);
    return undefined;
  }
  let clientGone = false;
  ws.on('close', () => {
    clientGone = true;
    session.close();
  });
  ws.on('error', () => session.close());
  ws.on('message', (data: Buffer) => {
    if (!Buffer.isBuffer(data) || data.length === 0) return;
    const channel = data[0]!;
    const body = data.subarray(1);
    if (channel === CHANNEL.stdin && session.stdin) session.stdin.write(body);
    else if (channel === CHANNEL.resize) {
      try {
        const size = JSON.parse(body.toString('utf8')) as { Width?: number; Height?: number };
        if (size.Width && size.Height) void session.resize(size.Width, size.Height);
      } catch {
        // a malformed resize message is ignored, as upstream does
      }
    } else if (channel === CHANNEL.close && protocol.startsWith('v5') && body[0] === CHANNEL.stdin) {
      session.stdin?.end();
    }
  });
  const send = (channel: number) => (chunk: Buffer): void => {
    if (!clientGone) ws.send(frame(channel, chunk));
  };
  session.stdout.on('data', send(CHANNEL.stdout));
  session.stderr.on('data', send(CHANNEL.stderr));
  let code: number;
  try {
    code = await session.exitCode();
  } catch (err) {
    if (!clientGone) {
      ws.send(frame(CHANNEL.error, JSON.stringify(errorStatus((err as Error).message))));
      ws.close(1000);
    }
    return undefined;
  }
  if (!clientGone) {
    ws.send(frame(CHANNEL.error, JSON.stringify(exitStatus(req.cmd, code))));
    ws.close(1000);
  }
  return code;
}
