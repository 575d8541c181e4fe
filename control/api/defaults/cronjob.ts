/**
 * batch/v1 CronJob defaults (pkg/apis/batch/v1/defaults.go SetDefaults_CronJob): concurrencyPolicy
 * Allow, suspend false, keep 3 successful and 1 failed finished Jobs. The job template's pod
 * template gets the usual pod defaults; its Job fields (backoffLimit, completions, selector…) are
 * left for the Job's own defaulting when the controller creates one, as upstream does.
 */
import type { KubeObject } from '../object.js';
import { type JsonRecord, ensureRecord, setDefault, setDefaultString } from '../validation/json-shape.js';
import { defaultPodTemplate } from './pod-spec.js';

export function defaultCronJob(obj: KubeObject): void {
  const spec = ensureRecord(obj as JsonRecord, 'spec');
  setDefaultString(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jobTemplate = ensureRecord(spec, 'jobTemplate');
  defaultPodTemplate(ensureRecord(jobTemplate, 'spec'));
}
