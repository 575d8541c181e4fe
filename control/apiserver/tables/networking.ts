/**
 * Printers for the networking surface: services, endpoints, endpointslices, ingresses,
 * ingressclasses, networkpolicies (ported from kube-apiserver's printers) and the Gateway API
 * kinds, whose columns mirror the upstream CRDs' additionalPrinterColumns as the CRD table
 * convertor renders them (Age typed `date` but already humanised; a missing value is null, which
 * kubectl prints as `<none>`; a list-valued JSONPath prints as JSON, only the first match counts).
 */
import type { KubeObject } from '../../api/object.js';
import { findCondition, formatLabels, formatLabelSelector, type LabelSelector, listWithMore, loadBalancerAddresses, since } from './format.js';
import { AGE_DESCRIPTION, ageColumn, type Cell, col, nameColumn, type Printer } from './types.js';

interface LoadBalancerIngress { ip?: string; hostname?: string }

interface ServiceShape {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    selector?: Record<string, string>;
    ports?: { port: number; nodePort?: number; protocol?: string }[];
  };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

function serviceExternalIP(svc: ServiceShape, type: string): string {
  const externalIPs = svc.spec?.externalIPs ?? [];
  switch (type) {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(svc.status?.loadBalancer?.ingress);
      if (externalIPs.length > 0) return [...(lb ? lb.split(',') : []), ...externalIPs].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return svc.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** makePortString: `80/TCP`, `80:30080/TCP`, comma-joined. */
export function servicePorts(ports: NonNullable<ServiceShape['spec']>['ports']): string {
  // Protocol is defaulted to TCP by the API server; default here too so an undefaulted object
  // does not print `80/`.
  return (ports ?? [])
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',');
}

export const servicePrinter: Printer = {
  columns: [
    nameColumn(),
    col('Type', 'type determines how the Service is exposed.'),
    col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    col('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { priority: 1 }),
  ],
  row(obj, { now }) {
    const svc = obj as KubeObject & ServiceShape;
    const type = svc.spec?.type ?? 'ClusterIP';
    const clusterIP = svc.spec?.clusterIPs?.[0] ?? svc.spec?.clusterIP ?? '';
    return {
      cells: [
        svc.metadata.name ?? '', type, clusterIP || '<none>', serviceExternalIP(svc, type),
        servicePorts(svc.spec?.ports) || '<none>', since(svc.metadata.creationTimestamp, now),
        formatLabels(svc.spec?.selector),
      ],
    };
  },
};

interface EndpointSubset {
  addresses?: { ip: string }[];
  ports?: { name?: string; port: number }[];
}

function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** formatEndpoints: up to three `ip:port` pairs, then `+ N more...`; `<none>` without subsets. */
export function formatEndpoints(subsets: EndpointSubset[] | undefined): string {
  if (!subsets || subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    // Headless services may have no ports: list bare IPs.
    const targets = ss.ports && ss.ports.length > 0 ? ss.ports.map((p) => p.port) : [undefined];
    for (const port of targets) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(port === undefined ? a.ip : joinHostPort(a.ip, port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export const endpointsPrinter: Printer = {
  columns: [nameColumn(), col('Endpoints', 'The set of all endpoints is the union of all subsets.'), ageColumn()],
  row(obj, { now }) {
    const subsets = obj.subsets as EndpointSubset[] | undefined;
    return { cells: [obj.metadata.name ?? '', formatEndpoints(subsets), since(obj.metadata.creationTimestamp, now)] };
  },
};

export const endpointSlicePrinter: Printer = {
  columns: [
    nameColumn(),
    col('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
    col('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    col('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
    ageColumn(),
  ],
  row(obj, { now }) {
    const ports = (obj.ports as { port?: number | null; name?: string | null }[] | undefined) ?? [];
    const endpoints = (obj.endpoints as { addresses?: string[] }[] | undefined) ?? [];
    const portCells = ports.map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name ?? '*'));
    const addresses = endpoints.flatMap((e) => e.addresses ?? []);
    return {
      cells: [
        obj.metadata.name ?? '', String(obj.addressType ?? ''), listWithMore(portCells), listWithMore(addresses),
        since(obj.metadata.creationTimestamp, now),
      ],
    };
  },
};

interface IngressShape {
  spec?: { ingressClassName?: string; rules?: { host?: string }[]; tls?: unknown[] };
  status?: { loadBalancer?: { ingress?: LoadBalancerIngress[] } };
}

/** formatHosts: up to three hosts, `*` when no rule names one. */
export function formatHosts(rules: { host?: string }[] | undefined): string {
  const max = 3;
  const list: string[] = [];
  let more = false;
  for (const rule of rules ?? []) {
    if (list.length === max) more = true;
    if (!more && rule.host) list.push(rule.host);
  }
  if (list.length === 0) return '*';
  const ret = list.join(',');
  return more ? `${ret} + ${(rules ?? []).length - max} more...` : ret;
}

export const ingressPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Class', 'The name of the IngressClass resource that should be used for additional configuration'),
    col('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    col('Address', 'Address is a list containing ingress points for the load-balancer'),
    col('Ports', 'Ports of TLS configurations that open'),
    ageColumn(),
  ],
  row(obj, { now }) {
    const ing = obj as KubeObject & IngressShape;
    return {
      cells: [
        ing.metadata.name ?? '', ing.spec?.ingressClassName ?? '<none>', formatHosts(ing.spec?.rules),
        loadBalancerAddresses(ing.status?.loadBalancer?.ingress), (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80',
        since(ing.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const ingressClassPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Controller', 'Controller that is responsible for handling this class'),
    col('Parameters', 'A reference to a resource with additional parameters'),
    ageColumn(),
  ],
  row(obj, { now }) {
    const spec = (obj.spec ?? {}) as { controller?: string; parameters?: { kind: string; apiGroup?: string; name: string } };
    let parameters = '<none>';
    if (spec.parameters) {
      const p = spec.parameters;
      parameters = `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}`;
    }
    return { cells: [obj.metadata.name ?? '', spec.controller ?? '', parameters, since(obj.metadata.creationTimestamp, now)] };
  },
};

export const networkPolicyPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Pod-Selector', 'podSelector selects the pods to which this NetworkPolicy object applies.'),
    ageColumn(),
  ],
  row(obj, { now }) {
    const spec = (obj.spec ?? {}) as { podSelector?: LabelSelector };
    // The field is required; an absent one is the empty selector, printed `<none>`.
    return {
      cells: [obj.metadata.name ?? '', formatLabelSelector(spec.podSelector ?? {}), since(obj.metadata.creationTimestamp, now)],
    };
  },
};

// ---- Gateway API (CRD-style columns) ----

const crdColumn = (name: string, jsonPath: string, opts: { type?: 'date'; priority?: number } = {}) =>
  col(name, opts.type === 'date' ? AGE_DESCRIPTION : `Custom resource definition column (in JSONPath format): ${jsonPath}`, opts);

const crdAge = () => crdColumn('Age', '.metadata.creationTimestamp', { type: 'date' });

function conditionStatus(obj: KubeObject, type: string): Cell {
  const status = obj.status as { conditions?: { type: string; status: string }[] } | undefined;
  return findCondition(status?.conditions, type)?.status ?? null;
}

function stringOrNull(value: unknown): Cell {
  return typeof value === 'string' && value !== '' ? value : null;
}

export const gatewayClassPrinter: Printer = {
  columns: [
    nameColumn(), crdColumn('Controller', '.spec.controllerName'),
    crdColumn('Accepted', '.status.conditions[?(@.type=="Accepted")].status'), crdAge(),
    crdColumn('Description', '.spec.description', { priority: 1 }),
  ],
  row(obj, { now }) {
    const spec = (obj.spec ?? {}) as { controllerName?: string; description?: string };
    return {
      cells: [
        obj.metadata.name ?? '', stringOrNull(spec.controllerName), conditionStatus(obj, 'Accepted'),
        since(obj.metadata.creationTimestamp, now), stringOrNull(spec.description),
      ],
    };
  },
};

export const gatewayPrinter: Printer = {
  columns: [
    nameColumn(), crdColumn('Class', '.spec.gatewayClassName'), crdColumn('Address', '.status.addresses[*].value'),
    crdColumn('Programmed', '.status.conditions[?(@.type=="Programmed")].status'), crdAge(),
  ],
  row(obj, { now }) {
    const spec = (obj.spec ?? {}) as { gatewayClassName?: string };
    const status = (obj.status ?? {}) as { addresses?: { value?: string }[] };
    return {
      cells: [
        obj.metadata.name ?? '', stringOrNull(spec.gatewayClassName), stringOrNull(status.addresses?.[0]?.value),
        conditionStatus(obj, 'Programmed'), since(obj.metadata.creationTimestamp, now),
      ],
    };
  },
};

export const httpRoutePrinter: Printer = {
  columns: [nameColumn(), crdColumn('Hostnames', '.spec.hostnames'), crdAge()],
  row(obj, { now }) {
    const spec = (obj.spec ?? {}) as { hostnames?: string[] };
    const hostnames = spec.hostnames && spec.hostnames.length > 0 ? JSON.stringify(spec.hostnames) : null;
    return { cells: [obj.metadata.name ?? '', hostnames, since(obj.metadata.creationTimestamp, now)] };
  },
};
