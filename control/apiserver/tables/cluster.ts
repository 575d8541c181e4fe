/**
 * Printers for cluster and configuration kinds: nodes, namespaces, configmaps, secrets,
 * serviceaccounts, events, leases and horizontalpodautoscalers (ported from kube-apiserver's
 * printers; integer cells stay numbers, as upstream sends them).
 */
import type { KubeObject } from '../../api/object.js';
import { findCondition, since } from './format.js';
import { ageColumn, col, nameColumn, type Printer } from './types.js';

interface NodeShape {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type: string; status: string }[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

/** findNodeRoles: `node-role.kubernetes.io/<role>` keys and `kubernetes.io/role=<role>`, sorted. */
export function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  return [...roles].sort().join(',') || '<none>';
}

export const nodePrinter: Printer = {
  columns: [
    nameColumn(),
    col('Status', 'The status of the node'),
    col('Roles', 'The roles of the node'),
    ageColumn(),
    col('Version', 'Kubelet Version reported by the node.'),
    col('Internal-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    col('External-IP', 'List of addresses reachable to the node.', { priority: 1 }),
    col('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', { priority: 1 }),
    col('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", { priority: 1 }),
    col('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', { priority: 1 }),
  ],
  row(obj, { now }) {
    const node = obj as KubeObject & NodeShape;
    const status: string[] = [];
    const ready = findCondition(node.status?.conditions, 'Ready');
    if (ready) status.push(ready.status === 'True' ? 'Ready' : 'NotReady');
    if (status.length === 0) status.push('Unknown');
    if (node.spec?.unschedulable) status.push('SchedulingDisabled');
    const address = (type: string) => node.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';
    const info = node.status?.nodeInfo ?? {};
    return {
      cells: [
        node.metadata.name ?? '', status.join(','), nodeRoles(node.metadata.labels), since(node.metadata.creationTimestamp, now),
        info.kubeletVersion ?? '', address('InternalIP'), address('ExternalIP'), info.osImage || '<unknown>',
        info.kernelVersion || '<unknown>', info.containerRuntimeVersion || '<unknown>',
      ],
    };
  },
};

export const namespacePrinter: Printer = {
  columns: [nameColumn(), col('Status', 'The status of the namespace'), ageColumn()],
  row(obj, { now }) {
    const phase = (obj.status as { phase?: string } | undefined)?.phase ?? '';
    return { cells: [obj.metadata.name ?? '', phase, since(obj.metadata.creationTimestamp, now)] };
  },
};

const countKeys = (value: unknown): number => (value && typeof value === 'object' ? Object.keys(value).length : 0);

export const configMapPrinter: Printer = {
  columns: [nameColumn(), col('Data', 'Data contains the configuration data.'), ageColumn()],
  row(obj, { now }) {
    return {
      cells: [obj.metadata.name ?? '', countKeys(obj.data) + countKeys(obj.binaryData), since(obj.metadata.creationTimestamp, now)],
    };
  },
};

export const secretPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Type', 'Used to facilitate programmatic handling of secret data.'),
    col('Data', 'Data contains the secret data.'),
    ageColumn(),
  ],
  row(obj, { now }) {
    // stringData is folded into data on write, so only data is counted (as upstream does).
    return {
      cells: [obj.metadata.name ?? '', String(obj.type ?? ''), countKeys(obj.data), since(obj.metadata.creationTimestamp, now)],
    };
  },
};

export const serviceAccountPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'),
    ageColumn(),
  ],
  row(obj, { now }) {
    const secrets = Array.isArray(obj.secrets) ? obj.secrets.length : 0;
    return { cells: [obj.metadata.name ?? '', secrets, since(obj.metadata.creationTimestamp, now)] };
  },
};

interface EventShape {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

export const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
    col('Object', 'The object that this event is about.'),
    col('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', { priority: 1 }),
    col('Source', 'The component reporting this event. Should be a short machine understandable string.', { priority: 1 }),
    col('Message', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', { priority: 1 }),
    col('Count', 'The number of times this event has occurred.', { priority: 1 }),
    col('Name', 'Name must be unique within a namespace.', { priority: 1, format: 'name' }),
  ],
  row(obj, { now }) {
    const ev = obj as KubeObject & EventShape;
    const firstSeen = ev.firstTimestamp ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
    let lastSeen = ev.lastTimestamp ? since(ev.lastTimestamp, now) : firstSeen;
    let count = ev.count ?? 0;
    if (ev.series) {
      lastSeen = since(ev.series.lastObservedTime, now);
      count = ev.series.count ?? 0;
    } else if (count === 0) {
      count = 1; // singleton events of the events.k8s.io API carry no count
    }
    const kind = (ev.involvedObject?.kind ?? '').toLowerCase();
    const target = ev.involvedObject?.name ? `${kind}/${ev.involvedObject.name}` : kind;
    const component = ev.source?.component || ev.reportingComponent || '';
    const instance = ev.source?.host || ev.reportingInstance || '';
    const source = instance ? `${component}, ${instance}` : component;
    return {
      cells: [
        lastSeen, ev.type ?? '', ev.reason ?? '', target, ev.involvedObject?.fieldPath ?? '', source,
        (ev.message ?? '').trim(), firstSeen, count, ev.metadata.name ?? '',
      ],
    };
  },
};

