/**
 * The resource endpoints: one function per verb over RestStorage, plus the subresources every
 * workflow in the notes needs (status, scale, binding, eviction, namespace finalize). Log/exec are proxied
 * to kubelets by kubelet-proxy.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../../api/object.js';
import { ApiError, errors } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/resources.js';
import { groupVersion } from '../../api/resources.js';
import { formatLabelSelector, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../../api/selectors.js';
import type { RestStorage, PatchType, DeleteOptions } from '../registry/rest.js';
import type { ResourceRequest } from '../request-info.js';
import { addWarning, decodeBody, mediaType, readBody, sendJson, wantsTable } from '../http-io.js';
import { parseFieldValidation } from '../registry/field-validation.js';
import { toTable } from '../tables/index.js';
import { serveWatch } from '../watch.js';
import { evictPod, type EvictionRequest } from './eviction.js';

export interface ResourceContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  info: ResourceInfo;
  ri: ResourceRequest;
  rest: RestStorage;
  now: () => Date;
  watchOpened?: () => void;
  watchClosed?: () => void;
}

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

type IncludeObject = 'None' | 'Metadata' | 'Object';

function includeObject(query: URLSearchParams): IncludeObject {
  const v = query.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

function buildMatcher(info: ResourceInfo, query: URLSearchParams): (o: KubeObject) => boolean {
  const ls = query.get('labelSelector');
  const fs = query.get('fieldSelector');
  const labelSel = ls ? parseLabelSelector(ls) : undefined;
  const fieldSel = fs ? parseFieldSelector(fs, info) : undefined;
  return (o) => (!labelSel || matchesLabels(labelSel, o.metadata.labels ?? {})) && (!fieldSel || matchesFields(fieldSel, o));
}

/** Like kube-apiserver, a write without fieldManager is attributed to the User-Agent's product name. */
function defaultFieldManager(userAgent: string | undefined): string {
  return (userAgent ?? 'unknown').split('/')[0]!.trim().slice(0, 128) || 'unknown';
}

function writeOptions(ctx: ResourceContext, subresource?: string) {
  return {
    dryRun: ctx.query.getAll('dryRun').includes('All'),
    fieldManager: ctx.query.get('fieldManager') ?? defaultFieldManager(ctx.req.headers['user-agent']),
    subresource,
    fieldValidation: {
      directive: parseFieldValidation(ctx.query, ctx.ri.verb),
      warn: (text: string) => addWarning(ctx.res, text),
    },
  };
}

async function body(ctx: ResourceContext): Promise<unknown> {
  const raw = await readBody(ctx.req);
  const value = decodeBody(raw, mediaType(ctx.req));
  if (value === undefined) throw errors.badRequest('the request body is empty');
  return value;
}

function answer(ctx: ResourceContext, code: number, obj: KubeObject): void {
  if (wantsTable(ctx.req.headers.accept) && ctx.req.method === 'GET') {
    sendJson(ctx.res, code, toTable(ctx.info, [obj], { includeObject: includeObject(ctx.query), now: ctx.now(), resourceVersion: obj.metadata.resourceVersion ?? '' }));
    return;
  }
  sendJson(ctx.res, code, obj);
}

