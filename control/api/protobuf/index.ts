/**
 * Decodes Kubernetes protobuf request bodies (`Content-Type: application/vnd.kubernetes.protobuf`)
 * into the JSON object the same request would have carried as `application/json`.
 *
 * kubectl ≥ 1.31 sends every `kubectl create <generator>` body as protobuf and does not fall back
 * to JSON (notes/kubectl-api-surface.md §5.15, P4), so the API server decodes these kinds here and
 * then treats the result exactly like a JSON body. See README.md for guarantees.
 */
import { ApiError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { MalformedMessageError, MessageDecoder } from './decode-message.js';
import { MissingMagicError, readEnvelope } from './envelope.js';
import { compileSchemas } from './schema.js';
import { appsV1 } from './schemas/apps.js';
import { authenticationV1 } from './schemas/authentication.js';
import { batchV1 } from './schemas/batch.js';
import { coreV1 } from './schemas/core.js';
import { metaV1 } from './schemas/meta.js';
import { podV1 } from './schemas/pod.js';
import { policyV1, quotaV1, rbacV1, schedulingV1 } from './schemas/policy.js';
import { volumesV1 } from './schemas/volumes.js';
import { WireFormatError } from './wire.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** `apiVersion/kind` → top-level message schema. */
const TOP_LEVEL: Readonly<Record<string, string>> = {
  'v1/ConfigMap': 'ConfigMap',
  'v1/Secret': 'Secret',
  'v1/Namespace': 'Namespace',
  'v1/ServiceAccount': 'ServiceAccount',
  'v1/Service': 'Service',
  'apps/v1/Deployment': 'Deployment',
  'batch/v1/Job': 'Job',
  'batch/v1/CronJob': 'CronJob',
  'authentication.k8s.io/v1/TokenRequest': 'TokenRequest',
  'rbac.authorization.k8s.io/v1/Role': 'Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'ClusterRoleBinding',
  'policy/v1/PodDisruptionBudget': 'PodDisruptionBudget',
  'policy/v1/Eviction': 'Eviction',
  'scheduling.k8s.io/v1/PriorityClass': 'PriorityClass',
  'v1/ResourceQuota': 'ResourceQuota',
};

const decoder = new MessageDecoder(compileSchemas({ ...metaV1, ...coreV1, ...podV1, ...volumesV1, ...appsV1, ...batchV1, ...rbacV1, ...policyV1, ...schedulingV1, ...quotaV1, ...authenticationV1 }));

/** The `apiVersion/kind` pairs decodeProtobufObject accepts, e.g. `apps/v1/Deployment`. */
export function supportedProtobufKinds(): string[] {
  return Object.keys(TOP_LEVEL);
}

const unsupported = (message: string) => new ApiError(415, 'UnsupportedMediaType', message);
const malformed = (message: string) => new ApiError(400, 'BadRequest', `malformed protobuf body: ${message}`);

/**
 * Throws ApiError 415 (UnsupportedMediaType) when the body lacks the "k8s\0" magic, uses a
 * content encoding, or carries a kind without a schema here; 400 (BadRequest) when it is
 * truncated or malformed, naming the field path and byte offset.
 */
export function decodeProtobufObject(body: Buffer): KubeObject {
  let env: ReturnType<typeof readEnvelope>;
  try {
    env = readEnvelope(body);
  } catch (err) {
    if (err instanceof MissingMagicError) throw unsupported(`protobuf ${err.message}`);
    if (err instanceof WireFormatError) throw malformed(`envelope: ${err.message}`);
    throw err;
  }
  if (env.contentEncoding !== '') throw unsupported(`protobuf content encoding "${env.contentEncoding}" is not supported`);
  if (env.apiVersion === '' || env.kind === '') throw malformed('envelope has no apiVersion/kind (typeMeta)');
  const message = TOP_LEVEL[`${env.apiVersion}/${env.kind}`];
  if (message === undefined) {
    throw unsupported(`protobuf bodies for ${env.kind} (${env.apiVersion}) are not supported; send application/json instead`);
  }
  try {
    const decoded = decoder.decode(message, env.raw, env.rawOffset);
    return { apiVersion: env.apiVersion, kind: env.kind, ...decoded } as KubeObject;
  } catch (err) {
    if (err instanceof MalformedMessageError) throw malformed(err.message);
    throw err;
  }
}
