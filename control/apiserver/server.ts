/**
 * The API server: HTTPS only, authenticated, a fixed request pipeline
 *   TLS → authenticate (401) → route: health | version | discovery | openapi | metrics | OIDC issuer discovery
 *       | metrics.k8s.io | serviceaccounts/token | resources
 *       → handler → JSON or Status answer; errors never escape as anything but a Status.
 * build() wires dependencies without listening; start() listens. Tests build it in-process.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ApiError, errors } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import type { Store } from '../store/store.js';
import { buildAuthenticator, PUBLIC_PATHS } from './authn.js';
import type { StaticToken } from './pki.js';
import { parseResourcePath } from './request-info.js';
import { decodeBody, mediaType, readBody, sendError, sendJson } from './http-io.js';
import { buildServiceAccountTokenAuthenticator } from './serviceaccount/token-authenticator.js';
import { createServiceAccountToken, type TokenIssuer } from './serviceaccount/token-request.js';
import { restObjectLookup } from './serviceaccount/object-lookup.js';
import { JWKS_CONTENT_TYPE, JWKS_PATH, jwks, OPENID_CONFIGURATION_PATH, openidConfiguration } from './serviceaccount/oidc-discovery.js';
import { SELF_SUBJECT_REVIEWS_PATH, selfSubjectReview } from './authentication-api.js';
import type { UserInfo } from './user-info.js';
import { RestStorage } from './registry/rest.js';
import { NamespaceCache } from './registry/namespace-cache.js';
import type { Admission } from './registry/admission.js';
import { handleResource } from './handlers/resources.js';
import { proxyLogs, proxyUpgrade, type KubeletClientCert } from './kubelet-proxy.js';
import { METRICS_GROUP, parseMetricsPath, serveMetrics } from './metrics-api.js';
import {
  AGGREGATED_DISCOVERY_CONTENT_TYPE, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions,
  versionInfo, wantsAggregatedDiscovery,
} from './discovery.js';
import { OPENAPI_V2_PROTOBUF, openapiGroupVersion, openapiRoot, openapiV2Json, openapiV2Protobuf } from './openapi.js';
import { buildApiServerMetrics, type ApiServerMetrics } from './metrics.js';

export interface ApiServerDeps {
  store: Store;
  tls: { cert: string; key: string; ca: string };
  tokens: readonly StaticToken[];
  kubeletClient: KubeletClientCert;
  /** signs TokenRequest tokens and verifies service account bearer tokens */
  serviceAccounts: TokenIssuer;
  log: Logger;
  admission?: Admission[];
  now?: () => Date;
}

export interface ApiServerOptions {
  host: string;
  port: number;
}

export interface ApiServer {
  rest: RestStorage;
  metrics: ApiServerMetrics;
  start(opts: ApiServerOptions): Promise<AddressInfo>;
  stop(): Promise<void>;
}

