/**
 * `kubectl port-forward` on a SPDY session (subprotocol portforward.k8s.io), served the way the
 * kubelet's httpstream handler (pkg/kubelet/cri/streaming/portforward/httpstream.go) serves it:
 *
 * - every local connection kubectl accepts becomes two streams with the headers
 *   `streamtype: error|data`, `port: N`, `requestid: K` (kubectl opens the error stream first and
 *   half-closes it at once: only we write on it). Streams without a valid port or type, or a
 *   second stream of one type for a request, are refused. A request whose other stream does not
 *   arrive within 30 s is answered "timed out waiting for streams" and dropped;
 * - for a complete pair the kubelet dials podIP:port from the node (the agent runs in the node's
 *   network namespace, which routes to every local pod); upstream dials localhost inside the pod's
 *   namespace instead, so a server bound to 127.0.0.1 in the pod is not reachable here;
 * - a failed dial is reported on the error stream as
 *   `error forwarding port P to pod NAME_NAMESPACE, uid UID: dial tcp4 IP:P: connect: connection refused`,
 *   which kubectl prints as `an error occurred forwarding L -> P: …` (and since kubectl 1.23 it
 *   then closes the whole session and exits with "lost connection to pod");
 * - bytes are relayed both ways. The client's FIN half-closes the pod connection, and the pod may
 *   go on answering for as long as it keeps sending; once it has been silent for
 *   HALF_CLOSED_IDLE_MS the pair is closed. (containerd closes 1 s after the client's FIN whatever
 *   is still in flight, which cuts long answers to `nc -N`-style clients; a pod that ignores the
 *   FIN must still not hold the connection for the session's lifetime.) The pod's FIN ends both
 *   streams. A reset by the pod resets the data stream without an
 *   error message: an established connection dropping is the app's business, and reporting it
 *   would make kubectl give up on every other connection as well;
 * - when the session goes (kubectl killed, the relay cut) every pod connection is destroyed.
 */
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { RST } from './spdy-frames.js';
import { SpdySession, type SpdyStream } from './spdy-session.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const STREAM_CREATION_TIMEOUT_MS = 30_000;
export const HALF_CLOSED_IDLE_MS = 10_000;
export const CONNECT_TIMEOUT_MS = 10_000;

/** The pod a session forwards to, as the kubelet found it running. */
export interface PortForwardTarget {
  namespace: string;
  name: string;
  uid: string;
  ip: string;
}

export interface PortForwardLog {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PortForwardOptions {
  target: PortForwardTarget;
  log: PortForwardLog;
  /** opens the connection to the pod; net.connect by default (tests inject) */
  dial?: (host: string, port: number) => net.Socket;
  /** called with +1 when a pod connection opens and -1 when it is gone (a gauge) */
  onConnection?: (delta: 1 | -1) => void;
  streamCreationTimeoutMs?: number;
  halfClosedIdleMs?: number;
  connectTimeoutMs?: number;
}

interface StreamPair {
  requestId: string;
  error?: SpdyStream;
  data?: SpdyStream;
  timer?: NodeJS.Timeout;
}

/** Reads and checks the headers every port-forward stream must carry; throws the refusal. */
export function streamHeaders(stream: Pick<SpdyStream, 'header'>): { type: 'error' | 'data'; port: number } {
  const portText = stream.header('port');
  if (!portText) throw new Error('"port" header is required');
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!Number.isInteger(port) || port > 65535) throw new Error(`unable to parse "${portText}" as a port`);
  if (port < 1) throw new Error(`port "${portText}" must be > 0`);
  const type = stream.header('streamtype');
  if (!type) throw new Error('"streamType" header is required');
  if (type !== 'error' && type !== 'data') throw new Error(`invalid stream type "${type}"`);
  return { type, port };
}

/**
 * The request a stream belongs to: its `requestid` header, or for clients older than that header
 * upstream's guess from consecutive stream ids (error = id, data = id - 2).
 */
export function requestIdOf(stream: Pick<SpdyStream, 'header' | 'id'>, type: 'error' | 'data'): string {
  return stream.header('requestid') ?? String(type === 'error' ? stream.id : stream.id - 2);
}

const GO_ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused', EHOSTUNREACH: 'no route to host', ENETUNREACH: 'network is unreachable',
  ETIMEDOUT: 'connection timed out', ECONNRESET: 'connection reset by peer',
};

/** A dial failure in the words Go's net package uses, which is what kubectl users know. */
export function dialErrorText(ip: string, port: number, err: NodeJS.ErrnoException): string {
  if (err.code === 'TUG_DIAL_TIMEOUT') return `dial tcp4 ${ip}:${port}: i/o timeout`;
  const text = (err.code && GO_ERRNO_TEXT[err.code]) ?? err.message;
  return `dial tcp4 ${ip}:${port}: connect: ${text}`;
}

