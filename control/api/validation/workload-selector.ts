/**
 * The selector ↔ template rules every pod controller shares (Deployment, ReplicaSet, DaemonSet,
 * Job): a selector is required and non-empty, valid, and must select the template's labels.
 */
import type { FieldError } from '../errors.js';
import { labelSelectorFromSpec, matchesLabels, type LabelSelectorSpec } from '../selectors/label-selector.js';
import { child, fieldErrors, goLabelSelector, goStringMap } from './field-error.js';
import { isRecord } from './json-shape.js';
import { isEmptySelector, validateLabelSelector } from './label-selector.js';
import { templateLabels } from './pod-spec.js';

/**
 * `kindWord` is what kube names in "empty selector is invalid for <kindWord>" (ReplicaSets reuse
 * "deployment" upstream); without it an empty selector is allowed (Jobs).
 */
export function validateSelectorAndTemplate(spec: Record<string, unknown>, path: string, kindWord?: string): FieldError[] {
  const errs: FieldError[] = [];
  const selector = spec.selector;
  const selPath = child(path, 'selector');
  if (selector === undefined || selector === null) {
    errs.push(fieldErrors.required(selPath));
  } else {
    errs.push(...validateLabelSelector(selector, selPath));
    if (kindWord && isEmptySelector(selector)) errs.push(fieldErrors.invalid(selPath, goLabelSelector(selector as LabelSelectorSpec), `empty selector is invalid for ${kindWord}`));
  }
  let parsed;
  try {
    parsed = labelSelectorFromSpec(isRecord(selector) ? (selector as LabelSelectorSpec) : undefined);
  } catch {
    errs.push(fieldErrors.invalid(selPath, goLabelSelector(selector as LabelSelectorSpec), 'invalid label selector'));
    return errs;
  }
  // kube skips the match check only for an empty (match-everything) selector
  if (!isEmptySelector(selector)) {
    const labels = templateLabels(spec.template);
    if (!matchesLabels(parsed, labels ?? {})) {
      errs.push(fieldErrors.invalid(child(path, 'template', 'metadata', 'labels'), goStringMap(labels), '`selector` does not match template `labels`'));
    }
  }
  return errs;
}
