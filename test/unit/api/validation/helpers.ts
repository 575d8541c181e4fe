/** Shared fixtures for the validation tests: defaulted objects of each kind, and a runner. */
import { applyDefaults } from '../../../../control/api/defaults/index.js';
import type { FieldError } from '../../../../control/api/errors.js';
import type { KubeObject } from '../../../../control/api/object.js';
import { findResource, type ResourceInfo } from '../../../../control/api/resources.js';
import { validate } from '../../../../control/api/validation/index.js';

export function info(group: string, resource: string): ResourceInfo {
  const r = findResource(group, group === '' ? 'v1' : group === 'autoscaling' ? 'v2' : 'v1', resource);
  if (!r) throw new Error(`no resource ${group}/${resource}`);
  return r;
}

/** Defaults then validates, as the API server does; returns "field: message" lines. */
export function check(group: string, resource: string, obj: KubeObject, old?: KubeObject): string[] {
  const o = structuredClone(obj);
  applyDefaults(info(group, resource), o);
  return validate(info(group, resource), o, old).map((e) => `${e.field}: ${e.message}`);
}

export function checkErrors(group: string, resource: string, obj: KubeObject, old?: KubeObject): FieldError[] {
  const o = structuredClone(obj);
  applyDefaults(info(group, resource), o);
  return validate(info(group, resource), o, old);
}

export function defaulted(group: string, resource: string, obj: KubeObject): KubeObject {
  const o = structuredClone(obj);
  applyDefaults(info(group, resource), o);
  return o;
}

export function pod(spec: Record<string, unknown>, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { metadata: { name: 'p', namespace: 'default', ...meta }, spec };
}

export function container(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'app', image: 'nginx:1.27', ...extra };
}

export function deployment(spec: Record<string, unknown> = {}, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    metadata: { name: 'web', namespace: 'default', ...meta },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container()] } },
      ...spec,
    },
  };
}