export async function handleResource(ctx: ResourceContext): Promise<void> {
  const { ri, info, rest, query } = ctx;
  if (info.namespaced && ri.name === undefined && ri.verb !== 'list' && ri.verb !== 'watch' && ri.verb !== 'deletecollection' && !ri.namespace) {
    throw errors.notFound(info.resource, info.group, '');
  }
  if (ri.subresource) return handleSubresource(ctx);
  switch (ri.verb) {
    case 'get':
      return answer(ctx, 200, await rest.get(info, ri.namespace, ri.name!));
    case 'list': {
      const matches = buildMatcher(info, query);
      const { items, revision } = await rest.list(info, ri.namespace);
      const selected = items.filter(matches);
      if (wantsTable(ctx.req.headers.accept)) {
        sendJson(ctx.res, 200, toTable(info, selected, { includeObject: includeObject(query), now: ctx.now(), resourceVersion: String(revision) }));
      } else {
        sendJson(ctx.res, 200, { apiVersion: groupVersion(info), kind: info.listKind, metadata: { resourceVersion: String(revision) }, items: selected });
      }
      return;
    }
    case 'watch': {
      const matches = buildMatcher(info, query);
      const table = wantsTable(ctx.req.headers.accept);
      const include = includeObject(query);
      const timeout = query.get('timeoutSeconds');
      await serveWatch(rest.store, ctx.res, {
        info, namespace: ri.namespace, matches,
        resourceVersion: query.get('resourceVersion') ?? undefined,
        timeoutSeconds: timeout ? Number(timeout) : undefined,
        allowBookmarks: query.get('allowWatchBookmarks') === 'true',
        encode: table
          ? (obj, first) => toTable(info, [obj], { includeObject: include, now: ctx.now(), resourceVersion: obj.metadata.resourceVersion ?? '', omitColumnDefinitions: !first })
          : (obj) => obj,
        onOpen: ctx.watchOpened,
        onClose: ctx.watchClosed,
      });
      return;
    }
    case 'create': {
      if (ri.name) throw errors.methodNotAllowed(`POST is not supported on a named ${info.resource}`);
      const created = await rest.create(info, ri.namespace, await body(ctx), writeOptions(ctx));
      return answer(ctx, 201, created);
    }
    case 'update': {
      const updated = await rest.update(info, ri.namespace, ri.name!, await body(ctx), writeOptions(ctx));
      return answer(ctx, 200, updated);
    }
    case 'patch': {
      const type = PATCH_TYPES[mediaType(ctx.req)];
      if (!type) throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${Object.keys(PATCH_TYPES).join(', ')}`);
      if (type === 'apply' && !query.get('fieldManager')) throw errors.badRequest('PATCH, application/apply-patch+yaml requires fieldManager to be set');
      const { object, created } = await rest.patch(info, ri.namespace, ri.name!, type, await body(ctx), { ...writeOptions(ctx), force: query.get('force') === 'true' });
      return answer(ctx, created ? 201 : 200, object);
    }
    case 'delete': {
      const options = await deleteOptions(ctx);
      const deleted = await rest.delete(info, ri.namespace, ri.name!, options);
      return answer(ctx, 200, deleted);
    }
    case 'deletecollection': {
      const options = await deleteOptions(ctx);
      const matches = buildMatcher(info, query);
      const { items, revision } = await rest.list(info, ri.namespace);
      const deleted: KubeObject[] = [];
      for (const item of items.filter(matches)) {
        try {
          deleted.push(await rest.delete(info, item.metadata.namespace, item.metadata.name!, options));
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
        }
      }
      sendJson(ctx.res, 200, { apiVersion: groupVersion(info), kind: info.listKind, metadata: { resourceVersion: String(revision) }, items: deleted });
      return;
    }
    default:
      throw errors.methodNotAllowed(`${ctx.req.method} is not supported on ${info.resource}`);
  }
}

async function deleteOptions(ctx: ResourceContext): Promise<DeleteOptions> {
  const raw = await readBody(ctx.req);
  const fromBody = (raw.length ? decodeBody(raw, mediaType(ctx.req)) : {}) as DeleteOptions & { orphanDependents?: boolean; dryRun?: unknown };
  const q = ctx.query;
  const grace = q.get('gracePeriodSeconds') ?? (fromBody.gracePeriodSeconds !== undefined ? String(fromBody.gracePeriodSeconds) : undefined);
  const policy = (q.get('propagationPolicy') ?? fromBody.propagationPolicy ?? (fromBody.orphanDependents ? 'Orphan' : undefined)) as DeleteOptions['propagationPolicy'];
  if (policy && !['Background', 'Foreground', 'Orphan'].includes(policy)) throw errors.badRequest(`invalid propagationPolicy: ${policy}`);
  return {
    gracePeriodSeconds: grace !== undefined ? Number(grace) : undefined,
    propagationPolicy: policy,
    preconditions: fromBody.preconditions,
    dryRun: q.getAll('dryRun').includes('All') || (Array.isArray(fromBody.dryRun) && fromBody.dryRun.includes('All')),
  };
}

async function handleSubresource(ctx: ResourceContext): Promise<void> {
  const { ri, info, rest, query } = ctx;
  const sub = ri.subresource!;
  const known = info.subresources.some((s) => s.name === sub) || (info.resource === 'namespaces' && sub === 'finalize');
  if (!known || !ri.name) throw errors.notFound(`${info.resource}/${sub}`, info.group, ri.name ?? '');
  switch (sub) {
    case 'status':
      return handleStatus(ctx);
    case 'finalize': {
      if (ri.verb !== 'update') throw errors.methodNotAllowed('only PUT is supported on namespaces/finalize');
      const incoming = (await body(ctx)) as KubeObject;
      const finalizers = ((incoming.spec as { finalizers?: string[] } | undefined)?.finalizers) ?? [];
      const updated = await rest.guaranteedUpdate(info, undefined, ri.name, incoming.metadata?.resourceVersion, (cur) => {
        cur.spec = { ...((cur.spec as object) ?? {}), finalizers };
        return cur;
      }, { ...writeOptions(ctx, 'finalize') });
      return answer(ctx, 200, updated);
    }
    case 'scale':
      return handleScale(ctx);
    case 'eviction': {
      if (ri.verb !== 'create') throw errors.methodNotAllowed('only POST is supported on pods/eviction');
      await evictPod(rest, ri.namespace!, ri.name, (await body(ctx)) as EvictionRequest, { dryRun: writeOptions(ctx).dryRun, now: ctx.now().getTime() });
      sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      return;
    }
    case 'binding': {
      if (ri.verb !== 'create') throw errors.methodNotAllowed('only POST is supported on pods/binding');
      const binding = (await body(ctx)) as { target?: { name?: string; kind?: string } };
      const node = binding.target?.name;
      if (!node) throw errors.invalid('Binding', '', ri.name, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }]);
      await rest.guaranteedUpdate(info, ri.namespace, ri.name, undefined, (pod) => {
        const spec = pod.spec as { nodeName?: string };
        if (spec.nodeName) throw errors.conflict('pods/binding', '', ri.name!, `pod ${ri.name} is already assigned to node "${spec.nodeName}"`);
        if (pod.metadata.deletionTimestamp) throw errors.conflict('pods/binding', '', ri.name!, 'pod is being deleted');
        spec.nodeName = node;
        const status = (pod.status ?? {}) as { conditions?: Array<Record<string, unknown>> };
        const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
        conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
        pod.status = { ...status, conditions };
        return pod;
      }, { ...writeOptions(ctx, 'binding') });
      sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
      return;
    }
    default:
      throw errors.notFound(`${info.resource}/${sub}`, info.group, ri.name);
  }
}

async function handleStatus(ctx: ResourceContext): Promise<void> {
  const { ri, info, rest, query } = ctx;
  switch (ri.verb) {
    case 'get':
      return answer(ctx, 200, await rest.get(info, ri.namespace, ri.name!));
    case 'update': {
      // the whole body is decoded (and checked for unknown fields) as upstream does; only its status is kept
      const updated = await rest.update(info, ri.namespace, ri.name!, await body(ctx), writeOptions(ctx, 'status'));
      return answer(ctx, 200, updated);
    }
    case 'patch': {
      const type = PATCH_TYPES[mediaType(ctx.req)];
      if (!type) throw new ApiError(415, 'UnsupportedMediaType', 'unsupported patch type');
      const { object } = await rest.patch(info, ri.namespace, ri.name!, type, await body(ctx), { ...writeOptions(ctx, 'status'), force: query.get('force') === 'true' });
      return answer(ctx, 200, object);
    }
    default:
      throw errors.methodNotAllowed(`${ctx.req.method} is not supported on ${info.resource}/status`);
  }
}

function toScale(info: ResourceInfo, obj: KubeObject): KubeObject {
  const spec = (obj.spec ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } };
  const status = (obj.status ?? {}) as { replicas?: number };
  return {
    kind: 'Scale', apiVersion: 'autoscaling/v1',
    metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp },
    spec: { replicas: spec.replicas ?? 0 },
    status: { replicas: status.replicas ?? 0, selector: spec.selector ? formatLabelSelector(spec.selector as never) : '' },
  };
}

async function handleScale(ctx: ResourceContext): Promise<void> {
  const { ri, info, rest, query } = ctx;
  if (ri.verb === 'get') {
    sendJson(ctx.res, 200, toScale(info, await rest.get(info, ri.namespace, ri.name!)));
    return;
  }
  let replicasFrom: (scale: KubeObject) => unknown;
  let precondition: string | undefined;
  if (ri.verb === 'update') {
    const incoming = (await body(ctx)) as KubeObject;
    precondition = incoming.metadata?.resourceVersion;
    replicasFrom = () => (incoming.spec as { replicas?: unknown } | undefined)?.replicas;
  } else if (ri.verb === 'patch') {
    const type = PATCH_TYPES[mediaType(ctx.req)];
    if (!type || type === 'apply') throw new ApiError(415, 'UnsupportedMediaType', 'unsupported patch type for scale');
    const patch = await body(ctx);
    const { applyJsonPatch, applyMergePatch } = await import('../../api/patch/index.js');
    replicasFrom = (scale) => {
      const patched = (type === 'json' ? applyJsonPatch(scale, patch) : applyMergePatch(scale, patch)) as KubeObject;
      return (patched.spec as { replicas?: unknown } | undefined)?.replicas;
    };
  } else {
    throw errors.methodNotAllowed(`${ctx.req.method} is not supported on ${info.resource}/scale`);
  }
  const updated = await rest.guaranteedUpdate(info, ri.namespace, ri.name!, precondition, (cur) => {
    const replicas = replicasFrom(toScale(info, cur));
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw errors.invalid('Scale', 'autoscaling', ri.name!, [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }]);
    }
    cur.spec = { ...((cur.spec as object) ?? {}), replicas };
    return cur;
  }, writeOptions(ctx, 'scale'));
  sendJson(ctx.res, 200, toScale(info, updated));
}
