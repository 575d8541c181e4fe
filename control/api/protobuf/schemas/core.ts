/**
 * k8s.io/api core/v1 objects other than the pod spec (see ./pod.ts): ConfigMap, Secret,
 * Namespace, ServiceAccount, Service and the references they use. Row format: see ../schema.ts.
 */
import type { SchemaSet } from '../schema.js';

export const coreV1: SchemaSet = {
  ConfigMap: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [4, '*bool', 'immutable,omitempty'],
    [2, 'map[string]string', 'data,omitempty'],
    [3, 'map[string][]byte', 'binaryData,omitempty'],
  ],
  Secret: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [5, '*bool', 'immutable,omitempty'],
    [2, 'map[string][]byte', 'data,omitempty'],
    [4, 'map[string]string', 'stringData,omitempty'],
    [3, 'string', 'type,omitempty'],
  ],
  Namespace: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, 'NamespaceSpec', 'spec,omitempty'],
    [3, 'NamespaceStatus', 'status,omitempty'],
  ],
  NamespaceSpec: [
    [1, '[]string', 'finalizers,omitempty'],
  ],
  NamespaceStatus: [
    [1, 'string', 'phase,omitempty'],
    [2, '[]NamespaceCondition', 'conditions,omitempty'],
  ],
  NamespaceCondition: [
    [1, 'string', 'type'],
    [2, 'string', 'status'],
    [4, 'Time', 'lastTransitionTime,omitempty'],
    [5, 'string', 'reason,omitempty'],
    [6, 'string', 'message,omitempty'],
  ],
  ServiceAccount: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, '[]ObjectReference', 'secrets,omitempty'],
    [3, '[]LocalObjectReference', 'imagePullSecrets,omitempty'],
    [4, '*bool', 'automountServiceAccountToken,omitempty'],
  ],
  ObjectReference: [
    [1, 'string', 'kind,omitempty'],
    [2, 'string', 'namespace,omitempty'],
    [3, 'string', 'name,omitempty'],
    [4, 'string', 'uid,omitempty'],
    [5, 'string', 'apiVersion,omitempty'],
    [6, 'string', 'resourceVersion,omitempty'],
    [7, 'string', 'fieldPath,omitempty'],
  ],
  LocalObjectReference: [
    [1, 'string', 'name,omitempty'],
  ],
  Service: [
    [1, 'ObjectMeta', 'metadata,omitempty'],
    [2, 'ServiceSpec', 'spec,omitempty'],
    [3, 'ServiceStatus', 'status,omitempty'],
  ],
  ServiceSpec: [
    [1, '[]ServicePort', 'ports,omitempty'],
    [2, 'map[string]string', 'selector,omitempty'],
    [3, 'string', 'clusterIP,omitempty'],
    [18, '[]string', 'clusterIPs,omitempty'],
    [4, 'string', 'type,omitempty'],
    [5, '[]string', 'externalIPs,omitempty'],
    [7, 'string', 'sessionAffinity,omitempty'],
    [8, 'string', 'loadBalancerIP,omitempty'],
    [9, '[]string', 'loadBalancerSourceRanges,omitempty'],
    [10, 'string', 'externalName,omitempty'],
    [11, 'string', 'externalTrafficPolicy,omitempty'],
    [12, 'int32', 'healthCheckNodePort,omitempty'],
    [13, 'bool', 'publishNotReadyAddresses,omitempty'],
    [14, '*SessionAffinityConfig', 'sessionAffinityConfig,omitempty'],
    [19, '[]string', 'ipFamilies,omitempty'],
    [17, '*string', 'ipFamilyPolicy,omitempty'],
    [20, '*bool', 'allocateLoadBalancerNodePorts,omitempty'],
    [21, '*string', 'loadBalancerClass,omitempty'],
    [22, '*string', 'internalTrafficPolicy,omitempty'],
    [23, '*string', 'trafficDistribution,omitempty'],
  ],
  ServicePort: [
    [1, 'string', 'name,omitempty'],
    [2, 'string', 'protocol,omitempty'],
    [6, '*string', 'appProtocol,omitempty'],
    [3, 'int32', 'port'],
    [4, 'IntOrString', 'targetPort,omitempty'],
    [5, 'int32', 'nodePort,omitempty'],
  ],
  SessionAffinityConfig: [
    [1, '*ClientIPConfig', 'clientIP,omitempty'],
  ],
  ClientIPConfig: [
    [1, '*int32', 'timeoutSeconds,omitempty'],
  ],
  ServiceStatus: [
    [1, 'LoadBalancerStatus', 'loadBalancer,omitempty'],
    [2, '[]Condition', 'conditions,omitempty'],
  ],
  LoadBalancerStatus: [
    [1, '[]LoadBalancerIngress', 'ingress,omitempty'],
  ],
  LoadBalancerIngress: [
    [1, 'string', 'ip,omitempty'],
    [2, 'string', 'hostname,omitempty'],
    [3, '*string', 'ipMode,omitempty'],
    [4, '[]PortStatus', 'ports,omitempty'],
  ],
  PortStatus: [
    [1, 'int32', 'port'],
    [2, 'string', 'protocol'],
    [3, '*string', 'error,omitempty'],
  ],
};
