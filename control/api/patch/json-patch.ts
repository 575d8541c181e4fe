/**
 * JSON Patch (RFC 6902), `application/json-patch+json`, with JSON Pointers (RFC 6901).
 *
 * Two kinds of failure, answered the way kube-apiserver answers them:
 * - the patch document itself is malformed (not an array, an op without `op`/`path`, an unknown
 *   op, a pointer that does not start with `/`, a bad `~` escape) → 400 BadRequest, naming the op;
 * - a well-formed op cannot apply to this object (missing path, index out of range, failed
 *   `test`, moving a value into itself) → 422 Invalid.
 * Ops apply in order to a private copy; the target is never mutated and a failure leaves no
 * partial result.
 */
import { ApiError, errors } from '../errors.js';
import { cloneJson, describeValue, isObject, jsonEqual, type JsonObject } from './json-value.js';

type OpName = 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
const OPS: readonly OpName[] = ['add', 'remove', 'replace', 'move', 'copy', 'test'];

interface Operation {
  index: number;
  op: OpName;
  path: string[];
  rawPath: string;
  from?: string[];
  rawFrom?: string;
  value?: unknown;
}

export function applyJsonPatch(target: unknown, ops: unknown): unknown {
  const parsed = parseOperations(ops);
  // The document is held in a box so that ops on the root path ("") can replace it.
  const box: JsonObject = { doc: cloneJson(target) };
  for (const op of parsed) applyOperation(box, op);
  return box.doc;
}

/** Splits a JSON Pointer into unescaped reference tokens; throws a plain Error when malformed. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer ${JSON.stringify(pointer)} must be empty or start with "/"`);
  return pointer.slice(1).split('/').map((token) => {
    if (/~[^01]|~$/.test(token)) throw new Error(`JSON pointer ${JSON.stringify(pointer)} has an invalid "~" escape`);
    return token.replace(/~1/g, '/').replace(/~0/g, '~');
  });
}

function parseOperations(ops: unknown): Operation[] {
  if (!Array.isArray(ops)) throw errors.badRequest('json patch must be a JSON array of operations');
  return ops.map((raw, index) => {
    const bad = (why: string) => errors.badRequest(`json patch operation ${index}: ${why}`);
    if (!isObject(raw)) throw bad('must be a JSON object');
    const op = raw.op;
    if (typeof op !== 'string') throw bad('missing "op"');
    if (!(OPS as readonly string[]).includes(op)) throw bad(`unknown op ${JSON.stringify(op)}`);
    if (typeof raw.path !== 'string') throw bad(`${op} operation is missing "path"`);
    const parsed: Operation = { index, op: op as OpName, rawPath: raw.path, path: pointerOrBad(raw.path, bad) };
    if (op === 'add' || op === 'replace' || op === 'test') {
      if (!Object.prototype.hasOwnProperty.call(raw, 'value')) throw bad(`${op} operation is missing "value"`);
      parsed.value = raw.value;
    }
    if (op === 'move' || op === 'copy') {
      if (typeof raw.from !== 'string') throw bad(`${op} operation is missing "from"`);
      parsed.rawFrom = raw.from;
      parsed.from = pointerOrBad(raw.from, bad);
    }
    return parsed;
  });
}

function pointerOrBad(pointer: string, bad: (why: string) => ApiError): string[] {
  try {
    return parsePointer(pointer);
  } catch (e) {
    throw bad((e as Error).message);
  }
}

function cannotApply(op: Operation, why: string): ApiError {
  return new ApiError(422, 'Invalid', `json patch operation ${op.index} (${op.op} ${JSON.stringify(op.rawPath)}) does not apply: ${why}`);
}

function applyOperation(box: JsonObject, op: Operation): void {
  const root = ['doc', ...op.path];
  switch (op.op) {
    case 'add':
      insert(box, root, cloneJson(op.value), op);
      return;
    case 'remove':
      if (op.path.length === 0) throw cannotApply(op, 'cannot remove the whole document');
      extract(box, root, op);
      return;
    case 'replace':
      if (op.path.length === 0) { box.doc = cloneJson(op.value); return; }
      extract(box, root, op);
      insert(box, root, cloneJson(op.value), op);
      return;
    case 'move': {
      const from = ['doc', ...(op.from ?? [])];
      if (op.rawFrom === op.rawPath) { read(box, from, op); return; }
      if (isProperPrefix(op.from ?? [], op.path)) throw cannotApply(op, `cannot move ${JSON.stringify(op.rawFrom)} into one of its own children`);
      const value = extract(box, from, op);
      insert(box, root, value, op);
      return;
    }
    case 'copy':
      insert(box, root, cloneJson(read(box, ['doc', ...(op.from ?? [])], op)), op);
      return;
    case 'test': {
      const actual = read(box, root, op);
      if (!jsonEqual(actual, op.value)) {
        throw cannotApply(op, `test failed: value is ${describeValue(actual)}, expected ${describeValue(op.value)}`);
      }
      return;
    }
  }
}

function isProperPrefix(prefix: string[], path: string[]): boolean {
  return prefix.length < path.length && prefix.every((t, i) => path[i] === t);
}

/** Array index per RFC 6901: "0" or a digit string without leading zeros. */
function arrayIndex(token: string, length: number, allowEnd: boolean, op: Operation): number {
  if (allowEnd && token === '-') return length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw cannotApply(op, `${JSON.stringify(token)} is not an array index`);
  const index = Number(token);
  if (index > length || (!allowEnd && index === length)) throw cannotApply(op, `array index ${index} is out of range (length ${length})`);
  return index;
}

/** The container holding the last token of `path`, which must exist. */
function parentOf(box: JsonObject, path: string[], op: Operation): unknown {
  let node: unknown = box;
  for (let i = 0; i < path.length - 1; i++) {
    const token = path[i]!;
    if (Array.isArray(node)) {
      node = node[arrayIndex(token, node.length, false, op)];
    } else if (isObject(node) && Object.prototype.hasOwnProperty.call(node, token)) {
      node = node[token];
    } else {
      throw cannotApply(op, `path ${JSON.stringify(pointerOf(path.slice(1, i + 1)))} does not exist`);
    }
  }
  return node;
}

function read(box: JsonObject, path: string[], op: Operation): unknown {
  const parent = parentOf(box, path, op);
  const token = path[path.length - 1]!;
  if (Array.isArray(parent)) return parent[arrayIndex(token, parent.length, false, op)];
  if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, token)) return parent[token];
  throw cannotApply(op, `path ${JSON.stringify(pointerOf(path.slice(1)))} does not exist`);
}

function extract(box: JsonObject, path: string[], op: Operation): unknown {
  const value = read(box, path, op);
  const parent = parentOf(box, path, op);
  const token = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(Number(token), 1);
  else delete (parent as JsonObject)[token];
  return value;
}

function insert(box: JsonObject, path: string[], value: unknown, op: Operation): void {
  const parent = parentOf(box, path, op);
  const token = path[path.length - 1]!;
  if (Array.isArray(parent)) {
    parent.splice(arrayIndex(token, parent.length, true, op), 0, value);
  } else if (isObject(parent)) {
    parent[token] = value;
  } else {
    throw cannotApply(op, `parent of ${JSON.stringify(pointerOf(path.slice(1)))} is not an object or array`);
  }
}

function pointerOf(tokens: string[]): string {
  return tokens.map((t) => `/${t.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