/** Serves one upgraded connection until it closes; returns the session (for tests and counting). */
export function servePortForward(transport: Duplex, opts: PortForwardOptions): SpdySession {
  const { target, log } = opts;
  const pairs = new Map<string, StreamPair>();
  const who = { pod: `${target.namespace}/${target.name}` };

  const dropPair = (pair: StreamPair): void => {
    clearTimeout(pair.timer);
    if (pairs.get(pair.requestId) === pair) pairs.delete(pair.requestId);
  };

  const session = new SpdySession(transport, {
    onProblem: (message, code) => log.warn({ ...who, code }, `port-forward: ${message}`),
    onStream(stream) {
      const { type } = streamHeaders(stream);
      const requestId = requestIdOf(stream, type);
      let pair = pairs.get(requestId);
      if (pair?.[type]) throw new Error(`${type} stream already assigned for request ${requestId}`);
      if (!pair) {
        const created: StreamPair = { requestId };
        created.timer = setTimeout(() => {
          dropPair(created);
          created.error?.write(`(request=${requestId}) timed out waiting for streams`);
          created.error?.end();
          created.data?.reset();
        }, opts.streamCreationTimeoutMs ?? STREAM_CREATION_TIMEOUT_MS);
        pairs.set(requestId, (pair = created));
      }
      const complete = pair;
      complete[type] = stream;
      // a stream of an incomplete request that goes away takes the request with it
      stream.once('close', () => {
        if (!(complete.error && complete.data)) dropPair(complete);
      });
      if (complete.error && complete.data) {
        dropPair(complete);
        // anything forward() writes waits for the SYN_REPLY the session sends once we return
        forward(complete.error, complete.data);
      }
    },
  });

  function forward(errorStream: SpdyStream, dataStream: SpdyStream): void {
    if (errorStream.isClosed && dataStream.isClosed) return;
    const port = streamHeaders(dataStream).port;
    const sock = (opts.dial ?? ((h, p) => net.connect({ host: h, port: p })))(target.ip, port);
    sock.setNoDelay(true);
    opts.onConnection?.(1);
    let connected = false;
    let releaseInput: (() => void) | undefined;
    const connectTimer = setTimeout(() => sock.destroy(Object.assign(new Error('i/o timeout'), { code: 'TUG_DIAL_TIMEOUT' })), opts.connectTimeoutMs ?? CONNECT_TIMEOUT_MS);

    /** ends both streams; `message` (a failed dial) goes to the error stream first */
    const finishStreams = (message?: string): void => {
      if (message) errorStream.write(message);
      errorStream.end();
      dataStream.end();
    };

    sock.once('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      log.debug({ ...who, port, request: dataStream.header('requestid') }, 'port-forward connection open');
    });
    dataStream.on('data', (chunk) => {
      if (sock.destroyed || sock.writableEnded) return;
      if (!sock.write(chunk) && !releaseInput) {
        releaseInput = session.holdInput();
        sock.once('drain', () => {
          releaseInput?.();
          releaseInput = undefined;
        });
      }
    });
    dataStream.on('end', () => {
      if (sock.destroyed) return;
      sock.end();
      sock.setTimeout(opts.halfClosedIdleMs ?? HALF_CLOSED_IDLE_MS, () => {
        sock.destroy();
        finishStreams();
      });
    });
    // the client reset the stream, or the session is gone: the pod connection goes too
    dataStream.on('close', (reason) => {
      if (reason !== 'done') sock.destroy();
    });
    dataStream.resume();
    errorStream.resume(); // kubectl sends nothing on it but its FIN
    sock.on('data', (chunk: Buffer) => {
      if (!dataStream.write(chunk)) {
        sock.pause();
        session.once('drain', () => sock.resume());
      }
    });
    sock.on('end', () => finishStreams());
    sock.on('error', (err: NodeJS.ErrnoException) => {
      if (!connected) {
        const message = `error forwarding port ${port} to pod ${target.name}_${target.namespace}, uid ${target.uid}: ${dialErrorText(target.ip, port, err)}`;
        log.debug({ ...who, port, err: err.message }, 'port-forward dial failed');
        finishStreams(message);
      } else {
        errorStream.end();
        dataStream.reset(RST.cancel);
      }
    });
    sock.on('close', () => {
      clearTimeout(connectTimer);
      releaseInput?.();
      opts.onConnection?.(-1);
      if (connected) finishStreams(); // idempotent: whatever ended the socket may have done it already
    });
  }

  return session;
}
