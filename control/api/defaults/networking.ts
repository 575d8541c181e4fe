/**
 * networking.k8s.io/v1, discovery.k8s.io/v1 and autoscaling/v2 defaults.
 */
import type { KubeObject } from '../object.js';
import { type JsonRecord, arr, isRecord, records, setDefault } from '../validation/json-shape.js';

export function defaultEndpointSlice(obj: KubeObject): void {
  for (const p of records((obj as JsonRecord).ports)) {
    setDefault(p, 'name', '');
    setDefault(p, 'protocol', 'TCP');
  }
}

export function defaultNetworkPolicy(obj: KubeObject): void {
  const spec = (obj as JsonRecord).spec;
  if (!isRecord(spec)) return;
  if (arr(spec.policyTypes).length === 0) {
    spec.policyTypes = arr(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
  for (const rule of [...records(spec.ingress), ...records(spec.egress)]) for (const p of records(rule.ports)) setDefault(p, 'protocol', 'TCP');
}

export function defaultIngressClass(obj: KubeObject): void {
  const params = (obj as { spec?: { parameters?: unknown } }).spec?.parameters;
  if (isRecord(params)) setDefault(params, 'scope', 'Cluster');
}

/**
 * autoscaling/v2 HPA: minReplicas 1 and, with no metrics, 80 % average CPU utilisation.
 * The `behavior` defaults (filled only when the user gave a behavior) are not applied.
 */
export function defaultHorizontalPodAutoscaler(obj: KubeObject): void {
  const spec = (obj as JsonRecord).spec;
  if (!isRecord(spec)) return;
  setDefault(spec, 'minReplicas', 1);
  if (arr(spec.metrics).length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
}