export const leasePrinter: Printer = {
  columns: [nameColumn(), col('Holder', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn()],
  row(obj, { now }) {
    const holder = (obj.spec as { holderIdentity?: string } | undefined)?.holderIdentity ?? '';
    return { cells: [obj.metadata.name ?? '', holder, since(obj.metadata.creationTimestamp, now)] };
  },
};

// ---- HorizontalPodAutoscaler (autoscaling/v2) ----

interface MetricTarget { type?: string; value?: string; averageValue?: string; averageUtilization?: number }
interface MetricValue { value?: string; averageValue?: string; averageUtilization?: number }
interface MetricSpec {
  type: string;
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
  pods?: { target: MetricTarget };
  object?: { target: MetricTarget };
  external?: { target: MetricTarget };
}
interface MetricStatus {
  resource?: { current: MetricValue };
  containerResource?: { current: MetricValue };
  pods?: { current: MetricValue };
  object?: { current: MetricValue };
  external?: { current: MetricValue };
}

function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  const unknown = '<unknown>';
  const valueOrAverage = (target: MetricTarget, current: MetricValue | undefined): string =>
    target.averageValue !== undefined
      ? `${current?.averageValue ?? unknown}/${target.averageValue} (avg)`
      : `${current?.value ?? unknown}/${target.value ?? ''}`;
  const resource = (name: string, target: MetricTarget, current: MetricValue | undefined): string => {
    if (target.averageValue !== undefined) return `${name}: ${current?.averageValue ?? unknown}/${target.averageValue}`;
    const cur = current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : unknown;
    const tgt = target.averageUtilization !== undefined ? `${target.averageUtilization}%` : '<auto>';
    return `${name}: ${cur}/${tgt}`;
  };
  switch (spec.type) {
    case 'External': return valueOrAverage(spec.external?.target ?? {}, status?.external?.current);
    case 'Object': return valueOrAverage(spec.object?.target ?? {}, status?.object?.current);
    case 'Pods': return `${status?.pods?.current.averageValue ?? unknown}/${spec.pods?.target.averageValue ?? ''}`;
    case 'Resource': return resource(spec.resource?.name ?? '', spec.resource?.target ?? {}, status?.resource?.current);
    case 'ContainerResource':
      return resource(spec.containerResource?.name ?? '', spec.containerResource?.target ?? {}, status?.containerResource?.current);
    default: return '<unknown type>';
  }
}

/** formatHPAMetrics: at most two targets, then `+ N more...`; `<none>` without metrics. */
export function formatHpaTargets(specs: MetricSpec[] | undefined, statuses: MetricStatus[] | undefined): string {
  if (!specs || specs.length === 0) return '<none>';
  const list = specs.map((s, i) => formatMetric(s, statuses?.[i]));
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export const hpaPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Reference', 'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.'),
    col('Targets', 'the specifications for which to use to calculate the desired replica count'),
    col('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    col('MaxPods', 'maxReplicas is the upper limit for the number of pods that can be set by the autoscaler.'),
    col('Replicas', 'current number of replicas of pods managed by this autoscaler.'),
    ageColumn(),
  ],
  row(obj, { now }) {
    const spec = (obj.spec ?? {}) as {
      scaleTargetRef?: { kind?: string; name?: string }; minReplicas?: number; maxReplicas?: number; metrics?: MetricSpec[];
    };
    const status = (obj.status ?? {}) as { currentReplicas?: number; currentMetrics?: MetricStatus[] };
    return {
      cells: [
        obj.metadata.name ?? '', `${spec.scaleTargetRef?.kind ?? ''}/${spec.scaleTargetRef?.name ?? ''}`,
        formatHpaTargets(spec.metrics, status.currentMetrics),
        spec.minReplicas !== undefined && spec.minReplicas !== null ? String(spec.minReplicas) : '<unset>',
        spec.maxReplicas ?? 0, status.currentReplicas ?? 0, since(obj.metadata.creationTimestamp, now),
      ],
    };
  },
};
