/**
 * ConfigMap and Secret validation (pkg/apis/core/validation/config_maps.go, secrets.go): data
 * keys, size limits, the per-type required keys of Secrets, and `immutable: true`.
 */
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { GoRepr, fieldErrors, key } from './field-error.js';
import { type JsonRecord, isRecord, jsonEqual, rec, str } from './json-shape.js';
import { isConfigMapKey } from './names.js';

/** 1 MiB: the limit on a ConfigMap's or Secret's total data. */
export const MAX_SECRET_SIZE = 1024 * 1024;

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function dataKeys(errs: FieldError[], data: JsonRecord | undefined, field: string): void {
  for (const k of Object.keys(data ?? {}).sort()) for (const m of isConfigMapKey(k)) errs.push(fieldErrors.invalid(key(field, k), k, m));
}

export function validateConfigMap(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = rec(obj.data);
  const binary = rec(obj.binaryData);
  dataKeys(errs, data, 'data');
  dataKeys(errs, binary, 'binaryData');
  let total = 0;
  for (const k of Object.keys(data ?? {}).sort()) {
    const v = data![k];
    if (typeof v !== 'string') errs.push(fieldErrors.invalid(key('data', k), v, 'must be a string'));
    else total += Buffer.byteLength(v);
    if (binary && k in binary) errs.push(fieldErrors.invalid(key('data', k), k, 'duplicate of key present in binaryData'));
  }
  for (const v of Object.values(binary ?? {})) if (typeof v === 'string') total += Buffer.from(v, 'base64').length;
  if (total > MAX_SECRET_SIZE) errs.push(fieldErrors.tooLong('', MAX_SECRET_SIZE));
  return errs;
}

/** Both kinds: once `immutable: true` is stored, the flag and the data are frozen. */
export function validateImmutableData(next: KubeObject, prev: KubeObject): FieldError[] {
  if (prev.immutable !== true) return [];
  const errs: FieldError[] = [];
  if (next.immutable !== true) errs.push(fieldErrors.forbidden('immutable', 'field is immutable when `immutable` is set'));
  if (!jsonEqual(next.data, prev.data)) errs.push(fieldErrors.forbidden('data', 'field is immutable when `immutable` is set'));
  if ('binaryData' in prev || 'binaryData' in next) {
    if (!jsonEqual(next.binaryData, prev.binaryData)) errs.push(fieldErrors.forbidden('binaryData', 'field is immutable when `immutable` is set'));
  }
  return errs;
}

const REDACTED = new GoRepr('"<secret contents redacted>"');

function decoded(data: JsonRecord | undefined, k: string): Buffer | undefined {
  const v = data?.[k];
  return typeof v === 'string' && BASE64_RE.test(v) ? Buffer.from(v, 'base64') : undefined;
}

export function validateSecret(obj: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const data = rec(obj.data);
  dataKeys(errs, data, 'data');
  let total = 0;
  for (const k of Object.keys(data ?? {}).sort()) {
    const v = data![k];
    if (typeof v !== 'string' || !BASE64_RE.test(v)) errs.push(fieldErrors.invalid(key('data', k), REDACTED, 'illegal base64 data'));
    else total += Buffer.from(v, 'base64').length;
  }
  if (total > MAX_SECRET_SIZE) errs.push(fieldErrors.tooLong('data', MAX_SECRET_SIZE));
  const has = (k: string) => data !== undefined && k in data;
  switch (str(obj.type)) {
    case 'kubernetes.io/service-account-token':
      if (!obj.metadata.annotations?.['kubernetes.io/service-account.name']) {
        errs.push(fieldErrors.required(key('metadata.annotations', 'kubernetes.io/service-account.name')));
      }
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const k = obj.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(k)) {
        errs.push(fieldErrors.required(key('data', k)));
        break;
      }
      try {
        const parsed: unknown = JSON.parse(decoded(data, k)?.toString('utf8') ?? '');
        if (!isRecord(parsed)) throw new Error('not an object');
      } catch (err) {
        errs.push(fieldErrors.invalid(key('data', k), REDACTED, (err as Error).message));
      }
      break;
    }
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(fieldErrors.required(key('data', 'username')), fieldErrors.required(key('data', 'password')));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!decoded(data, 'ssh-privatekey')?.length) errs.push(fieldErrors.required(key('data', 'ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(fieldErrors.required(key('data', 'tls.crt')));
      if (!has('tls.key')) errs.push(fieldErrors.required(key('data', 'tls.key')));
      break;
  }
  return errs;
}

export function validateSecretUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  if (str(next.type) !== str(prev.type)) errs.push(fieldErrors.invalid('type', str(next.type), 'field is immutable'));
  errs.push(...validateImmutableData(next, prev));
  return errs;
}
