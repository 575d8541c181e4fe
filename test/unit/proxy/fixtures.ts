/** Builders for Services and EndpointSlices as the API returns them (defaults applied). */
import type { KubeObject } from '../../../control/api/object.js';
import { ModelTracker } from '../../../dataplane/proxy/core/model-tracker.js';
import { assembleIptablesPlan, planIptablesPort, type PlanContext } from '../../../dataplane/proxy/core/iptables-plan.js';
import { portKey } from '../../../dataplane/proxy/core/types.js';
import type { RulePlan } from '../../../dataplane/proxy/core/plan.js';

export const NODE = 'node-1';
export const NODE_IP = '10.200.0.11';
export const CLUSTER_CIDR = '10.244.0.0/16';
export const CTX: PlanContext = { nodeName: NODE, clusterCidr: CLUSTER_CIDR, localAddresses: [NODE_IP] };

export interface SvcOpts {
  ns?: string;
  clusterIP: string;
  ports?: { name?: string; port: number; protocol?: string; nodePort?: number }[];
  type?: string;
  externalIPs?: string[];
  affinity?: number;
  itp?: 'Local' | 'Cluster';
  etp?: 'Local' | 'Cluster';
}

export function svc(name: string, o: SvcOpts): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: o.ns ?? 'default', resourceVersion: '1' },
    spec: {
      type: o.type ?? 'ClusterIP', clusterIP: o.clusterIP, ports: (o.ports ?? [{ name: 'http', port: 80 }]).map((p) => ({ protocol: 'TCP', ...p })),
      externalIPs: o.externalIPs, sessionAffinity: o.affinity ? 'ClientIP' : 'None',
      sessionAffinityConfig: o.affinity ? { clientIP: { timeoutSeconds: o.affinity } } : undefined,
      internalTrafficPolicy: o.itp ?? 'Cluster', externalTrafficPolicy: o.etp,
    },
  };
}

export interface EpOpts {
  ip: string;
  node?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
}

export function slice(service: string, eps: EpOpts[], o: { ns?: string; name?: string; ports?: { name?: string; port: number; protocol?: string }[]; trigger?: string } = {}): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
    metadata: {
      name: o.name ?? `${service}-abc`, namespace: o.ns ?? 'default', resourceVersion: '1',
      labels: { 'kubernetes.io/service-name': service },
      annotations: o.trigger ? { 'endpoints.kubernetes.io/last-change-trigger-time': o.trigger } : undefined,
    },
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({
      addresses: [e.ip], nodeName: e.node ?? NODE,
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
    })),
    ports: (o.ports ?? [{ name: 'http', port: 8080 }]).map((p) => ({ protocol: 'TCP', ...p })),
  };
}

export function planOf(services: KubeObject[], slices: KubeObject[], ctx: PlanContext = CTX): RulePlan {
  const t = new ModelTracker();
  for (const s of services) t.onService(undefined, s);
  for (const s of slices) t.onSlice(undefined, s);
  t.commit();
  const m = t.model();
  const frags = [...m.services].flatMap(([k, ports]) => ports.map((sp) => planIptablesPort(sp, m.endpoints.get(k)?.get(portKey(sp.portName, sp.protocol)) ?? [], ctx)));
  return assembleIptablesPlan(frags, ctx);
}
