/**
 * Printers for the policy-ish kinds (pkg/printers/internalversion/printers.go): RBAC bindings,
 * PodDisruptionBudgets, PriorityClasses and ResourceQuotas. Roles, ClusterRoles and LimitRanges
 * use the default printer (name, created at), as upstream does.
 */
import type { KubeObject } from '../../api/object.js';
import { since } from './format.js';
import { ageColumn, col, nameColumn, type Printer } from './types.js';

interface Subject { kind?: string; name?: string; namespace?: string }

/** rbac.SubjectsStrings: users, groups and service accounts (`ns:name`), each joined with ", ". */
function subjectStrings(subjects: Subject[] | undefined): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const sas: string[] = [];
  for (const s of subjects ?? []) {
    if (s.kind === 'User') users.push(s.name ?? '');
    else if (s.kind === 'Group') groups.push(s.name ?? '');
    else if (s.kind === 'ServiceAccount') sas.push(s.namespace ? `${s.namespace}:${s.name ?? ''}` : s.name ?? '');
  }
  return [users.join(', '), groups.join(', '), sas.join(', ')];
}

export const roleBindingPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Role', 'RoleRef is the Role to bind to.'),
    ageColumn(),
    col('Users', 'Users in the binding.', { priority: 1 }),
    col('Groups', 'Groups in the binding.', { priority: 1 }),
    col('ServiceAccounts', 'ServiceAccounts in the binding.', { priority: 1 }),
  ],
  row(obj, { now }) {
    const ref = (obj.roleRef ?? {}) as { kind?: string; name?: string };
    return { cells: [obj.metadata.name ?? '', `${ref.kind ?? ''}/${ref.name ?? ''}`, since(obj.metadata.creationTimestamp, now), ...subjectStrings(obj.subjects as Subject[] | undefined)] };
  },
};

const intOrString = (v: unknown): string => (v === undefined || v === null ? 'N/A' : String(v));

export const podDisruptionBudgetPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Min Available', 'The minimum number of pods that must be available simultaneously. This can be either an integer or a string specifying a percentage, e.g. "28%".'),
    col('Max Unavailable', 'The maximum number of pods that may be unavailable simultaneously. This can be either an integer or a string specifying a percentage, e.g. "28%".'),
    col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', { type: 'integer' }),
    ageColumn(),
  ],
  row(obj, { now }) {
    const spec = (obj.spec ?? {}) as { minAvailable?: unknown; maxUnavailable?: unknown };
    const status = (obj.status ?? {}) as { disruptionsAllowed?: number };
    return { cells: [obj.metadata.name ?? '', intOrString(spec.minAvailable), intOrString(spec.maxUnavailable), status.disruptionsAllowed ?? 0, since(obj.metadata.creationTimestamp, now)] };
  },
};

export const priorityClassPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Value', 'The value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec.', { type: 'integer' }),
    col('Global-Default', 'Whether this priority class should be used as the default priority for pods without a priorityClassName.', { type: 'boolean' }),
    ageColumn(),
    col('PreemptionPolicy', 'The policy for preempting pods with lower priority.'),
  ],
  row(obj, { now }) {
    const o = obj as KubeObject & { value?: number; globalDefault?: boolean; preemptionPolicy?: string };
    return { cells: [obj.metadata.name ?? '', o.value ?? 0, o.globalDefault ?? false, since(obj.metadata.creationTimestamp, now), o.preemptionPolicy ?? ''] };
  },
};

/** Request and Limit columns: `resource: used/hard` per resource, limits.* in the second. */
export const resourceQuotaPrinter: Printer = {
  columns: [
    nameColumn(),
    ageColumn(),
    col('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    col('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.'),
  ],
  row(obj, { now }) {
    const spec = (obj.spec ?? {}) as { hard?: Record<string, string> };
    const status = (obj.status ?? {}) as { hard?: Record<string, string>; used?: Record<string, string> };
    const request: string[] = [];
    const limit: string[] = [];
    for (const r of Object.keys(spec.hard ?? {}).sort()) {
      const cell = `${r}: ${status.used?.[r] ?? '0'}/${status.hard?.[r] ?? spec.hard![r]}`;
      (r.startsWith('limits') ? limit : request).push(cell);
    }
    return { cells: [obj.metadata.name ?? '', since(obj.metadata.creationTimestamp, now), request.join(', '), limit.join(', ')] };
  },
};
