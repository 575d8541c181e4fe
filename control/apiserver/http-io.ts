/**
 * Reading request bodies and writing responses: the size limit (3 MiB → 413, like
 * kube-apiserver's maxRequestBodyBytes), content-type decoding (JSON, YAML for apply patches,
 * Kubernetes protobuf for `kubectl create <generator>`), and JSON/Status answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, errors } from '../api/errors.js';
import { decodeProtobufObject } from '../api/protobuf/index.js';

export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(): ApiError {
  return new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than ${MAX_BODY_BYTES} bytes`);
}

export function mediaType(req: IncomingMessage): string {
  const ct = req.headers['content-type'];
  // kubectl scale --current-replicas sends PUT …/scale with no Content-Type (notes P7): JSON.
  if (!ct) return 'application/json';
  return ct.split(';')[0]!.trim().toLowerCase();
}

/** Decodes a body into a JSON value according to its media type. */
export function decodeBody(body: Buffer, type: string): unknown {
  if (body.length === 0) return undefined;
  switch (type) {
    case 'application/json':
    case 'application/merge-patch+json':
    case 'application/strategic-merge-patch+json':
    case 'application/json-patch+json':
    case '*/*':
      return parseJson(body);
    case 'application/yaml':
    case 'application/apply-patch+yaml':
      return parseYamlBody(body);
    case 'application/vnd.kubernetes.protobuf':
      return decodeProtobufObject(body);
    default:
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`);
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`the body of the request could not be parsed as JSON: ${(err as Error).message}`);
  }
}

function parseYamlBody(body: Buffer): unknown {
  try {
    return parseYaml(body.toString('utf8'), { uniqueKeys: true });
  } catch (err) {
    throw errors.badRequest(`error decoding YAML: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, code: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const apiErr = err instanceof ApiError ? err : errors.internal((err as Error)?.message ?? String(err));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  if (apiErr.code === 401) headers['WWW-Authenticate'] = 'Bearer realm="tugboat"';
  if (apiErr.details?.retryAfterSeconds) headers['Retry-After'] = String(apiErr.details.retryAfterSeconds);
  sendJson(res, apiErr.code, apiErr.toStatus(), headers);
}

/**
 * Adds a `Warning: 299 - "<text>"` response header, as kube-apiserver sends warnings (kubectl
 * prints `Warning: <text>`); a text already added is not repeated. The quoted text goes out as
 * UTF-8 bytes (Node writes header strings as latin1), which is what Go's %q leaves unescaped.
 */
export function addWarning(res: ServerResponse, text: string): void {
  const value = Buffer.from(`299 - ${JSON.stringify(text)}`, 'utf8').toString('latin1');
  const current = res.getHeader('Warning');
  const values = current === undefined ? [] : Array.isArray(current) ? current : [String(current)];
  if (!values.includes(value) && !res.headersSent) res.setHeader('Warning', [...values, value]);
}

/** True when the Accept header asks for a meta.k8s.io Table (kubectl get). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => /as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}
