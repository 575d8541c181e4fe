/**
 * apps/v1 validation (pkg/apis/apps/validation): Deployment, ReplicaSet, DaemonSet, and their
 * update rules (the selector is immutable in apps/v1).
 */
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { nonNegative } from './containers.js';
import { child, fieldErrors, goLabelSelector } from './field-error.js';
import { type JsonRecord, isRecord, jsonEqual, rec } from './json-shape.js';
import { isValidPercent, NEGATIVE_ERROR } from './names.js';
import { validatePodTemplateSpec } from './pod-spec.js';
import { validateSelectorAndTemplate } from './workload-selector.js';

function specOf(obj: KubeObject): JsonRecord {
  return isRecord(obj.spec) ? obj.spec : {};
}

/** int-or-percent ("25%" or 1): its numeric value (percent as a number), or undefined when invalid. */
function intOrPercent(errs: FieldError[], value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'string') {
    const msgs = isValidPercent(value);
    for (const m of msgs) errs.push(fieldErrors.invalid(path, value, m));
    if (msgs.length) return undefined;
    const pct = Number(value.slice(0, -1));
    if (pct > 100) errs.push(fieldErrors.invalid(path, value, 'must not be greater than 100%'));
    return pct;
  }
  if (typeof value === 'number' && Number.isInteger(value)) {
    if (value < 0) errs.push(fieldErrors.invalid(path, value, NEGATIVE_ERROR));
    return value;
  }
  errs.push(fieldErrors.invalid(path, value, "must be an integer or percentage (e.g '5%')"));
  return undefined;
}

/** A ReplicaSet-style template: restartPolicy Always only, no activeDeadlineSeconds. */
function validateReplicaTemplate(spec: JsonRecord, path: string): FieldError[] {
  const errs = validatePodTemplateSpec(spec.template, child(path, 'template'));
  const podSpec = rec(rec(spec.template)?.spec);
  if (podSpec) {
    if (podSpec.restartPolicy && podSpec.restartPolicy !== 'Always') {
      errs.push(fieldErrors.notSupported(child(path, 'template', 'spec', 'restartPolicy'), podSpec.restartPolicy, ['Always']));
    }
    if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
      errs.push(fieldErrors.invalid(child(path, 'template', 'spec', 'activeDeadlineSeconds'), podSpec.activeDeadlineSeconds, 'activeDeadlineSeconds in ReplicaSet is not Supported'));
    }
  }
  return errs;
}

export function validateDeployment(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  nonNegative(errs, 'spec.replicas', spec.replicas);
  errs.push(...validateSelectorAndTemplate(spec, 'spec', 'deployment'));
  errs.push(...validateReplicaTemplate(spec, 'spec'));
  const strategy = rec(spec.strategy) ?? {};
  switch (strategy.type) {
    case 'Recreate':
      if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
        errs.push(fieldErrors.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
      }
      break;
    case 'RollingUpdate': {
      const ru = rec(strategy.rollingUpdate);
      if (!ru) {
        errs.push(fieldErrors.required('spec.strategy.rollingUpdate', 'this should be defaulted and never be nil'));
        break;
      }
      const unavailable = intOrPercent(errs, ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable');
      const surge = intOrPercent(errs, ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge');
      if (unavailable === 0 && surge === 0) {
        errs.push(fieldErrors.invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
      }
      break;
    }
    default:
      errs.push(fieldErrors.notSupported('spec.strategy', strategy.type ?? '', ['Recreate', 'RollingUpdate']));
  }
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  nonNegative(errs, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  if (typeof spec.progressDeadlineSeconds === 'number') {
    nonNegative(errs, 'spec.progressDeadlineSeconds', spec.progressDeadlineSeconds);
    if (spec.progressDeadlineSeconds <= (typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0)) {
      errs.push(fieldErrors.invalid('spec.progressDeadlineSeconds', spec.progressDeadlineSeconds, 'must be greater than minReadySeconds'));
    }
  }
  return errs;
}

export function validateReplicaSet(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  nonNegative(errs, 'spec.replicas', spec.replicas);
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  errs.push(...validateSelectorAndTemplate(spec, 'spec', 'deployment'));
  errs.push(...validateReplicaTemplate(spec, 'spec'));
  return errs;
}

export function validateDaemonSet(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs = validateSelectorAndTemplate(spec, 'spec', 'daemonset');
  errs.push(...validatePodTemplateSpec(spec.template, 'spec.template'));
  const podSpec = rec(rec(spec.template)?.spec);
  if (podSpec?.restartPolicy && podSpec.restartPolicy !== 'Always') {
    errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy, ['Always']));
  }
  if (podSpec && podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(fieldErrors.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  nonNegative(errs, 'spec.revisionHistoryLimit', spec.revisionHistoryLimit);
  const strategy = rec(spec.updateStrategy) ?? {};
  switch (strategy.type) {
    case 'OnDelete':
      break;
    case 'RollingUpdate': {
      const ru = rec(strategy.rollingUpdate);
      if (!ru) {
        errs.push(fieldErrors.required('spec.updateStrategy.rollingUpdate'));
        break;
      }
      const unavailable = intOrPercent(errs, ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable');
      const surge = intOrPercent(errs, ru.maxSurge, 'spec.updateStrategy.rollingUpdate.maxSurge');
      if (unavailable !== undefined && surge !== undefined) {
        if (unavailable !== 0 && surge !== 0) {
          errs.push(fieldErrors.invalid('spec.updateStrategy.rollingUpdate.maxSurge', ru.maxSurge, 'may not be set when maxUnavailable is non-zero'));
        } else if (unavailable === 0 && surge === 0) {
          errs.push(fieldErrors.required('spec.updateStrategy.rollingUpdate.maxUnavailable', 'cannot be 0 when maxSurge is 0'));
        }
      }
      break;
    }
    default:
      errs.push(fieldErrors.notSupported('spec.updateStrategy', strategy.type ?? '', ['RollingUpdate', 'OnDelete']));
  }
  return errs;
}

/** apps/v1: spec.selector may not change after creation (Deployment, ReplicaSet, DaemonSet). */
export function validateSelectorImmutable(next: KubeObject, prev: KubeObject): FieldError[] {
  const a = specOf(next).selector;
  const b = specOf(prev).selector;
  if (jsonEqual(a, b)) return [];
  return [fieldErrors.invalid('spec.selector', goLabelSelector(rec(a) ?? null), 'field is immutable')];
}

