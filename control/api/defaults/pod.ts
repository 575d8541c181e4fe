/**
 * Pod-only defaults: SetDefaults_Pod (requests default to limits, enableServiceLinks, host-network
 * ports) and what kube's always-on admission plugins add to every new Pod (Priority: priority 0
 * and preemptionPolicy when no priorityClassName; ServiceAccount: serviceAccountName "default").
 * Templates get none of these, exactly as upstream (they would show up in `get deploy -o yaml`).
 */
import type { KubeObject } from '../object.js';
import { type JsonRecord, ensureRecord, isRecord, records, setDefault } from '../validation/json-shape.js';
import { defaultPodSpec } from './pod-spec.js';

function requestsFromLimits(container: JsonRecord): void {
  const resources = isRecord(container.resources) ? container.resources : undefined;
  const limits = resources && isRecord(resources.limits) ? resources.limits : undefined;
  if (!resources || !limits) return;
  const requests = ensureRecord(resources, 'requests');
  for (const [name, value] of Object.entries(limits)) if (!(name in requests)) requests[name] = value;
}

export function defaultPod(pod: KubeObject): void {
  const spec = ensureRecord(pod as JsonRecord, 'spec');
  for (const list of ['containers', 'initContainers']) for (const c of records(spec[list])) requestsFromLimits(c);
  setDefault(spec, 'enableServiceLinks', true);
  if (spec.hostNetwork === true) {
    for (const list of ['containers', 'initContainers']) {
      for (const c of records(spec[list])) for (const p of records(c.ports)) if (!p.hostPort) p.hostPort = p.containerPort;
    }
  }
  defaultPodSpec(spec);
  // admission: ServiceAccount (without the token volume kube also mounts) and Priority
  if (!spec.serviceAccountName) {
    spec.serviceAccountName = 'default';
    spec.serviceAccount = 'default';
  }
  if (!spec.priorityClassName) {
    setDefault(spec, 'priority', 0);
    setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  }
}