export function buildApiServer(deps: ApiServerDeps): ApiServer {
  const now = deps.now ?? (() => new Date());
  const namespaces = new NamespaceCache(deps.store);
  const rest = new RestStorage({ store: deps.store, admission: deps.admission ?? [], now, namespaces });
  const objects = restObjectLookup(rest);
  const authn = buildAuthenticator(deps.tokens, buildServiceAccountTokenAuthenticator({
    publicKeys: [deps.serviceAccounts.key.publicKey], issuer: deps.serviceAccounts.issuer,
    audiences: deps.serviceAccounts.apiAudiences, objects, now,
  }), (reason) => deps.log.info({ reason }, 'service account token rejected'));
  const metrics = buildApiServerMetrics();
  let server: https.Server | undefined;
  let serverAddress = '127.0.0.1:6443';

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, user: UserInfo | undefined): Promise<string> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const accept = req.headers.accept;
    switch (path) {
      case '/healthz': case '/livez':
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        return 'health';
      case '/readyz':
        try {
          await deps.store.ping();
          res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
        } catch (err) {
          res.writeHead(503, { 'Content-Type': 'text/plain' }).end(`[-]etcd failed: ${(err as Error).message}\nreadyz check failed`);
        }
        return 'health';
      case '/version':
        sendJson(res, 200, versionInfo());
        return 'version';
      case '/metrics':
        res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(await metrics.registry.metrics());
        return 'metrics';
      case '/api':
      case '/apis':
        if (wantsAggregatedDiscovery(accept)) {
          sendJson(res, 200, aggregatedDiscovery(path === '/api' ? 'core' : 'apis'), { 'Content-Type': AGGREGATED_DISCOVERY_CONTENT_TYPE });
        } else {
          sendJson(res, 200, path === '/api' ? apiVersions(serverAddress) : apiGroupList());
        }
        return 'discovery';
      case '/openapi/v3':
        sendJson(res, 200, openapiRoot());
        return 'openapi';
      case OPENID_CONFIGURATION_PATH:
        sendJson(res, 200, openidConfiguration(deps.serviceAccounts.issuer, `https://${serverAddress}`));
        return 'openid';
      case JWKS_PATH:
        sendJson(res, 200, jwks([deps.serviceAccounts.key.publicKey]), { 'Content-Type': JWKS_CONTENT_TYPE });
        return 'openid';
      case SELF_SUBJECT_REVIEWS_PATH:
        if (req.method !== 'POST') throw errors.methodNotAllowed(`${req.method} is not supported on selfsubjectreviews`);
        await readBody(req);
        sendJson(res, 201, selfSubjectReview(user!, now()));
        return 'selfsubjectreviews';
      case '/openapi/v2':
        if (accept?.includes('application/json')) sendJson(res, 200, openapiV2Json());
        else res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF }).end(openapiV2Protobuf());
        return 'openapi';
    }
    if (path.startsWith('/openapi/v3/')) {
      const doc = openapiGroupVersion(path.slice('/openapi/v3/'.length));
      if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      sendJson(res, 200, doc);
      return 'openapi';
    }
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) {
      const list = apiResourceList('', parts[1]!);
      if (!list) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      sendJson(res, 200, list);
      return 'discovery';
    }
    if (parts[0] === 'apis' && (parts.length === 2 || parts.length === 3)) {
      const doc = parts.length === 2 ? apiGroup(parts[1]!) : apiResourceList(parts[1]!, parts[2]!);
      if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      sendJson(res, 200, doc);
      return 'discovery';
    }
    // metrics.k8s.io is computed from the kubelets, not stored: it never reaches the resource handlers.
    const metricsRequest = parseMetricsPath(path);
    if (metricsRequest) {
      const body = await serveMetrics({ rest, kubeletClient: deps.kubeletClient, now: now() }, req.method ?? 'GET', metricsRequest, url.searchParams);
      sendJson(res, 200, body);
      return `${metricsRequest.resource}.${METRICS_GROUP}`;
    }
    const ri = parseResourcePath(req.method ?? 'GET', path, url.searchParams);
    if (!ri) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const info = findResource(ri.group, ri.version, ri.resource);
    if (!info) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    if (ri.subresource === 'log' && info.resource === 'pods' && ri.verb === 'get') {
      await proxyLogs(rest, deps.kubeletClient, ri.namespace ?? '', ri.name ?? '', url.searchParams, res);
      return 'pods';
    }
    if (ri.subresource === 'token' && info.resource === 'serviceaccounts' && ri.name) {
      if (ri.verb !== 'create') throw errors.methodNotAllowed(`${req.method} is not supported on serviceaccounts/token`);
      const body = decodeBody(await readBody(req), mediaType(req));
      sendJson(res, 201, await createServiceAccountToken({ issuer: deps.serviceAccounts, objects, now: now() }, ri.namespace ?? '', ri.name, body));
      return 'serviceaccounts';
    }
    if (ri.verb === 'connect') {
      throw errors.badRequest(ri.subresource === 'portforward'
        ? 'portforward requires an upgrade (WebSocket with Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io, or Upgrade: SPDY/3.1)'
        : `${ri.subresource} requires a WebSocket upgrade (Sec-WebSocket-Protocol: v5.channel.k8s.io)`);
    }
    await handleResource({
      req, res, query: url.searchParams, info, ri, rest, now,
      watchOpened: () => metrics.watchers.inc({ resource: info.resource }),
      watchClosed: () => metrics.watchers.dec({ resource: info.resource }),
    });
    return info.resource;
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? '/', 'https://localhost');
    let resource = 'unknown';
    const verb = url.searchParams.get('watch') === 'true' ? 'WATCH' : req.method ?? 'GET';
    try {
      const path = url.pathname.replace(/\/+$/, '') || '/';
      const user = PUBLIC_PATHS.has(path) || path === '/metrics' ? undefined : await authn.authenticate(req);
      if (!PUBLIC_PATHS.has(path) && path !== '/metrics' && !user) {
        throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      }
      resource = await route(req, res, url, user);
    } catch (err) {
      if (!(err instanceof ApiError)) deps.log.error({ err, method: req.method, url: req.url }, 'request failed');
      sendError(res, err);
    } finally {
      const code = String(res.statusCode);
      metrics.requests.inc({ verb, resource, code });
      if (verb !== 'WATCH') metrics.latency.observe({ verb, resource }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  async function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    try {
      if (!(await authn.authenticate(req))) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
      const ri = parseResourcePath(req.method ?? 'GET', url.pathname, url.searchParams);
      if (!ri || ri.resource !== 'pods' || ri.group !== '' || !ri.name || !['exec', 'attach', 'portforward'].includes(ri.subresource ?? '')) {
        throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      }
      await proxyUpgrade(rest, deps.kubeletClient, req, socket, head, ri.namespace ?? '', ri.name, ri.subresource!, url.searchParams);
    } catch (err) {
      const status = err instanceof ApiError ? err : errors.internal((err as Error).message);
      const text = JSON.stringify(status.toStatus());
      socket.end(`HTTP/1.1 ${status.code} ${status.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    }
  }

  return {
    rest,
    metrics,
    async start(opts) {
      namespaces.start();
      server = https.createServer({
        cert: deps.tls.cert, key: deps.tls.key, ca: deps.tls.ca,
        requestCert: true, rejectUnauthorized: false, keepAliveTimeout: 65_000,
      }, (req, res) => void onRequest(req, res));
      server.on('upgrade', (req, socket, head) => void onUpgrade(req, socket, head));
      server.headersTimeout = 60_000;
      server.requestTimeout = 0; // watches and log streams are long-lived
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(opts.port, opts.host, () => resolve());
      });
      const addr = server.address() as AddressInfo;
      serverAddress = `${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${addr.port}`;
      return addr;
    },
    async stop() {
      namespaces.stop();
      if (!server) return;
      const s = server;
      server = undefined;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
