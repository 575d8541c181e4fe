/**
 * The ServiceAccount admission plugin (upstream plugin/pkg/admission/serviceaccount), on pod
 * create:
 *   - the pod's ServiceAccount (defaulting already named `default`) must exist, else 403
 *     `pods "<name>" is forbidden: error looking up service account <ns>/<sa>: serviceaccount "<sa>" not found`.
 *     A missing `default` is looked up again for up to ~2 s, as upstream does, because the
 *     controller creates it just after the namespace;
 *   - unless automountServiceAccountToken says false (the pod's setting wins over the
 *     ServiceAccount's), the pod gets the `kube-api-access-<5 random>` projected volume (a bound
 *     token, the cluster CA from the `kube-root-ca.crt` ConfigMap, the namespace) mounted
 *     read-only at /var/run/secrets/kubernetes.io/serviceaccount in every container and init
 *     container that has nothing mounted there yet;
 *   - a pod without imagePullSecrets gets the ServiceAccount's.
 * `mountServiceAccountToken` is pure; the volume is written in its defaulted form, so later
 * updates (which re-run defaulting) leave it unchanged.
 */
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { type JsonRecord, isRecord, records } from '../../api/validation/json-shape.js';
import type { Admission } from './admission.js';
import { generateNameSuffix } from './strategy.js';

export const TOKEN_VOLUME_PREFIX = 'kube-api-access-';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** upstream WarnOnlyBoundTokenExpirationSeconds: one hour and 7 s marks kubelet-projected tokens */
export const TOKEN_VOLUME_EXPIRATION_SECONDS = 3607;
const DEFAULT_SERVICE_ACCOUNT = 'default';
const DEFAULT_LOOKUP_ATTEMPTS = 10;

/** upstream TokenVolumeSource(), as stored (defaultMode 420 = 0644, fieldRef apiVersion v1). */
export function tokenVolumeSource(): JsonRecord {
  return {
    defaultMode: 0o644,
    sources: [
      { serviceAccountToken: { expirationSeconds: TOKEN_VOLUME_EXPIRATION_SECONDS, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  };
}

/** The pod's automountServiceAccountToken wins; then the ServiceAccount's; default true. */
export function shouldAutomount(serviceAccount: KubeObject, podSpec: JsonRecord): boolean {
  if (typeof podSpec.automountServiceAccountToken === 'boolean') return podSpec.automountServiceAccountToken;
  const fromSa = (serviceAccount as { automountServiceAccountToken?: unknown }).automountServiceAccountToken;
  if (typeof fromSa === 'boolean') return fromSa;
  return true;
}

/**
 * upstream mountServiceAccountToken: reuse a kube-api-access-* volume the pod already has, mount
 * it in each init and app container without a mount at the token path, and add the volume only
 * when some container mounts it. Ephemeral containers are left alone, as upstream.
 */
export function mountServiceAccountToken(podSpec: JsonRecord, randomSuffix: () => string = generateNameSuffix): void {
  const volumes = records(podSpec.volumes);
  const existing = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith(TOKEN_VOLUME_PREFIX));
  const volumeName = existing ? (existing.name as string) : `${TOKEN_VOLUME_PREFIX}${randomSuffix()}`;
  let needed = false;
  for (const list of ['initContainers', 'containers']) {
    for (const c of records(podSpec[list])) {
      const mounts = records(c.volumeMounts);
      if (mounts.some((m) => m.mountPath === TOKEN_MOUNT_PATH)) continue;
      c.volumeMounts = [...mounts, { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH }];
      needed = true;
    }
  }
  if (!existing && needed) podSpec.volumes = [...volumes, { name: volumeName, projected: tokenVolumeSource() }];
}

export function serviceAccountNotFound(pod: KubeObject, namespace: string, name: string): ApiError {
  const podName = pod.metadata.name || pod.metadata.generateName || 'Unknown';
  return new ApiError(403, 'Forbidden',
    `pods "${podName}" is forbidden: error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`,
    { name: podName, kind: 'pods' });
}

export interface ServiceAccountAdmissionDeps {
  /** the ServiceAccount, or undefined when it does not exist */
  lookup(namespace: string, name: string): Promise<KubeObject | undefined>;
  sleep?: (ms: number) => Promise<void>;
}

export function buildServiceAccountAdmission(deps: ServiceAccountAdmissionDeps): Admission {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));

  async function find(namespace: string, name: string): Promise<KubeObject | undefined> {
    const attempts = name === DEFAULT_SERVICE_ACCOUNT ? DEFAULT_LOOKUP_ATTEMPTS : 1;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep(100 + Math.floor(Math.random() * 100));
      const sa = await deps.lookup(namespace, name);
      if (sa) return sa;
    }
    return undefined;
  }

  return {
    async mutate(info: ResourceInfo, pod: KubeObject) {
      if (info.group !== '' || info.resource !== 'pods') return;
      const spec = pod.spec as JsonRecord | undefined;
      if (!isRecord(spec)) return;
      const namespace = pod.metadata.namespace ?? '';
      const name = typeof spec.serviceAccountName === 'string' && spec.serviceAccountName ? spec.serviceAccountName : DEFAULT_SERVICE_ACCOUNT;
      const sa = await find(namespace, name);
      if (!sa) throw serviceAccountNotFound(pod, namespace, name);
      if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec);
      const pullSecrets = (sa as { imagePullSecrets?: unknown }).imagePullSecrets;
      if (records(spec.imagePullSecrets).length === 0 && Array.isArray(pullSecrets) && pullSecrets.length) {
        spec.imagePullSecrets = records(pullSecrets).map((s) => ({ name: s.name }));
      }
    },
  };
}
