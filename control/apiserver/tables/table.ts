/**
 * Renders objects as a meta.k8s.io/v1 Table, the answer to `Accept: …;as=Table;…` (kubectl get).
 *
 * Guarantees (what kube-apiserver does; notes/kubectl-api-surface.md §5.4, §5.5, P15):
 * - every column is always sent (the server prints "wide"); kubectl hides priority > 0 columns;
 * - every row carries `object`: PartialObjectMetadata by default (needed for `-A`, `--show-labels`,
 *   `-L`), the full object with includeObject=Object (`--sort-by`), nothing with None;
 * - `metadata.resourceVersion` is the list's revision (where `get -w` starts watching);
 * - a resource without a dedicated printer gets the default `Name, Created At` (type date) table.
 */
import type { KubeObject } from '../../api/object.js';
import { groupVersion, type ResourceInfo } from '../../api/resources.js';
import { cronJobPrinter, daemonSetPrinter, deploymentPrinter, jobPrinter, replicaSetPrinter } from './workloads.js';
import {
  endpointSlicePrinter, endpointsPrinter, gatewayClassPrinter, gatewayPrinter, httpRoutePrinter, ingressClassPrinter,
  ingressPrinter, networkPolicyPrinter, servicePrinter,
} from './networking.js';
import {
  configMapPrinter, eventPrinter, hpaPrinter, leasePrinter, namespacePrinter, nodePrinter, secretPrinter,
  serviceAccountPrinter,
} from './cluster.js';
import { podPrinter } from './pods.js';
import { statefulSetPrinter } from './statefulsets.js';
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from './storage.js';
import { podDisruptionBudgetPrinter, priorityClassPrinter, resourceQuotaPrinter, roleBindingPrinter } from './policy.js';
import { AGE_DESCRIPTION, col, nameColumn, type Printer, type Table, type TableRow } from './types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** The `includeObject` query parameter; Metadata when absent. */
  includeObject?: IncludeObject;
  now: Date;
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
  /** Watch events after the first may leave the columns out (kube-apiserver does). */
  omitColumnDefinitions?: boolean;
}

/** Printers by `<group>/<resource>` (core group = empty string). */
const PRINTERS: ReadonlyMap<string, Printer> = new Map([
  ['/pods', podPrinter],
  ['/services', servicePrinter],
  ['/endpoints', endpointsPrinter],
  ['/nodes', nodePrinter],
  ['/namespaces', namespacePrinter],
  ['/configmaps', configMapPrinter],
  ['/secrets', secretPrinter],
  ['/serviceaccounts', serviceAccountPrinter],
  ['/events', eventPrinter],
  ['apps/deployments', deploymentPrinter],
  ['apps/replicasets', replicaSetPrinter],
  ['apps/daemonsets', daemonSetPrinter],
  ['apps/statefulsets', statefulSetPrinter],
  ['/persistentvolumeclaims', persistentVolumeClaimPrinter],
  ['/persistentvolumes', persistentVolumePrinter],
  ['storage.k8s.io/storageclasses', storageClassPrinter],
  ['batch/jobs', jobPrinter],
  ['batch/cronjobs', cronJobPrinter],
  ['networking.k8s.io/ingresses', ingressPrinter],
  ['networking.k8s.io/ingressclasses', ingressClassPrinter],
  ['networking.k8s.io/networkpolicies', networkPolicyPrinter],
  ['discovery.k8s.io/endpointslices', endpointSlicePrinter],
  ['coordination.k8s.io/leases', leasePrinter],
  ['autoscaling/horizontalpodautoscalers', hpaPrinter],
  ['gateway.networking.k8s.io/gatewayclasses', gatewayClassPrinter],
  ['gateway.networking.k8s.io/gateways', gatewayPrinter],
  ['gateway.networking.k8s.io/httproutes', httpRoutePrinter],
  ['rbac.authorization.k8s.io/rolebindings', roleBindingPrinter],
  ['rbac.authorization.k8s.io/clusterrolebindings', roleBindingPrinter],
  ['policy/poddisruptionbudgets', podDisruptionBudgetPrinter],
  ['scheduling.k8s.io/priorityclasses', priorityClassPrinter],
  ['/resourcequotas', resourceQuotaPrinter],
]);

/** rest.NewDefaultTableConvertor: name plus creation time as RFC 3339 (kubectl prints it as is). */
export const defaultPrinter: Printer = {
  columns: [nameColumn(), col('Created At', AGE_DESCRIPTION, { type: 'date' })],
  row(obj) {
    const created = obj.metadata.creationTimestamp ? Date.parse(obj.metadata.creationTimestamp) : NaN;
    // Go formats the zero time when unset; an RFC 3339 string without fractional seconds either way.
    const cell = Number.isNaN(created) ? '0001-01-01T00:00:00Z' : new Date(created).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return { cells: [obj.metadata.name ?? '', cell] };
  },
};

export function printerFor(info: Pick<ResourceInfo, 'group' | 'resource'>): Printer {
  return PRINTERS.get(`${info.group}/${info.resource}`) ?? defaultPrinter;
}

function rowObject(info: ResourceInfo, obj: KubeObject, includeObject: IncludeObject): unknown {
  switch (includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return { ...obj, apiVersion: obj.apiVersion ?? groupVersion(info), kind: obj.kind ?? info.kind };
    default:
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
  }
}

export function toTable(info: ResourceInfo, objects: readonly KubeObject[], opts: TableOptions): Table {
  const printer = printerFor(info);
  const includeObject = opts.includeObject ?? 'Metadata';
  const rows: TableRow[] = objects.map((obj) => {
    const printed = printer.row(obj, { now: opts.now });
    const row: TableRow = { cells: printed.cells };
    if (printed.conditions) row.conditions = printed.conditions;
    const object = rowObject(info, obj, includeObject);
    if (object !== undefined) row.object = object;
    return row;
  });
  const metadata: Table['metadata'] = { resourceVersion: opts.resourceVersion };
  if (opts.continueToken) metadata.continue = opts.continueToken;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: opts.omitColumnDefinitions ? [] : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}

/** Parses the includeObject query value; undefined for an unknown value (the caller answers 400). */
export function parseIncludeObject(value: string | null | undefined): IncludeObject | undefined {
  if (value === null || value === undefined || value === '') return 'Metadata';
  return value === 'None' || value === 'Metadata' || value === 'Object' ? value : undefined;
}
