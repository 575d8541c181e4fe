/**
 * Real request bodies captured from kubectl 1.32 (see capture.ts) decode to exactly the JSON
 * kubectl itself prints for the same command with `--dry-run=client -o json`.
 *
 * One normalisation: kubectl prints `"creationTimestamp": null` for the zero metav1.Time (Go
 * marshals a zero Time as null even with omitempty); the decoder omits zero Times instead, which
 * the API reads identically. Everything else must match key for key.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeProtobufObject, PROTOBUF_MEDIA_TYPE } from '../../../../control/api/protobuf/index.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface CaseInfo { command: string; path: string; contentType: string }
const cases = JSON.parse(readFileSync(join(FIXTURES, 'cases.json'), 'utf8')) as Record<string, CaseInfo>;

function body(name: string): Buffer {
  return readFileSync(join(FIXTURES, `${name}.pb`));
}

function kubectlJson(name: string): unknown {
  return stripNullCreationTimestamps(JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')));
}

function stripNullCreationTimestamps(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripNullCreationTimestamps);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'creationTimestamp' && v === null) continue;
    out[k] = stripNullCreationTimestamps(v);
  }
  return out;
}

describe('kubectl 1.32 create <generator> bodies', () => {
  it('covers every generator the brief lists, each captured as a protobuf POST', () => {
    const required = ['configmap', 'secret-generic', 'secret-tls', 'namespace', 'deployment',
      'service-clusterip', 'service-nodeport', 'job', 'serviceaccount'];
    for (const name of required) expect(Object.keys(cases)).toContain(name);
    for (const [name, info] of Object.entries(cases)) {
      expect(info.contentType, name).toBe(PROTOBUF_MEDIA_TYPE);
      expect(info.path, name).toMatch(/fieldManager=kubectl-create/);
    }
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.pb')).map((f) => f.slice(0, -3)).sort();
    expect(files).toEqual(Object.keys(cases).sort());
  });

  for (const name of Object.keys(cases)) {
    it(`${name}: decodes to kubectl's own JSON (${cases[name]!.command})`, () => {
      expect(decodeProtobufObject(body(name))).toStrictEqual(kubectlJson(name));
    });
  }
});

describe('what the API server relies on in those bodies', () => {
  it('configmap data is a plain string map', () => {
    const cm = decodeProtobufObject(body('configmap'));
    expect(cm.data).toEqual({ a: '1', b: '2' });
    expect(decodeProtobufObject(body('configmap-from-file')).data).toEqual({ 'env.txt': 'MODE=prod\nLEVEL=3\n' });
  });

  it('secret data is base64 and `secret generic` leaves type unset (server defaults Opaque)', () => {
    const s = decodeProtobufObject(body('secret-generic'));
    expect(s.data).toEqual({ k: Buffer.from('v').toString('base64') });
    expect(s).not.toHaveProperty('type');
  });

  it('secret tls carries kubernetes.io/tls with PEM tls.crt/tls.key', () => {
    const s = decodeProtobufObject(body('secret-tls'));
    expect(s.type).toBe('kubernetes.io/tls');
    const data = s.data as Record<string, string>;
    expect(Buffer.from(data['tls.crt']!, 'base64').toString()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(Buffer.from(data['tls.key']!, 'base64').toString()).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('service targetPort is a number or a name (IntOrString), nodePort is kept', () => {
    const np = decodeProtobufObject(body('service-nodeport')) as unknown as { spec: { ports: unknown[]; type: string } };
    expect(np.spec.type).toBe('NodePort');
    expect(np.spec.ports).toEqual([{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }]);
    const lb = decodeProtobufObject(body('service-loadbalancer')) as unknown as { spec: { ports: Array<{ targetPort: unknown }> } };
    expect(lb.spec.ports[0]!.targetPort).toBe('https');
    const headless = decodeProtobufObject(body('service-clusterip-none')) as unknown as { spec: { clusterIP: string } };
    expect(headless.spec.clusterIP).toBe('None');
  });

  it('deployment keeps replicas, selector and the pod template', () => {
    const d = decodeProtobufObject(body('deployment')) as unknown as {
      metadata: Record<string, unknown>;
      spec: { replicas: number; selector: unknown; template: { spec: { containers: Array<Record<string, unknown>> } } };
    };
    expect(d.metadata).toEqual({ name: 'd', labels: { app: 'd' } });
    expect(d.spec.replicas).toBe(3);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'd' } });
    expect(d.spec.template.spec.containers).toEqual([
      { name: 'nginx', image: 'nginx:1.25', ports: [{ containerPort: 80 }], resources: {} },
    ]);
  });

  it('job and cronjob keep command and restartPolicy', () => {
    const j = decodeProtobufObject(body('job')) as unknown as { spec: { template: { spec: { containers: Array<{ command: string[] }>; restartPolicy: string } } } };
    expect(j.spec.template.spec.containers[0]!.command).toEqual(['echo', 'hi']);
    expect(j.spec.template.spec.restartPolicy).toBe('Never');
    const cj = decodeProtobufObject(body('cronjob')) as unknown as { spec: { schedule: string; jobTemplate: { metadata: { name: string } } } };
    expect(cj.spec.schedule).toBe('*/5 * * * *');
    expect(cj.spec.jobTemplate.metadata.name).toBe('cj');
  });
});
