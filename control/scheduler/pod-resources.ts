/**
 * What a pod asks of a node, computed as kube-scheduler's resource.PodRequests does:
 * the sum over app containers (and sidecars), raised to the largest init container's request
 * (init containers run one at a time, before the apps), plus the pod overhead.
 * CPU is in millicores, memory and everything else in base units.
 */
import { milliValue, tryParseQuantity } from '../api/quantity.js';
import type { Container, Node, Pod } from './types.js';

export interface Resources {
  milliCpu: number;
  memory: number;
  /** Every other requested resource (extended resources, ephemeral-storage), by name. */
  scalar: Record<string, number>;
}

/** Used for scoring only, as upstream does, so pods without requests still spread by count. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, scalar: {} };
}

function quantity(name: string, value: string | number | undefined): number {
  if (value === undefined) return 0;
  if (name === 'cpu') {
    try {
      return milliValue(value);
    } catch {
      return 0;
    }
  }
  return tryParseQuantity(value) ?? 0;
}

function fromList(list: Record<string, string | number> | undefined): Resources {
  const r = emptyResources();
  for (const [name, value] of Object.entries(list ?? {})) {
    const q = quantity(name, value);
    if (name === 'cpu') r.milliCpu = q;
    else if (name === 'memory') r.memory = q;
    else r.scalar[name] = q;
  }
  return r;
}

function containerRequests(c: Container, nonZero: boolean): Resources {
  // The API server defaults requests from limits; read limits too for objects stored before that.
  const r = fromList({ ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) });
  if (nonZero) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (req.cpu === undefined && lim.cpu === undefined) r.milliCpu = DEFAULT_MILLI_CPU_REQUEST;
    if (req.memory === undefined && lim.memory === undefined) r.memory = DEFAULT_MEMORY_REQUEST;
  }
  return r;
}

export function addResources(a: Resources, b: Resources): Resources {
  const scalar = { ...a.scalar };
  for (const [k, v] of Object.entries(b.scalar)) scalar[k] = (scalar[k] ?? 0) + v;
  return { milliCpu: a.milliCpu + b.milliCpu, memory: a.memory + b.memory, scalar };
}

function maxResources(a: Resources, b: Resources): Resources {
  const scalar = { ...a.scalar };
  for (const [k, v] of Object.entries(b.scalar)) scalar[k] = Math.max(scalar[k] ?? 0, v);
  return { milliCpu: Math.max(a.milliCpu, b.milliCpu), memory: Math.max(a.memory, b.memory), scalar };
}

/**
 * The pod's effective request. `nonZero` substitutes the scoring defaults (100m, 200Mi) for
 * containers that request no cpu/memory.
 */
export function podRequests(pod: Pod, nonZero = false): Resources {
  const spec = pod.spec ?? {};
  let apps = emptyResources();
  for (const c of spec.containers ?? []) apps = addResources(apps, containerRequests(c, nonZero));
  // Sidecars (restartPolicy Always) run alongside the apps; plain init containers run before them.
  let sidecars = emptyResources();
  let initPeak = emptyResources();
  for (const c of spec.initContainers ?? []) {
    const r = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      sidecars = addResources(sidecars, r);
      initPeak = maxResources(initPeak, sidecars);
    } else {
      initPeak = maxResources(initPeak, addResources(sidecars, r));
    }
  }
  let total = maxResources(addResources(apps, sidecars), initPeak);
  if (spec.overhead) total = addResources(total, fromList(spec.overhead));
  return total;
}

export interface Allocatable extends Resources {
  pods: number;
}

/** node.status.allocatable (capacity when allocatable is absent); a missing resource is 0. */
export function nodeAllocatable(node: Node): Allocatable {
  const list = node.status?.allocatable ?? node.status?.capacity ?? {};
  const { pods, ...rest } = list;
  return { ...fromList(rest), pods: quantity('pods', pods) };
}
