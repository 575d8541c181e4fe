/**
 * apps/v1 defaults (pkg/apis/apps/v1/defaults.go): Deployment, ReplicaSet, DaemonSet.
 */
import type { KubeObject } from '../object.js';
import { type JsonRecord, ensureRecord, isRecord, setDefault, setDefaultString } from '../validation/json-shape.js';
import { defaultPodTemplate } from './pod-spec.js';

export function defaultDeployment(obj: KubeObject): void {
  const spec = ensureRecord(obj as JsonRecord, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = ensureRecord(spec, 'strategy');
  setDefaultString(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = ensureRecord(strategy, 'rollingUpdate');
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec);
}

export function defaultReplicaSet(obj: KubeObject): void {
  const spec = ensureRecord(obj as JsonRecord, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(spec);
}

export function defaultDaemonSet(obj: KubeObject): void {
  const spec = ensureRecord(obj as JsonRecord, 'spec');
  const strategy = ensureRecord(spec, 'updateStrategy');
  setDefaultString(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    if (!isRecord(strategy.rollingUpdate)) strategy.rollingUpdate = {};
    const ru = strategy.rollingUpdate as JsonRecord;
    setDefault(ru, 'maxUnavailable', 1);
    setDefault(ru, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec);
}
