/**
 * apps/v1 StatefulSet defaults (pkg/apis/apps/v1/defaults.go SetDefaults_StatefulSet, 1.32 with
 * its default feature gates): OrderedReady, RollingUpdate with partition 0, PVC retention
 * Retain/Retain, 1 replica, 10 revisions, and the pod template's defaults.
 */
import type { KubeObject } from '../object.js';
import { type JsonRecord, ensureRecord, isRecord, setDefault, setDefaultString } from '../validation/json-shape.js';
import { defaultPodTemplate } from './pod-spec.js';

export function defaultStatefulSet(obj: KubeObject): void {
  const spec = ensureRecord(obj as JsonRecord, 'spec');
  setDefaultString(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = ensureRecord(spec, 'updateStrategy');
  setDefaultString(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    if (!isRecord(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    setDefault(strategy.rollingUpdate as JsonRecord, 'partition', 0);
  }
  const retention = ensureRecord(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefaultString(retention, 'whenDeleted', 'Retain');
  setDefaultString(retention, 'whenScaled', 'Retain');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec);
}
