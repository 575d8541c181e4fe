/**
 * The remotecommand WebSocket protocol (v5.channel.k8s.io, and v4.channel.k8s.io without the
 * close channel) for both exec and attach — notes/kubectl-api-surface.md §5.12:
 *   binary messages, first byte = channel: 0 stdin (client→), 1 stdout, 2 stderr,
 *   3 error/status (a Status JSON), 4 resize ({"Width","Height"}),
 *   255 close (v5: [255, channel] = that stream reached EOF; [255, 0] ends stdin).
 * One relay (`relaySession`) moves bytes between the socket and a Docker stream session; exec
 * and attach differ only in how the session is opened and in the final status: exec reports the
 * command's exit code (NonZeroExitCode), attach always reports Success when the output ended, as
 * upstream's ServeAttach does (the exit code of the main process is the pod's status, which
 * `kubectl run` reads). Either way the session ends with the status on channel 3, then a normal
 * WebSocket close.
 */
import type { Writable } from 'node:stream';
import type { WebSocket } from 'ws';
import type { AttachSpec, Docker, ExecSpec, StreamSession } from './docker.js';

export const SUPPORTED_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

type Status = Record<string, unknown>;

/** The protocol to answer with for the client's offer (kubectl 1.32 offers v5 only). */
export function chooseProtocol(offered: Iterable<string>): string | false {
  const set = new Set(offered);
  return SUPPORTED_PROTOCOLS.find((p) => set.has(p)) ?? false;
}

export const SUCCESS: Status = { metadata: {}, status: 'Success' };

export function exitStatus(cmd: readonly string[], exitCode: number): Status {
  if (exitCode === 0) return SUCCESS;
  return {
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${cmd.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export function errorStatus(message: string): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

export function frame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return Buffer.concat([Buffer.from([channel]), body]);
}

export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/**
 * The streams a request asks for, as upstream's kubelet reads them: a stream is wanted only when
 * its parameter is true (kubectl leaves unwanted ones out), stderr is dropped with a TTY (the
 * terminal merges it into stdout), and at least one stream is required. A string is the error.
 */
export function streamOptions(query: URLSearchParams): StreamOptions | string {
  const on = (name: string): boolean => ['true', '1'].includes(query.get(name) ?? '');
  const tty = on('tty');
  const opts = { stdin: on('stdin'), stdout: on('stdout'), stderr: on('stderr') && !tty, tty };
  if (!opts.stdin && !opts.stdout && !opts.stderr) return 'you must specify at least 1 of stdin, stdout, stderr';
  return opts;
}

/** A resize message's size, or undefined for anything malformed (ignored, as upstream does). */
export function parseResize(body: Buffer): { width: number; height: number } | undefined {
  try {
    const size = JSON.parse(body.toString('utf8')) as { Width?: unknown; Height?: unknown };
    const width = Number(size.Width);
    const height = Number(size.Height);
    return Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Resizes of one session, applied one after the other: kubectl attach sends size+1 then size to
 * force a redraw, and two Docker resize calls in flight may land in either order.
 */
const resizing = new WeakMap<StreamSession, Promise<void>>();

function resizeInOrder(session: StreamSession, width: number, height: number): void {
  const next = (resizing.get(session) ?? Promise.resolve()).then(() => session.resize(width, height)).catch(() => undefined);
  resizing.set(session, next);
}

/** Applies one client message to the session: stdin bytes, a resize, or (v5) the end of stdin. */
function deliver(protocol: string, session: StreamSession, data: Buffer): void {
  const channel = data[0]!;
  const body = data.subarray(1);
  if (channel === CHANNEL.stdin) {
    // a client that keeps typing after it closed stdin must not make the stream throw
    if (session.stdin && !(session.stdin as Writable).writableEnded) session.stdin.write(body);
  }
  else if (channel === CHANNEL.resize) {
    const size = parseResize(body);
    if (size) resizeInOrder(session, size.width, size.height);
  } else if (channel === CHANNEL.close && protocol.startsWith('v5') && body[0] === CHANNEL.stdin) {
    session.stdin?.end();
  }
}

/** Ends the exchange the way kubectl expects: the status on channel 3, then a normal close. */
function finish(ws: WebSocket, status: Status): void {
  if (ws.readyState !== ws.OPEN) return;
  ws.send(frame(CHANNEL.error, JSON.stringify(status)));
  ws.close(1000);
}

/**
 * Opens a session for an accepted WebSocket and relays it: stdin and resize in, stdout and
 * stderr out. The client is listened to from the start, because kubectl sends piped stdin (and
 * its EOF) right after the upgrade, while Docker is still opening the session; those messages
 * are queued, not lost. Resolves with the session once its output ended and was all sent;
 * undefined when the client left first or the session could not be opened (reported on channel 3).
 */
export async function relaySession<S extends StreamSession>(ws: WebSocket, protocol: string, open: () => Promise<S>, openFailed: (err: Error) => Status): Promise<S | undefined> {
  const queued: Buffer[] = [];
  let session: S | undefined;
  let clientGone = false;
  const left = new Promise<undefined>((resolve) => {
    ws.on('close', () => {
      clientGone = true;
      session?.close();
      resolve(undefined);
    });
  });
  ws.on('error', () => session?.close());
  ws.on('message', (data: Buffer) => {
    if (!Buffer.isBuffer(data) || data.length === 0) return;
    if (session) deliver(protocol, session, data);
    else queued.push(data);
  });
  let opened: S;
  try {
    opened = await open();
  } catch (err) {
    finish(ws, openFailed(err as Error));
    return undefined;
  }
  session = opened;
  if (clientGone) {
    opened.close();
    return undefined;
  }
  for (const data of queued.splice(0)) deliver(protocol, opened, data);
  const send = (channel: number) => (chunk: Buffer): void => {
    if (!clientGone) ws.send(frame(channel, chunk));
  };
  opened.stdout.on('data', send(CHANNEL.stdout));
  opened.stderr.on('data', send(CHANNEL.stderr));
  return Promise.race([opened.ended().then(() => (clientGone ? undefined : opened)), left]);
}

/** Runs one exec over an accepted WebSocket until the command exits or the client leaves. */
export async function serveExec(ws: WebSocket, protocol: string, docker: Docker, containerId: string, spec: ExecSpec): Promise<number | undefined> {
  const session = await relaySession(ws, protocol, () => docker.exec(containerId, spec),
    (err) => errorStatus(`error executing command in container: ${err.message}`));
  if (!session) return undefined;
  try {
    const code = await session.exitCode();
    finish(ws, exitStatus(spec.cmd, code));
    return code;
  } catch (err) {
    finish(ws, errorStatus((err as Error).message));
    return undefined;
  }
}

/**
 * Joins the container's main process over an accepted WebSocket until its output ends (it
 * exited, or stdin EOF detached it) or the client leaves. Resolves true when it ended normally.
 */
export async function serveAttach(ws: WebSocket, protocol: string, docker: Docker, containerId: string, spec: AttachSpec): Promise<boolean> {
  const session = await relaySession(ws, protocol, () => docker.attach(containerId, spec),
    (err) => errorStatus(`error attaching to container: ${err.message}`));
  if (session) finish(ws, SUCCESS);
  return session !== undefined;
}
