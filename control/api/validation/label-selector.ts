/**
 * Validation of a metav1.LabelSelector inside an object (apimachinery's ValidateLabelSelector).
 */
import type { FieldError } from '../errors.js';
import { child, fieldErrors, index } from './field-error.js';
import { isRecord, records, str } from './json-shape.js';
import { isQualifiedName } from './names.js';
import { validateLabels } from './object-meta.js';

export function validateLabelSelector(selector: unknown, path: string): FieldError[] {
  if (selector === undefined || selector === null) return [];
  if (!isRecord(selector)) return [fieldErrors.invalid(path, selector, 'must be a label selector object')];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(selector.matchLabels, child(path, 'matchLabels')));
  records(selector.matchExpressions).forEach((expr, i) => {
    const p = index(child(path, 'matchExpressions'), i);
    const values = Array.isArray(expr.values) ? expr.values : [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) errs.push(fieldErrors.required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) errs.push(fieldErrors.forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fieldErrors.invalid(child(p, 'operator'), expr.operator ?? '', 'not a valid selector operator'));
    }
    for (const m of isQualifiedName(str(expr.key))) errs.push(fieldErrors.invalid(child(p, 'key'), str(expr.key), m));
  });
  return errs;
}

/** A selector with neither matchLabels nor matchExpressions. */
export function isEmptySelector(selector: unknown): boolean {
  if (!isRecord(selector)) return false;
  const ml = isRecord(selector.matchLabels) ? Object.keys(selector.matchLabels).length : 0;
  const me = Array.isArray(selector.matchExpressions) ? selector.matchExpressions.length : 0;
  return ml + me === 0;
}
