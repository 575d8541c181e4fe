/**
 * PodSpec and PodTemplateSpec validation (pkg/apis/core/validation ValidatePodSpec /
 * ValidatePodTemplateSpec), the subset Tugboat's workloads exercise: volumes, containers and
 * init containers, restart and DNS policies, node selector, service account, tolerations,
 * hostname, activeDeadlineSeconds.
 */
import type { FieldError } from '../errors.js';
import { volumeSourceKeys } from '../defaults/pod-spec.js';
import { validateContainer } from './containers.js';
import { child, fieldErrors, index } from './field-error.js';
import { type JsonRecord, isRecord, rec, records, str } from './json-shape.js';
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './names.js';
import { validateLabels, validateTemplateMeta } from './object-meta.js';

const MAX_INT32 = 2147483647;

function validateVolumeSource(v: JsonRecord, path: string): FieldError[] {
  const sources = volumeSourceKeys(v);
  if (sources.length === 0) return [fieldErrors.required(path, 'must specify a volume type')];
  const errs: FieldError[] = sources.slice(1).map((s) => fieldErrors.forbidden(child(path, s), 'may not specify more than 1 volume type'));
  const checkMode = (src: JsonRecord | undefined, p: string) => {
    const mode = src?.defaultMode;
    if (mode !== undefined && mode !== null && (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o777)) {
      errs.push(fieldErrors.invalid(child(p, 'defaultMode'), mode, 'must be a number between 0 and 0777 (octal), both inclusive'));
    }
  };
  const secret = rec(v.secret);
  if (secret) {
    if (!str(secret.secretName)) errs.push(fieldErrors.required(child(path, 'secret', 'secretName')));
    checkMode(secret, child(path, 'secret'));
  }
  const configMap = rec(v.configMap);
  if (configMap) {
    if (!str(configMap.name)) errs.push(fieldErrors.required(child(path, 'configMap', 'name')));
    checkMode(configMap, child(path, 'configMap'));
  }
  const hostPath = rec(v.hostPath);
  if (hostPath && !str(hostPath.path)) errs.push(fieldErrors.required(child(path, 'hostPath', 'path')));
  const pvc = rec(v.persistentVolumeClaim);
  if (pvc && !str(pvc.claimName)) errs.push(fieldErrors.required(child(path, 'persistentVolumeClaim', 'claimName')));
  return errs;
}

/** Returns the errors and the set of valid volume names (what mounts may refer to). */
function validateVolumes(volumes: unknown, path: string): { errs: FieldError[]; names: Set<string> } {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  records(volumes).forEach((v, i) => {
    const p = index(path, i);
    const el = validateVolumeSource(v, p);
    const name = str(v.name);
    if (!name) el.push(fieldErrors.required(child(p, 'name')));
    else for (const m of isDNS1123Label(name)) el.push(fieldErrors.invalid(child(p, 'name'), name, m));
    if (names.has(name)) el.push(fieldErrors.duplicate(child(p, 'name'), name));
    if (el.length === 0) names.add(name);
    else errs.push(...el);
  });
  return { errs, names };
}

