/**
 * batch/v1 Job validation (pkg/apis/batch/validation): counts, completion mode, selector and
 * template (restartPolicy OnFailure or Never), and the update rules (selector, completionMode,
 * completions of NonIndexed jobs and — unless the Job is suspended and never started — the
 * template are immutable).
 */
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { nonNegative } from './containers.js';
import { child, fieldErrors, goLabelSelector } from './field-error.js';
import { type JsonRecord, isRecord, jsonEqual, rec } from './json-shape.js';
import { validatePodTemplateSpec } from './pod-spec.js';
import { validateSelectorAndTemplate } from './workload-selector.js';

function specOf(obj: KubeObject): JsonRecord {
  return isRecord(obj.spec) ? obj.spec : {};
}

export function validateJob(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  return validateJobSpec(spec, 'spec', validateSelectorAndTemplate(spec, 'spec'));
}

/**
 * The JobSpec rules at `path` (a Job's `spec`, a CronJob's `spec.jobTemplate.spec`): counts,
 * completion mode, the pod template and its restartPolicy. `selectorErrs` are reported between the
 * completion mode and the template, where the Job's selector rules have always been reported.
 */
export function validateJobSpec(spec: JsonRecord, path: string, selectorErrs: FieldError[] = []): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['parallelism', 'completions', 'backoffLimit', 'activeDeadlineSeconds', 'ttlSecondsAfterFinished']) nonNegative(errs, child(path, f), spec[f]);
  if (typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds === 0) {
    errs.push(fieldErrors.invalid(child(path, 'activeDeadlineSeconds'), 0, 'must be greater than 0'));
  }
  const mode = spec.completionMode;
  if (mode !== undefined && mode !== null && mode !== 'NonIndexed' && mode !== 'Indexed') {
    errs.push(fieldErrors.notSupported(child(path, 'completionMode'), mode, ['NonIndexed', 'Indexed']));
  }
  if (mode === 'Indexed' && (spec.completions === undefined || spec.completions === null)) {
    errs.push(fieldErrors.required(child(path, 'completions'), 'when completion mode is Indexed'));
  }
  errs.push(...selectorErrs);
  errs.push(...validatePodTemplateSpec(spec.template, child(path, 'template')));
  const restart = rec(rec(spec.template)?.spec)?.restartPolicy;
  const restartPath = child(path, 'template', 'spec', 'restartPolicy');
  // the template's restartPolicy was defaulted to Always like any pod spec; a Job needs one of these two
  if (restart === 'Always' || restart === undefined || restart === null || restart === '') {
    errs.push(fieldErrors.required(restartPath, 'valid values: "OnFailure", "Never"'));
  } else if (restart !== 'OnFailure' && restart !== 'Never') {
    errs.push(fieldErrors.notSupported(restartPath, restart, ['OnFailure', 'Never']));
  }
  return errs;
}

/** The template parts kube lets a suspended, never-started Job change. */
function withoutSchedulingDirectives(template: unknown): unknown {
  const t = rec(template);
  if (!t) return template;
  const meta = rec(t.metadata) ?? {};
  const spec = rec(t.spec) ?? {};
  const { labels: _l, annotations: _a, ...restMeta } = meta;
  const { nodeSelector: _n, affinity: _f, tolerations: _t, schedulingGates: _g, ...restSpec } = spec;
  return { ...t, metadata: restMeta, spec: restSpec };
}

export function validateJobUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
  const a = specOf(next);
  const b = specOf(prev);
  const errs: FieldError[] = [];
  if (!jsonEqual(a.selector, b.selector)) errs.push(fieldErrors.invalid('spec.selector', goLabelSelector(rec(a.selector) ?? null), 'field is immutable'));
  if (!jsonEqual(a.completionMode, b.completionMode)) errs.push(fieldErrors.invalid('spec.completionMode', a.completionMode ?? '', 'field is immutable'));
  if (a.completionMode !== 'Indexed' && !jsonEqual(a.completions, b.completions)) {
    errs.push(fieldErrors.invalid('spec.completions', a.completions ?? null, 'field is immutable'));
  }
  const suspendedNotStarted = b.suspend === true && !rec(prev.status)?.startTime;
  const templatesDiffer = suspendedNotStarted
    ? !jsonEqual(withoutSchedulingDirectives(a.template), withoutSchedulingDirectives(b.template))
    : !jsonEqual(a.template, b.template);
  if (templatesDiffer) errs.push(fieldErrors.invalid('spec.template', a.template ?? null, 'field is immutable'));
  return errs;
}
