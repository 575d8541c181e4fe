/** Table rendering for `kubectl get`: see README.md in this folder. */
export { toTable, printerFor, defaultPrinter, parseIncludeObject, type IncludeObject, type TableOptions } from './table.js';
export { humanDuration } from './format.js';
export type { Table, TableRow, TableColumnDefinition, Printer } from './types.js';
