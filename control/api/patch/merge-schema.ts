/**
 * The one table that says how lists and maps of each built-in kind merge, transcribed from the
 * k8s.io/api struct tags (`patchStrategy:"merge" patchMergeKey:"…"` for strategic merge patch,
 * `+listType`/`+listMapKey`/`+mapType` for server-side apply). Strategic merge patch and
 * server-side apply both read it, so a list merges by the same key whichever way it is written.
 *
 * Paths are dotted field names; `[]` means "each element of this list", e.g.
 * `spec.template.spec.containers[].ports`. Anything not listed here follows the defaults:
 * maps merge key by key, lists are replaced (SMP) / atomic (SSA).
 */

export type FieldRule =
  /** A list of objects merged by key. SMP matches on `mergeKey`; SSA on `keys` (its list-map keys),
   *  filling a missing key field from `keyDefaults` the way structured-merge-diff uses schema defaults. */
  | { type: 'map-list'; mergeKey: string; keys: string[]; keyDefaults?: Record<string, unknown> }
  /** A list of scalars merged as a set (SMP union + `$deleteFromPrimitiveList`; SSA `v:` elements). */
  | { type: 'set' }
  /** A map that SSA owns and replaces as a whole (`+mapType=atomic`, e.g. LabelSelector);
   *  SMP has no strategy for these and merges them like any map. */
  | { type: 'atomic-map' };

export type FieldRules = ReadonlyMap<string, FieldRule>;
export interface GroupKind { group: string; kind: string }

type RuleTable = Record<string, FieldRule>;

function mapList(mergeKey: string, keys: string[] = [mergeKey], keyDefaults?: Record<string, unknown>): FieldRule {
  return keyDefaults ? { type: 'map-list', mergeKey, keys, keyDefaults } : { type: 'map-list', mergeKey, keys };
}
const set: FieldRule = { type: 'set' };
const atomicMap: FieldRule = { type: 'atomic-map' };

/** Re-roots a table under `prefix`. */
function under(prefix: string, table: RuleTable): RuleTable {
  return Object.fromEntries(Object.entries(table).map(([path, rule]) => [`${prefix}.${path}`, rule]));
}

const OBJECT_META: RuleTable = {
  ownerReferences: mapList('uid'),
  finalizers: set,
};

const CONTAINER: RuleTable = {
  // SSA keys container ports by (containerPort, protocol); protocol defaults to TCP.
  ports: mapList('containerPort', ['containerPort', 'protocol'], { protocol: 'TCP' }),
  env: mapList('name'),
  volumeMounts: mapList('mountPath'),
  volumeDevices: mapList('devicePath'),
};

const POD_SPEC: RuleTable = {
  containers: mapList('name'), ...under('containers[]', CONTAINER),
  initContainers: mapList('name'), ...under('initContainers[]', CONTAINER),
  ephemeralContainers: mapList('name'), ...under('ephemeralContainers[]', CONTAINER),
  volumes: mapList('name'),
  imagePullSecrets: mapList('name'),
  hostAliases: mapList('ip'),
  topologySpreadConstraints: mapList('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
  schedulingGates: mapList('name'),
  resourceClaims: mapList('name'),
  nodeSelector: atomicMap,
};

const POD_TEMPLATE: RuleTable = { ...under('metadata', OBJECT_META), ...under('spec', POD_SPEC) };
const CONDITIONS: RuleTable = { 'status.conditions': mapList('type') };
/** Deployment, ReplicaSet, DaemonSet, StatefulSet, Job: a pod template plus a LabelSelector. */
const WORKLOAD: RuleTable = { ...under('spec.template', POD_TEMPLATE), 'spec.selector': atomicMap, ...CONDITIONS };

/** Keyed by `group/Kind` (core group: `/Kind`). */
const KINDS: Record<string, RuleTable> = {
  '/Pod': {
    ...under('spec', POD_SPEC), ...CONDITIONS,
    'status.podIPs': mapList('ip'), 'status.hostIPs': mapList('ip'),
  },
  '/PodTemplate': under('template', POD_TEMPLATE),
  '/ReplicationController': { ...under('spec.template', POD_TEMPLATE), ...CONDITIONS },
  '/Service': {
    // SSA keys service ports by (port, protocol); protocol defaults to TCP.
    'spec.ports': mapList('port', ['port', 'protocol'], { protocol: 'TCP' }),
    'spec.selector': atomicMap, ...CONDITIONS,
  },
  '/Node': { 'spec.podCIDRs': set, 'status.conditions': mapList('type'), 'status.addresses': mapList('type') },
  '/Namespace': CONDITIONS,
  '/ServiceAccount': { secrets: mapList('name') },
  '/Endpoints': {}, '/ConfigMap': {}, '/Secret': {}, '/Event': {}, '/LimitRange': {}, '/ResourceQuota': {},
  '/PersistentVolumeClaim': CONDITIONS, '/PersistentVolume': {}, '/Binding': {},
  'apps/Deployment': WORKLOAD,
  'apps/ReplicaSet': WORKLOAD,
  'apps/DaemonSet': WORKLOAD,
  'apps/StatefulSet': WORKLOAD,
  'batch/Job': WORKLOAD,
  'batch/CronJob': { ...under('spec.jobTemplate.spec.template', POD_TEMPLATE), 'spec.jobTemplate.spec.selector': atomicMap },
  'autoscaling/Scale': {},
  'autoscaling/HorizontalPodAutoscaler': CONDITIONS,
  'networking.k8s.io/Ingress': {},
  'networking.k8s.io/IngressClass': {},
  'networking.k8s.io/NetworkPolicy': {},
  'discovery.k8s.io/EndpointSlice': {},
  'coordination.k8s.io/Lease': {},
  'policy/PodDisruptionBudget': CONDITIONS,
  'policy/Eviction': {},
  'storage.k8s.io/StorageClass': {},
};

const cache = new Map<string, FieldRules>();

function build(table: RuleTable): FieldRules {
  return new Map(Object.entries({ ...under('metadata', OBJECT_META), ...table }));
}

/** True for the built-in kinds strategic merge patch is defined for (kube-apiserver answers 415 for the rest). */
export function hasStrategicMergeSchema(kind: GroupKind): boolean {
  return Object.prototype.hasOwnProperty.call(KINDS, `${kind.group}/${kind.kind}`);
}

/** The rules for a kind; unknown kinds (custom resources) get only the ObjectMeta rules. */
export function fieldRulesFor(kind: GroupKind): FieldRules {
  const id = `${kind.group}/${kind.kind}`;
  let rules = cache.get(id);
  if (!rules) {
    rules = build(KINDS[id] ?? {});
    cache.set(id, rules);
  }
  return rules;
}

/** Path of a field below `path` (the root path is ''). */
export function childPath(path: string, field: string): string {
  return path ? `${path}.${field}` : field;
}

/** Path shared by every element of the list at `path`. */
export function itemPath(path: string): string {
  return `${path}[]`;
}
