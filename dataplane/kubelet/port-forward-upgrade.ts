/**
 * Accepting kubectl's port-forward upgrade in both forms kubectl 1.32 tries, in this order
 * (client-go tools/portforward: a tunneling dialer, then the SPDY dialer after an upgrade failure):
 *
 * 1. GET with `Upgrade: websocket` and `Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io`
 *    (KEP-4006). The 101 must name that subprotocol: kubectl strips the `SPDY/3.1+` prefix and
 *    refuses anything but portforward.k8s.io. SPDY then travels inside binary messages, split
 *    wherever kubectl's framer happened to write, so the messages are joined into one byte stream.
 * 2. POST with `Upgrade: SPDY/3.1` and `X-Stream-Protocol-Version: portforward.k8s.io`
 *    (`KUBECTL_PORT_FORWARD_WEBSOCKETS=false`, or a refused WebSocket). client-go's SPDY round
 *    tripper wants 101 with `Connection: Upgrade` and `Upgrade: SPDY/3.1`, and reads the protocol
 *    from `X-Stream-Protocol-Version`. A client offering only other versions gets 403, as
 *    apimachinery's httpstream.Handshake answers; one offering none is served (pre-1.x clients).
 * Either way the result is a Duplex of SPDY bytes for servePortForward.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { PORT_FORWARD_PROTOCOL } from './port-forward.js';

export const TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
export const SPDY_UPGRADE = 'SPDY/3.1';

export type PortForwardUpgrade =
  | { kind: 'websocket' }
  | { kind: 'spdy'; protocol: string | undefined }
  | { kind: 'refused'; code: number; reason: string; message: string };

function offered(req: IncomingMessage, header: string): string[] {
  const raw = req.headers[header];
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** Which upgrade a request asks for, and whether we can give it (pure: headers only). */
export function choosePortForwardUpgrade(req: IncomingMessage): PortForwardUpgrade {
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  if (upgrade === 'websocket') {
    if (offered(req, 'sec-websocket-protocol').includes(TUNNEL_PROTOCOL)) return { kind: 'websocket' };
    return { kind: 'refused', code: 400, reason: 'BadRequest', message: `port-forward over WebSocket needs the subprotocol ${TUNNEL_PROTOCOL}` };
  }
  if (upgrade === SPDY_UPGRADE.toLowerCase()) {
    const versions = offered(req, 'x-stream-protocol-version');
    if (!versions.length) return { kind: 'spdy', protocol: undefined };
    if (versions.includes(PORT_FORWARD_PROTOCOL)) return { kind: 'spdy', protocol: PORT_FORWARD_PROTOCOL };
    return {
      kind: 'refused', code: 403, reason: 'Forbidden',
      message: `unable to upgrade: unable to negotiate protocol: client supports [${versions.join(' ')}], server accepts [${PORT_FORWARD_PROTOCOL}]`,
    };
  }
  return { kind: 'refused', code: 400, reason: 'BadRequest', message: `port-forward needs an upgrade to websocket (${TUNNEL_PROTOCOL}) or ${SPDY_UPGRADE}` };
}

/** Answers a plain SPDY upgrade; the socket carries SPDY from here on. */
export function acceptSpdyUpgrade(socket: Duplex, head: Buffer, protocol: string | undefined): Duplex {
  socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n' +
    `Upgrade: ${SPDY_UPGRADE}\r\n${protocol ? `X-Stream-Protocol-Version: ${protocol}\r\n` : ''}\r\n`);
  if (head.length) socket.unshift(head);
  return socket;
}

/**
 * `ws` refuses TUNNEL_PROTOCOL as a subprotocol: '/' is not a token character (RFC 7230 §3.2.6),
 * and Go's gorilla/websocket does not mind. So the offer is renamed to this valid token before
 * `ws` parses it, and the name is put back in the 101 through the documented 'headers' hook.
 */
const TUNNEL_TOKEN = 'spdy-3.1.portforward.k8s.io';

/** A WebSocket server for the tunnel: it only ever agrees to TUNNEL_PROTOCOL. */
export function tunnelServer(): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(TUNNEL_TOKEN) ? TUNNEL_TOKEN : false),
  });
  wss.on('headers', (headers) => {
    const i = headers.indexOf(`Sec-WebSocket-Protocol: ${TUNNEL_TOKEN}`);
    if (i >= 0) headers[i] = `Sec-WebSocket-Protocol: ${TUNNEL_PROTOCOL}`;
  });
  return wss;
}

/**
 * Completes the WebSocket handshake of a request choosePortForwardUpgrade accepted; resolves with
 * the joined byte stream of its binary messages.
 */
/** The tunnel, or undefined when the socket closes first (ws then never calls back). */
export function acceptTunnel(wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<Duplex | undefined> {
  req.headers['sec-websocket-protocol'] = TUNNEL_TOKEN;
  return new Promise((resolve) => {
    socket.once('close', () => resolve(undefined));
    wss.handleUpgrade(req, socket, head, (ws) => resolve(createWebSocketStream(ws)));
  });
}
