import { describe, expect, it } from 'vitest';
import { defaultPodSpec } from '../../../control/api/defaults/pod-spec.js';
import {
  POD_TEMPLATE_HASH_LABEL, computeTemplateHash, fnv32a, safeEncodeString, templatesEqualIgnoringHash,
} from '../../../control/controllers/pod-template-hash.js';
import type { PodTemplateSpec } from '../../../control/controllers/workload-types.js';

const SAFE = /^[bcdfghjklmnpqrstvwxz2456789]+$/;

function template(image: string): PodTemplateSpec {
  return { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 8080 }] }] } };
}

/** What the API server stores for a Deployment/ReplicaSet template: fully defaulted. */
function stored(t: PodTemplateSpec, hash?: string): PodTemplateSpec {
  const copy = structuredClone(t);
  defaultPodSpec(copy.spec as Record<string, unknown>);
  if (hash) copy.metadata!.labels![POD_TEMPLATE_HASH_LABEL] = hash;
  return copy;
}

describe('fnv32a and safe encoding', () => {
  it('matches the FNV-1a 32-bit reference vectors', () => {
    expect(fnv32a(Buffer.from(''))).toBe(0x811c9dc5);
    expect(fnv32a(Buffer.from('a'))).toBe(0xe40c292c);
    expect(fnv32a(Buffer.from('foobar'))).toBe(0xbf9cf968);
  });

  it('renders digits with the alphabet of apimachinery rand.SafeEncodeString', () => {
    // '0'..'9' are char codes 48..57; 48 % 27 = 21 → alphabet[21] = '4', as upstream maps them
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
  });
});

describe('computeTemplateHash', () => {
  it('is stable, uses the safe alphabet and differs with the image', () => {
    const a = computeTemplateHash(template('testapp:1'));
    expect(a).toBe(computeTemplateHash(template('testapp:1')));
    expect(a).toMatch(SAFE);
    expect(a.length).toBeGreaterThanOrEqual(6);
    expect(a.length).toBeLessThanOrEqual(10);
    expect(computeTemplateHash(template('testapp:2'))).not.toBe(a);
  });

  it('ignores key order, defaults and its own label', () => {
    const t = template('testapp:1');
    const reordered: PodTemplateSpec = { spec: t.spec, metadata: t.metadata };
    expect(computeTemplateHash(reordered)).toBe(computeTemplateHash(t));
    expect(computeTemplateHash(stored(t, 'abcde'))).toBe(computeTemplateHash(t));
  });

  it('changes with the collision count', () => {
    const t = template('testapp:1');
    expect(computeTemplateHash(t, 1)).not.toBe(computeTemplateHash(t));
    expect(computeTemplateHash(t, 1)).not.toBe(computeTemplateHash(t, 2));
  });
});

describe('templatesEqualIgnoringHash (pitfall P11: rollout undo)', () => {
  it('treats the template kubectl rollout undo writes back as equal to the old ReplicaSet template', () => {
    const rsTemplate = stored(template('testapp:1'), computeTemplateHash(template('testapp:1')));
    // kubectl copies the RS template, drops pod-template-hash and serializes Go zero values
    const undo = {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'testapp:1', ports: [{ containerPort: 8080, protocol: 'TCP' }], resources: {} }] },
    } as unknown as PodTemplateSpec;
    expect(templatesEqualIgnoringHash(rsTemplate, undo)).toBe(true);
    expect(computeTemplateHash(undo)).toBe(computeTemplateHash(rsTemplate));
  });

  it('still tells real changes apart', () => {
    const base = stored(template('testapp:1'));
    const env = stored(template('testapp:1'));
    env.spec!.containers![0]!.env = [{ name: 'VERSION', value: 'v2' }];
    expect(templatesEqualIgnoringHash(base, env)).toBe(false);
    const restarted = stored(template('testapp:1'));
    restarted.metadata!.annotations = { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' };
    expect(templatesEqualIgnoringHash(base, restarted)).toBe(false);
    const otherLabel = stored(template('testapp:1'));
    otherLabel.metadata!.labels!.tier = 'fe';
    expect(templatesEqualIgnoringHash(base, otherLabel)).toBe(false);
  });

  it('keeps an explicit emptyDir volume meaningful', () => {
    const a = template('x');
    a.spec!.volumes = [{ name: 'cache', emptyDir: {} }];
    const b = template('x');
    b.spec!.volumes = [{ name: 'cache', hostPath: { path: '/tmp' } }];
    expect(templatesEqualIgnoringHash(a, b)).toBe(false);
  });
});
