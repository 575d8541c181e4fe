import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../control/api/errors.js';
import { applyJsonPatch } from '../../../../control/api/patch/index.js';
import { deepFreeze } from './freeze.js';

const doc = () => deepFreeze({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', annotations: { 'deployment.kubernetes.io/revision': '3', 'a~b': 'x' } as Record<string, string> },
  spec: { replicas: 2, list: ['a', 'b', 'c'], template: { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } },
});

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected an ApiError');
}

describe('applyJsonPatch (RFC 6902)', () => {
  it('applies kubectl rollout undo: replace /spec/template and /metadata/annotations', () => {
    const template = { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25', resources: {} }] } };
    const annotations = { 'deployment.kubernetes.io/revision': '2', 'kubectl.kubernetes.io/last-applied-configuration': '{}\n' };
    const out = applyJsonPatch(doc(), deepFreeze([
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: annotations },
    ])) as ReturnType<typeof doc>;
    expect(out.spec.template).toEqual(template);
    expect(out.metadata.annotations).toEqual(annotations);
    expect(out.spec.replicas).toBe(2);
  });

  it('applies client-node style replace of /spec/replicas', () => {
    expect((applyJsonPatch(doc(), [{ op: 'replace', path: '/spec/replicas', value: 5 }]) as ReturnType<typeof doc>).spec.replicas).toBe(5);
  });

  const cases: Array<{ name: string; ops: unknown[]; check: (out: ReturnType<typeof doc>) => void }> = [
    { name: 'add a new key with ~1 escaping "/"', ops: [{ op: 'add', path: '/metadata/annotations/kubectl.kubernetes.io~1restartedAt', value: 't' }],
      check: (o) => expect(o.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBe('t') },
    { name: 'replace a key with ~0 escaping "~"', ops: [{ op: 'replace', path: '/metadata/annotations/a~0b', value: 'y' }],
      check: (o) => expect(o.metadata.annotations['a~b']).toBe('y') },
    { name: 'add appends with "-"', ops: [{ op: 'add', path: '/spec/list/-', value: 'd' }],
      check: (o) => expect(o.spec.list).toEqual(['a', 'b', 'c', 'd']) },
    { name: 'add inserts at an index', ops: [{ op: 'add', path: '/spec/list/1', value: 'x' }],
      check: (o) => expect(o.spec.list).toEqual(['a', 'x', 'b', 'c']) },
    { name: 'add at index == length appends', ops: [{ op: 'add', path: '/spec/list/3', value: 'z' }],
      check: (o) => expect(o.spec.list).toEqual(['a', 'b', 'c', 'z']) },
    { name: 'remove an array element', ops: [{ op: 'remove', path: '/spec/list/0' }],
      check: (o) => expect(o.spec.list).toEqual(['b', 'c']) },
    { name: 'remove the pod-template-hash label', ops: [{ op: 'remove', path: '/spec/template/metadata/labels/pod-template-hash' }],
      check: (o) => expect(o.spec.template.metadata.labels).toEqual({ app: 'web' }) },
    { name: 'move a value', ops: [{ op: 'move', from: '/spec/replicas', path: '/spec/count' }],
      check: (o) => { expect(o.spec).toMatchObject({ count: 2 }); expect('replicas' in o.spec).toBe(false); } },
    { name: 'move within an array', ops: [{ op: 'move', from: '/spec/list/0', path: '/spec/list/-' }],
      check: (o) => expect(o.spec.list).toEqual(['b', 'c', 'a']) },
    { name: 'copy a subtree (a deep copy)', ops: [{ op: 'copy', from: '/spec/template/metadata', path: '/metadata/copied' }, { op: 'add', path: '/metadata/copied/labels/x', value: '1' }],
      check: (o) => { expect(o.spec.template.metadata.labels).not.toHaveProperty('x'); expect((o.metadata as Record<string, unknown>).copied).toMatchObject({ labels: { x: '1' } }); } },
    { name: 'test passes, then replace', ops: [{ op: 'test', path: '/spec/replicas', value: 2 }, { op: 'replace', path: '/spec/replicas', value: 3 }],
      check: (o) => expect(o.spec.replicas).toBe(3) },
    { name: 'test compares objects structurally', ops: [{ op: 'test', path: '/spec/template/spec/containers/0', value: { image: 'nginx:1.26', name: 'nginx' } }],
      check: (o) => expect(o.spec.replicas).toBe(2) },
    { name: 'add with path "" replaces the document', ops: [{ op: 'add', path: '', value: { metadata: { name: 'x' } } }],
      check: (o) => expect(o).toEqual({ metadata: { name: 'x' } }) },
    { name: 'add null value', ops: [{ op: 'add', path: '/spec/paused', value: null }],
      check: (o) => expect(o.spec).toHaveProperty('paused', null) },
  ];
  it.each(cases)('$name', ({ ops, check }) => {
    check(applyJsonPatch(doc(), deepFreeze(ops)) as ReturnType<typeof doc>);
  });

  const malformed: Array<{ name: string; ops: unknown; message: RegExp }> = [
    { name: 'not an array', ops: { op: 'add' }, message: /must be a JSON array/ },
    { name: 'op not an object', ops: [1], message: /operation 0: must be a JSON object/ },
    { name: 'missing op', ops: [{ op: 'test', path: '/a', value: 1 }, { path: '/spec' }], message: /operation 1: missing "op"/ },
    { name: 'unknown op', ops: [{ op: 'merge', path: '/spec' }], message: /operation 0: unknown op "merge"/ },
    { name: 'missing path', ops: [{ op: 'remove' }], message: /operation 0: remove operation is missing "path"/ },
    { name: 'missing value', ops: [{ op: 'add', path: '/spec/x' }], message: /operation 0: add operation is missing "value"/ },
    { name: 'missing from', ops: [{ op: 'copy', path: '/spec/x' }], message: /operation 0: copy operation is missing "from"/ },
    { name: 'pointer without leading slash', ops: [{ op: 'remove', path: 'spec/replicas' }], message: /operation 0: .*must be empty or start with "\/"/ },
    { name: 'bad ~ escape', ops: [{ op: 'remove', path: '/spec/a~2b' }], message: /operation 0: .*invalid "~" escape/ },
  ];
  it.each(malformed)('a malformed patch ($name) is 400 BadRequest naming the op', ({ ops, message }) => {
    const err = thrown(() => applyJsonPatch(doc(), ops));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
    expect(err.message).toMatch(message);
  });

  const unappliable: Array<{ name: string; ops: unknown[]; message: RegExp }> = [
    { name: 'replace a missing key', ops: [{ op: 'replace', path: '/spec/nope', value: 1 }], message: /operation 0 \(replace "\/spec\/nope"\) does not apply: path "\/spec\/nope" does not exist/ },
    { name: 'remove a missing key', ops: [{ op: 'remove', path: '/metadata/labels/app' }], message: /path "\/metadata\/labels" does not exist/ },
    { name: 'add under a missing parent', ops: [{ op: 'add', path: '/status/replicas', value: 1 }], message: /path "\/status" does not exist/ },
    { name: 'index out of range', ops: [{ op: 'remove', path: '/spec/list/3' }], message: /array index 3 is out of range/ },
    { name: 'add index past the end', ops: [{ op: 'add', path: '/spec/list/5', value: 1 }], message: /out of range/ },
    { name: 'index with a leading zero', ops: [{ op: 'remove', path: '/spec/list/01' }], message: /"01" is not an array index/ },
    { name: 'failed test', ops: [{ op: 'replace', path: '/spec/replicas', value: 9 }, { op: 'test', path: '/spec/replicas', value: 2 }], message: /operation 1 \(test "\/spec\/replicas"\) does not apply: test failed: value is 9, expected 2/ },
    { name: 'move into its own child', ops: [{ op: 'move', from: '/spec', path: '/spec/template/x' }], message: /cannot move "\/spec" into one of its own children/ },
    { name: 'copy from a missing path', ops: [{ op: 'copy', from: '/nope', path: '/x' }], message: /does not exist/ },
  ];
  it.each(unappliable)('an op that cannot apply ($name) is 422 Invalid and changes nothing', ({ ops, message }) => {
    const target = doc();
    const err = thrown(() => applyJsonPatch(target, ops));
    expect(err.code).toBe(422);
    expect(err.reason).toBe('Invalid');
    expect(err.message).toMatch(message);
    expect(err.toStatus()).toMatchObject({ kind: 'Status', code: 422, reason: 'Invalid' });
    expect(target).toEqual(doc());
  });
});
