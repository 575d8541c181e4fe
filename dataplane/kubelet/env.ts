/**
 * A container's environment, as upstream makeEnvironmentVariables builds it: service variables
 * first, then envFrom (ConfigMaps/Secrets, optional prefix), then env (value with $(VAR)
 * expansion over what came before, configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef);
 * later definitions win. A missing non-optional source is a CreateContainerConfigError with
 * upstream's message, and the container is not created.
 */
import type { BoundClaim } from './volumes.js';
import { expand } from './expand.js';
import { fieldRefValue, resourceFieldValue, type PodRuntimeFacts } from './field-ref.js';
import type { ConfigMap, Container, Pod, Secret, Service } from './pod-types.js';
import { serviceEnv, servicesForPod } from './service-env.js';

export interface ConfigSources {
  configMap(namespace: string, name: string): ConfigMap | undefined;
  secret(namespace: string, name: string): Secret | undefined;
  /** services of a namespace */
  services(namespace: string): readonly Service[];
  /** a claim and its bound volume, read live (mounting is rare; no informer needed) */
  boundClaim?(namespace: string, claimName: string): Promise<BoundClaim>;
}

export class ContainerConfigError extends Error {
  readonly reason = 'CreateContainerConfigError';
}

const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

function configMapData(cm: ConfigMap): Record<string, string> {
  const out: Record<string, string> = { ...(cm.data ?? {}) };
  for (const [k, v] of Object.entries(cm.binaryData ?? {})) out[k] = decode(v);
  return out;
}

function secretData(s: Secret): Record<string, string> {
  return Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, decode(v)]));
}

/** Ordered name → value; a later set of an existing name replaces its value in place. */
export function containerEnv(pod: Pod, container: Container, sources: ConfigSources, facts: PodRuntimeFacts): Array<[string, string]> {
  const ns = pod.metadata.namespace ?? 'default';
  const env = new Map<string, string>();
  const services = servicesForPod(ns, pod.spec.enableServiceLinks !== false, sources.services(ns),
    sources.services('default').find((s) => s.metadata.name === 'kubernetes'));
  for (const [k, v] of serviceEnv(services)) env.set(k, v);

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    if (from.configMapRef) {
      const cm = sources.configMap(ns, from.configMapRef.name);
      if (!cm) {
        if (from.configMapRef.optional) continue;
        throw new ContainerConfigError(`configmap "${from.configMapRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(configMapData(cm))) env.set(prefix + k, v);
    } else if (from.secretRef) {
      const s = sources.secret(ns, from.secretRef.name);
      if (!s) {
        if (from.secretRef.optional) continue;
        throw new ContainerConfigError(`secret "${from.secretRef.name}" not found`);
      }
      for (const [k, v] of Object.entries(secretData(s))) env.set(prefix + k, v);
    }
  }

  for (const e of container.env ?? []) {
    const vf = e.valueFrom;
    if (!vf) {
      env.set(e.name, expand(e.value ?? '', (n) => env.get(n)));
      continue;
    }
    if (vf.configMapKeyRef) {
      const ref = vf.configMapKeyRef;
      const cm = sources.configMap(ns, ref.name);
      if (!cm) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`configmap "${ref.name}" not found`);
      }
      const data = configMapData(cm);
      if (!(ref.key in data)) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name}`);
      }
      env.set(e.name, data[ref.key]!);
    } else if (vf.secretKeyRef) {
      const ref = vf.secretKeyRef;
      const s = sources.secret(ns, ref.name);
      if (!s) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`secret "${ref.name}" not found`);
      }
      const data = secretData(s);
      if (!(ref.key in data)) {
        if (ref.optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name}`);
      }
      env.set(e.name, data[ref.key]!);
    } else if (vf.fieldRef) {
      try {
        env.set(e.name, fieldRefValue(pod, vf.fieldRef, facts));
      } catch (err) {
        throw new ContainerConfigError((err as Error).message);
      }
    } else if (vf.resourceFieldRef) {
      try {
        env.set(e.name, resourceFieldValue(pod, container, vf.resourceFieldRef, facts));
      } catch (err) {
        throw new ContainerConfigError((err as Error).message);
      }
    }
  }
  return [...env.entries()];
}

/** command/args with $(VAR) expanded against the container's environment. */
export function expandCommand(words: readonly string[] | undefined, env: ReadonlyArray<[string, string]>): string[] | undefined {
  if (!words) return undefined;
  const map = new Map(env);
  return words.map((w) => expand(w, (n) => map.get(n)));
}

export { configMapData, secretData };
