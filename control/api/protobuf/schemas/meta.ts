/**
 * k8s.io/apimachinery pkg/apis/meta/v1 (types.go + generated.proto). Row format: see ../schema.ts.
 * Time, MicroTime, Quantity, IntOrString and FieldsV1 are decoded by ../well-known.ts.
 */
import type { SchemaSet } from '../schema.js';

export const metaV1: SchemaSet = {
  TypeMeta: [
    [1, 'string', 'apiVersion,omitempty'],
    [2, 'string', 'kind,omitempty'],
  ],
  ObjectMeta: [
    [1, 'string', 'name,omitempty'],
    [2, 'string', 'generateName,omitempty'],
    [3, 'string', 'namespace,omitempty'],
    [4, 'string', 'selfLink,omitempty'],
    [5, 'string', 'uid,omitempty'],
    [6, 'string', 'resourceVersion,omitempty'],
    [7, 'int64', 'generation,omitempty'],
    [8, 'Time', 'creationTimestamp,omitempty'],
    [9, '*Time', 'deletionTimestamp,omitempty'],
    [10, '*int64', 'deletionGracePeriodSeconds,omitempty'],
    [11, 'map[string]string', 'labels,omitempty'],
    [12, 'map[string]string', 'annotations,omitempty'],
    [13, '[]OwnerReference', 'ownerReferences,omitempty'],
    [14, '[]string', 'finalizers,omitempty'],
    [17, '[]ManagedFieldsEntry', 'managedFields,omitempty'],
  ],
  OwnerReference: [
    [5, 'string', 'apiVersion'],
    [1, 'string', 'kind'],
    [3, 'string', 'name'],
    [4, 'string', 'uid'],
    [6, '*bool', 'controller,omitempty'],
    [7, '*bool', 'blockOwnerDeletion,omitempty'],
  ],
  ManagedFieldsEntry: [
    [1, 'string', 'manager,omitempty'],
    [2, 'string', 'operation,omitempty'],
    [3, 'string', 'apiVersion,omitempty'],
    [4, '*Time', 'time,omitempty'],
    [6, 'string', 'fieldsType,omitempty'],
    [7, '*FieldsV1', 'fieldsV1,omitempty'],
    [8, 'string', 'subresource,omitempty'],
  ],
  LabelSelector: [
    [1, 'map[string]string', 'matchLabels,omitempty'],
    [2, '[]LabelSelectorRequirement', 'matchExpressions,omitempty'],
  ],
  LabelSelectorRequirement: [
    [1, 'string', 'key'],
    [2, 'string', 'operator'],
    [3, '[]string', 'values,omitempty'],
  ],
  Condition: [
    [1, 'string', 'type'],
    [2, 'string', 'status'],
    [3, 'int64', 'observedGeneration,omitempty'],
    [4, 'Time', 'lastTransitionTime'],
    [5, 'string', 'reason'],
    [6, 'string', 'message'],
  ],
};
