/**
 * apps/v1 StatefulSet validation (pkg/apis/apps/validation ValidateStatefulSet /
 * ValidateStatefulSetUpdate) with kube's paths and messages.
 */
import type { FieldError } from '../errors.js';
import type { KubeObject } from '../object.js';
import { nonNegative } from './containers.js';
import { fieldErrors } from './field-error.js';
import { type JsonRecord, isRecord, jsonEqual, rec } from './json-shape.js';
import { isDNS1035Label } from './names.js';
import { validatePodTemplateSpec } from './pod-spec.js';
import { validateSelectorAndTemplate } from './workload-selector.js';

/** The spec fields an update may change (everything else is frozen at creation). */
const MUTABLE_SPEC_FIELDS = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export const STATEFULSET_UPDATE_FORBIDDEN = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
  + "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

function specOf(obj: KubeObject): JsonRecord {
  return isRecord(obj.spec) ? obj.spec : {};
}

/** The template as its pods will be: each volumeClaimTemplate is a volume, so mounts may name it. */
function withClaimVolumes(spec: JsonRecord): unknown {
  const claims = Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : [];
  const template = rec(spec.template);
  const podSpec = rec(template?.spec);
  if (!claims.length || !template || !podSpec) return spec.template;
  const names = claims.map((c) => rec(rec(c)?.metadata)?.name).filter((n): n is string => typeof n === 'string');
  const volumes = (Array.isArray(podSpec.volumes) ? podSpec.volumes : []).filter((v) => !names.includes(rec(v)?.name as string));
  return { ...template, spec: { ...podSpec, volumes: [...volumes, ...names.map((name) => ({ name, persistentVolumeClaim: { claimName: name } }))] } };
}

export function validateStatefulSet(obj: KubeObject): FieldError[] {
  const spec = specOf(obj);
  const errs: FieldError[] = [];
  switch (spec.podManagementPolicy) {
    case 'OrderedReady': case 'Parallel': break;
    case undefined: case null: case '':
      errs.push(fieldErrors.required('spec.podManagementPolicy'));
      break;
    default:
      errs.push(fieldErrors.invalid('spec.podManagementPolicy', spec.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'"));
  }
  const strategy = rec(spec.updateStrategy) ?? {};
  switch (strategy.type) {
    case 'RollingUpdate':
      nonNegative(errs, 'spec.updateStrategy.rollingUpdate.partition', rec(strategy.rollingUpdate)?.partition);
      break;
    case 'OnDelete':
      if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
        errs.push(fieldErrors.invalid('spec.updateStrategy.rollingUpdate', strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      }
      break;
    case undefined: case null: case '':
      errs.push(fieldErrors.required('spec.updateStrategy'));
      break;
    default:
      errs.push(fieldErrors.invalid('spec.updateStrategy', strategy.type, "must be 'RollingUpdate' or 'OnDelete'"));
  }
  const retention = rec(spec.persistentVolumeClaimRetentionPolicy) ?? {};
  for (const field of ['whenDeleted', 'whenScaled']) {
    const v = retention[field];
    if (v !== 'Retain' && v !== 'Delete') {
      errs.push(fieldErrors.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${field}`, v ?? '', ['Retain', 'Delete']));
    }
  }
  if (typeof spec.serviceName === 'string' && spec.serviceName !== '') {
    for (const msg of isDNS1035Label(spec.serviceName)) errs.push(fieldErrors.invalid('spec.serviceName', spec.serviceName, msg));
  }
  nonNegative(errs, 'spec.replicas', spec.replicas);
  nonNegative(errs, 'spec.minReadySeconds', spec.minReadySeconds);
  nonNegative(errs, 'spec.ordinals.start', rec(spec.ordinals)?.start);
  errs.push(...validateSelectorAndTemplate(spec, 'spec', 'statefulset'));
  errs.push(...validatePodTemplateSpec(withClaimVolumes(spec), 'spec.template'));
  const podSpec = rec(rec(spec.template)?.spec);
  if (podSpec?.restartPolicy && podSpec.restartPolicy !== 'Always') {
    errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy, ['Always']));
  }
  if (podSpec && podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
    errs.push(fieldErrors.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return errs;
}

/** Only the MUTABLE_SPEC_FIELDS may differ between the old and the new spec. */
export function validateStatefulSetUpdate(next: KubeObject, prev: KubeObject): FieldError[] {
  const frozen = (spec: JsonRecord): JsonRecord => {
    const rest = { ...spec };
    for (const f of MUTABLE_SPEC_FIELDS) delete rest[f];
    return rest;
  };
  if (jsonEqual(frozen(specOf(next)), frozen(specOf(prev)))) return [];
  return [fieldErrors.forbidden('spec', STATEFULSET_UPDATE_FORBIDDEN)];
}
