/**
 * Rebuild a node's iptables-mode plan from the API (Services, EndpointSlices, the Node's
 * address) — the same pure functions the proxy runs, so `tug trace` explains exactly what that
 * node's proxy programs, without reading the kernel.
 */
import type { ApiClient } from '../../control/client/index.js';
import { findResource } from '../../control/api/resources.js';
import type { KubeObject } from '../../control/api/object.js';
import { ModelTracker } from './core/model-tracker.js';
import { assembleIptablesPlan, planIptablesPort } from './core/iptables-plan.js';
import { portKey } from './core/types.js';
import type { RulePlan } from './core/plan.js';

const SERVICES = findResource('', 'v1', 'services')!;
const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
const NODES = findResource('', 'v1', 'nodes')!;

export function nodeInternalIP(node: KubeObject): string | undefined {
  const addrs = (node.status as { addresses?: { type: string; address: string }[] } | undefined)?.addresses ?? [];
  return addrs.find((a) => a.type === 'InternalIP')?.address;
}

export function planFromObjects(services: readonly KubeObject[], slices: readonly KubeObject[], ctx: { nodeName: string; nodeIP: string; clusterCidr: string }): RulePlan {
  const t = new ModelTracker();
  for (const s of services) t.onService(undefined, s);
  for (const s of slices) t.onSlice(undefined, s);
  t.commit();
  const model = t.model();
  const pctx = { nodeName: ctx.nodeName, clusterCidr: ctx.clusterCidr, localAddresses: [ctx.nodeIP] };
  const fragments = [...model.services].flatMap(([key, ports]) =>
    ports.map((sp) => planIptablesPort(sp, model.endpoints.get(key)?.get(portKey(sp.portName, sp.protocol)) ?? [], pctx)));
  return assembleIptablesPlan(fragments, pctx);
}

export async function planFromApi(client: ApiClient, nodeName: string, clusterCidr: string): Promise<{ plan: RulePlan; nodeIP: string }> {
  const node = await client.get(NODES, undefined, nodeName);
  const nodeIP = nodeInternalIP(node);
  if (!nodeIP) throw new Error(`node ${nodeName} has no InternalIP address`);
  const [services, slices] = await Promise.all([client.list(SERVICES), client.list(SLICES)]);
  return { plan: planFromObjects(services.items, slices.items, { nodeName, nodeIP, clusterCidr }), nodeIP };
}
