/**
 * Defaults of a PodSpec, shared by Pods and every pod template (pkg/apis/core/v1/defaults.go
 * SetDefaults_PodSpec/Container/Probe/Volume/... as the generated defaulter walks them).
 * Pod-only defaults (they never appear in templates upstream) live in pod.ts.
 */
import { type JsonRecord, ensureRecord, isRecord, rec, records, setDefault, setDefaultString, str } from '../validation/json-shape.js';

/** The image tag kube's defaulting sees: '' for a digest without tag, 'latest' when there is no tag. */
export function imageTag(image: string): string {
  if (image === '') return '';
  const at = image.indexOf('@');
  const name = at >= 0 ? image.slice(0, at) : image;
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon >= 0) return lastSegment.slice(colon + 1);
  return at >= 0 ? '' : 'latest';
}

function defaultHttpGet(action: JsonRecord | undefined): void {
  if (!action) return;
  setDefaultString(action, 'path', '/');
  setDefaultString(action, 'scheme', 'HTTP');
}

function defaultProbe(probe: JsonRecord | undefined): void {
  if (!probe) return;
  for (const [k, v] of [['timeoutSeconds', 1], ['periodSeconds', 10], ['successThreshold', 1], ['failureThreshold', 3]] as const) {
    if (probe[k] === undefined || probe[k] === null || probe[k] === 0) probe[k] = v;
  }
  defaultHttpGet(rec(probe.httpGet));
  const grpc = rec(probe.grpc);
  if (grpc) setDefault(grpc, 'service', '');
}

function defaultFieldRef(ref: JsonRecord | undefined): void {
  if (ref) setDefaultString(ref, 'apiVersion', 'v1');
}

function defaultContainer(c: JsonRecord): void {
  if (!c.imagePullPolicy) c.imagePullPolicy = imageTag(str(c.image)) === 'latest' ? 'Always' : 'IfNotPresent';
  setDefaultString(c, 'terminationMessagePath', '/dev/termination-log');
  setDefaultString(c, 'terminationMessagePolicy', 'File');
  // a non-pointer struct in Go, so kube always serializes it
  if (!isRecord(c.resources)) c.resources = {};
  for (const p of records(c.ports)) setDefaultString(p, 'protocol', 'TCP');
  for (const e of records(c.env)) defaultFieldRef(rec(rec(e.valueFrom)?.fieldRef));
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) defaultProbe(rec(c[probe]));
  const lifecycle = rec(c.lifecycle);
  for (const hook of ['postStart', 'preStop']) defaultHttpGet(rec(rec(lifecycle?.[hook])?.httpGet));
}

const VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos',
  'csi', 'ephemeral', 'image',
] as const;

export function volumeSourceKeys(volume: JsonRecord): string[] {
  return VOLUME_SOURCES.filter((k) => volume[k] !== undefined && volume[k] !== null);
}

/** 0644, the mode kube gives projected files when none is set. */
const DEFAULT_MODE = 0o644;

function defaultVolume(v: JsonRecord): void {
  if (volumeSourceKeys(v).length === 0) v.emptyDir = {};
  const hostPath = rec(v.hostPath);
  if (hostPath) setDefault(hostPath, 'type', '');
  for (const k of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const src = rec(v[k]);
    if (src) setDefault(src, 'defaultMode', DEFAULT_MODE);
  }
  for (const item of records(rec(v.downwardAPI)?.items)) defaultFieldRef(rec(item.fieldRef));
  for (const source of records(rec(v.projected)?.sources)) {
    for (const item of records(rec(source.downwardAPI)?.items)) defaultFieldRef(rec(item.fieldRef));
    const token = rec(source.serviceAccountToken);
    if (token) setDefault(token, 'expirationSeconds', 3600);
  }
}

/** SetDefaults_PodSpec plus everything nested in it. Mutates `spec`. */
export function defaultPodSpec(spec: JsonRecord): void {
  setDefaultString(spec, 'dnsPolicy', 'ClusterFirst');
  setDefaultString(spec, 'restartPolicy', 'Always');
  if (!isRecord(spec.securityContext)) spec.securityContext = {};
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefaultString(spec, 'schedulerName', 'default-scheduler');
  // v1 conversion keeps the deprecated serviceAccount field in step with serviceAccountName
  if (!spec.serviceAccountName && typeof spec.serviceAccount === 'string' && spec.serviceAccount) spec.serviceAccountName = spec.serviceAccount;
  if (typeof spec.serviceAccountName === 'string' && spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  for (const list of ['containers', 'initContainers', 'ephemeralContainers']) for (const c of records(spec[list])) defaultContainer(c);
  for (const v of records(spec.volumes)) defaultVolume(v);
}

/** The `spec.template` of a workload: defaults its pod spec (creating it when missing). */
export function defaultPodTemplate(owner: JsonRecord): void {
  const template = ensureRecord(owner, 'template');
  defaultPodSpec(ensureRecord(template, 'spec'));
}