function validateTolerations(tolerations: unknown, path: string): FieldError[] {
  const errs: FieldError[] = [];
  records(tolerations).forEach((t, i) => {
    const p = index(path, i);
    const k = str(t.key);
    if (k) for (const m of isQualifiedName(k)) errs.push(fieldErrors.invalid(child(p, 'key'), k, m));
    if (!k && t.operator !== 'Exists') {
      errs.push(fieldErrors.invalid(child(p, 'operator'), str(t.operator), 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(fieldErrors.invalid(child(p, 'effect'), str(t.effect), "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (t.operator ?? '') {
      case 'Equal':
      case '':
        for (const m of isValidLabelValue(str(t.value))) errs.push(fieldErrors.invalid(child(p, 'operator'), str(t.value), m));
        break;
      case 'Exists':
        if (str(t.value)) errs.push(fieldErrors.invalid(child(p, 'operator'), t.value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(fieldErrors.notSupported(child(p, 'operator'), t.operator, ['Equal', 'Exists']));
    }
    if (t.effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(str(t.effect))) {
      errs.push(fieldErrors.notSupported(child(p, 'effect'), t.effect, ['NoExecute', 'NoSchedule', 'PreferNoSchedule']));
    }
  });
  return errs;
}

export function validatePodSpec(specValue: unknown, path: string): FieldError[] {
  const spec = rec(specValue);
  if (!spec) return [fieldErrors.required(child(path, 'containers'))];
  const { errs, names: volumes } = validateVolumes(spec.volumes, child(path, 'volumes'));
  const hostNetwork = spec.hostNetwork === true;

  const containers = records(spec.containers);
  if (containers.length === 0) errs.push(fieldErrors.required(child(path, 'containers')));
  const containerNames = new Set<string>();
  containers.forEach((c, i) => {
    const p = index(child(path, 'containers'), i);
    errs.push(...validateContainer(c, p, { volumes, hostNetwork, init: false }));
    const name = str(c.name);
    if (containerNames.has(name)) errs.push(fieldErrors.duplicate(child(p, 'name'), name));
    else containerNames.add(name);
  });
  const initNames = new Set<string>();
  records(spec.initContainers).forEach((c, i) => {
    const p = index(child(path, 'initContainers'), i);
    errs.push(...validateContainer(c, p, { volumes, hostNetwork, init: true }));
    const name = str(c.name);
    if (containerNames.has(name) || initNames.has(name)) errs.push(fieldErrors.duplicate(child(p, 'name'), name));
    else initNames.add(name);
  });

  const restart = spec.restartPolicy;
  if (!restart) errs.push(fieldErrors.required(child(path, 'restartPolicy')));
  else if (!['Always', 'OnFailure', 'Never'].includes(str(restart))) {
    errs.push(fieldErrors.notSupported(child(path, 'restartPolicy'), restart, ['Always', 'OnFailure', 'Never']));
  }
  const dns = spec.dnsPolicy;
  if (!dns) errs.push(fieldErrors.required(child(path, 'dnsPolicy')));
  else if (!['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'].includes(str(dns))) {
    errs.push(fieldErrors.notSupported(child(path, 'dnsPolicy'), dns, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']));
  }
  if (dns === 'None' && !isRecord(spec.dnsConfig)) {
    errs.push(fieldErrors.required(child(path, 'dnsConfig'), "must provide `dnsConfig` when `dnsPolicy` is None"));
  }
  errs.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')));
  const sa = str(spec.serviceAccountName);
  if (sa) for (const m of isDNS1123Subdomain(sa)) errs.push(fieldErrors.invalid(child(path, 'serviceAccountName'), sa, m));
  for (const f of ['hostname', 'subdomain']) {
    const v = str(spec[f]);
    if (v) for (const m of isDNS1123Label(v)) errs.push(fieldErrors.invalid(child(path, f), v, m));
  }
  const deadline = spec.activeDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && (typeof deadline !== 'number' || deadline < 1 || deadline > MAX_INT32)) {
    errs.push(fieldErrors.invalid(child(path, 'activeDeadlineSeconds'), deadline, inclusiveRangeError(1, MAX_INT32)));
  }
  const grace = spec.terminationGracePeriodSeconds;
  if (grace !== undefined && grace !== null && typeof grace !== 'number') errs.push(fieldErrors.invalid(child(path, 'terminationGracePeriodSeconds'), grace, 'must be an integer'));
  errs.push(...validateTolerations(spec.tolerations, child(path, 'tolerations')));
  return errs;
}

/** ValidatePodTemplateSpec: template labels/annotations, then the pod spec. */
export function validatePodTemplateSpec(template: unknown, path: string): FieldError[] {
  const t = rec(template);
  if (!t) return [fieldErrors.required(path)];
  return [...validateTemplateMeta(t.metadata, child(path, 'metadata')), ...validatePodSpec(t.spec, child(path, 'spec'))];
}

/** The template's labels (or undefined), for selector-vs-template checks. */
export function templateLabels(template: unknown): Record<string, string> | undefined {
  const labels = rec(rec(rec(template)?.metadata)?.labels);
  return labels as Record<string, string> | undefined;
}
