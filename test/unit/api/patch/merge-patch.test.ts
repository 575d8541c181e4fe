import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '../../../../control/api/patch/index.js';
import { deepFreeze } from './freeze.js';

// RFC 7386 Appendix A, verbatim.
const RFC_CASES: Array<[unknown, unknown, unknown]> = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [['a', 'b'], ['c', 'd'], ['c', 'd']],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

describe('applyMergePatch (RFC 7386)', () => {
  it.each(RFC_CASES.map(([t, p, r], i) => ({ i, t, p, r })))('RFC 7386 appendix case $i', ({ t, p, r }) => {
    expect(applyMergePatch(deepFreeze(t), deepFreeze(p))).toEqual(r);
  });

  const deployment = () => deepFreeze({
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, annotations: { a: '1' } },
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } },
  });

  it('kubectl scale: {"spec":{"replicas":4}} changes only replicas', () => {
    const out = applyMergePatch(deployment(), { spec: { replicas: 4 } }) as ReturnType<typeof deployment>;
    expect(out.spec.replicas).toBe(4);
    expect(out.spec.template).toEqual(deployment().spec.template);
    expect(out.metadata).toEqual(deployment().metadata);
  });

  it('kubectl label: {"metadata":{"labels":{"tier":"fe"}}} adds to existing labels', () => {
    const out = applyMergePatch(deployment(), { metadata: { labels: { tier: 'fe' } } }) as ReturnType<typeof deployment>;
    expect(out.metadata.labels).toEqual({ app: 'web', tier: 'fe' });
    expect(out.metadata.annotations).toEqual({ a: '1' });
  });

  it('kubectl label tier- (null) removes one label', () => {
    const out = applyMergePatch(deployment(), { metadata: { labels: { app: null } } }) as ReturnType<typeof deployment>;
    expect(out.metadata.labels).toEqual({});
  });

  it('replaces lists wholesale (no merge by key)', () => {
    const out = applyMergePatch(deployment(), { spec: { template: { spec: { containers: [{ name: 'other' }] } } } }) as ReturnType<typeof deployment>;
    expect(out.spec.template.spec.containers).toEqual([{ name: 'other' }]);
  });

  it('returns a result that does not share structure with the target', () => {
    const target = { spec: { a: { b: 1 } }, keep: { deep: [1] } };
    const out = applyMergePatch(target, { spec: { c: 2 } }) as typeof target;
    (out.keep.deep as number[]).push(2);
    expect(target.keep.deep).toEqual([1]);
  });
});
