/**
 * batch/v1 Job defaults (pkg/apis/batch/v1/defaults.go) plus the selector generation kube does
 * in the Job strategy (pkg/registry/batch/job/strategy.go generateSelector): unless
 * `manualSelector` is true the Job selects `batch.kubernetes.io/controller-uid=<uid>` and its
 * template carries the uid and job-name labels (legacy and prefixed). Needs metadata.uid set.
 *
 * The template's restartPolicy is defaulted to Always like every PodSpec upstream; Job
 * validation then rejects it with kube's `Required value: valid values: "OnFailure", "Never"`.
 */
import type { KubeObject } from '../object.js';
import { type JsonRecord, ensureRecord, isRecord, setDefault } from '../validation/json-shape.js';
import { defaultPodTemplate } from './pod-spec.js';

export const JOB_LABELS = {
  controllerUid: 'batch.kubernetes.io/controller-uid',
  legacyControllerUid: 'controller-uid',
  jobName: 'batch.kubernetes.io/job-name',
  legacyJobName: 'job-name',
} as const;

function generateSelector(obj: KubeObject, spec: JsonRecord): void {
  const uid = obj.metadata.uid ?? '';
  const template = ensureRecord(spec, 'template');
  const meta = ensureRecord(template, 'metadata');
  const labels = ensureRecord(meta, 'labels');
  // a label the user set is kept; a conflicting value is then rejected by validation
  for (const k of [JOB_LABELS.legacyJobName, JOB_LABELS.jobName]) if (!(k in labels)) labels[k] = obj.metadata.name ?? '';
  for (const k of [JOB_LABELS.legacyControllerUid, JOB_LABELS.controllerUid]) if (!(k in labels)) labels[k] = uid;
  const selector = ensureRecord(spec, 'selector');
  const matchLabels = ensureRecord(selector, 'matchLabels');
  if (!(JOB_LABELS.controllerUid in matchLabels)) matchLabels[JOB_LABELS.controllerUid] = uid;
}

export function defaultJob(obj: KubeObject): void {
  const spec = ensureRecord(obj as JsonRecord, 'spec');
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? 2147483647 : 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'manualSelector', false);
  setDefault(spec, 'podReplacementPolicy', isRecord(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed');
  if (spec.manualSelector !== true) generateSelector(obj, spec);
  // SetDefaults_Job: a Job without labels takes its template's (after selector generation, as
  // kube-apiserver's read-back shows them)
  const templateLabels = (spec.template as JsonRecord | undefined)?.metadata as JsonRecord | undefined;
  if (isRecord(templateLabels?.labels) && Object.keys(obj.metadata.labels ?? {}).length === 0) {
    obj.metadata.labels = { ...(templateLabels!.labels as Record<string, string>) };
  }
  defaultPodTemplate(spec);
}
