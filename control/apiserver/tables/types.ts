/**
 * The meta.k8s.io/v1 Table shapes and the printer contract. A printer is a column list plus a pure
 * row function; it never sees includeObject or list metadata (toTable handles those).
 */
import type { KubeObject } from '../../api/object.js';

export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export type Cell = string | number | boolean | null;

export interface TableRow {
  cells: Cell[];
  conditions?: TableRowCondition[];
  object?: unknown;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

export interface PrintContext {
  now: Date;
}

export interface PrintedRow {
  cells: Cell[];
  conditions?: TableRowCondition[];
}

export interface Printer {
  columns: TableColumnDefinition[];
  /** One row; `cells.length` always equals `columns.length` (the server prints "wide"). */
  row(obj: KubeObject, ctx: PrintContext): PrintedRow;
}

/** Column helper: `col('Age')`, `col('IP', { priority: 1 })`, `col('Name', { format: 'name' })`. */
export function col(
  name: string,
  description: string,
  opts: { type?: TableColumnDefinition['type']; format?: string; priority?: number } = {},
): TableColumnDefinition {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

// Descriptions are the upstream swagger docs (shortened where they are long); kubectl never shows them.
export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const nameColumn = (): TableColumnDefinition => col('Name', NAME_DESCRIPTION, { format: 'name' });
export const ageColumn = (): TableColumnDefinition => col('Age', AGE_DESCRIPTION);
export const containersColumn = (): TableColumnDefinition =>
  col('Containers', 'Names of each container in the template.', { priority: 1 });
export const imagesColumn = (): TableColumnDefinition =>
  col('Images', 'Images referenced by each container in the template.', { priority: 1 });
