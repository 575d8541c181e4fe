/**
 * Go encoding/json semantics for fields kubectl's generators don't exercise, on hand-built bodies:
 * pointers vs omitempty, well-known types, inline structs, maps, packed/merged fields.
 */
import { describe, expect, it } from 'vitest';
import { decodeProtobufObject } from '../../../../control/api/protobuf/index.js';
import { envelope, pb } from './proto-writer.js';

const meta = (...parts: Buffer[]) => pb.msg(1, ...parts);
// Tests walk deep into decoded JSON; `any` keeps the assertions readable.
type Obj = Record<string, any>;

function decode(apiVersion: string, kind: string, ...fields: Buffer[]): Obj {
  return decodeProtobufObject(envelope(apiVersion, kind, Buffer.concat(fields))) as Obj;
}

function deployment(...specFields: Buffer[]): Obj {
  return decode('apps/v1', 'Deployment', meta(pb.str(1, 'web')), pb.msg(2, ...specFields));
}

/** PodTemplateSpec{spec: PodSpec{containers: [container]}} inside a Deployment. */
function container(...fields: Buffer[]): Obj {
  const d = deployment(pb.msg(3, pb.msg(2, pb.msg(2, ...fields))));
  return d.spec.template.spec.containers[0];
}

describe('presence and omitempty, as Go marshals the struct', () => {
  it('a pointer present on the wire is printed even when zero; absent it is omitted', () => {
    expect(deployment(pb.int(1, 0)).spec.replicas).toBe(0);
    expect(deployment()).not.toHaveProperty('spec.replicas');
  });

  it('omitempty scalars are dropped when zero, others printed (name, containerPort)', () => {
    const c = container(pb.str(1, ''), pb.str(2, ''), pb.msg(6, pb.int(3, 0), pb.str(4, '')));
    expect(c).toEqual({ name: '', ports: [{ containerPort: 0 }], resources: {} });
  });

  it('non-pointer structs are always printed, pointer structs only when sent', () => {
    const d = decode('apps/v1', 'Deployment', meta(pb.str(1, 'x')));
    expect(d.spec).toEqual({ template: { metadata: {}, spec: {} }, strategy: {} });
    expect(d.status).toEqual({});
    expect(d.spec).not.toHaveProperty('selector');
  });

  it('keys come out in Go struct order, not field-number order', () => {
    const port = decode('v1', 'Service', meta(), pb.msg(2, pb.msg(1,
      pb.int(5, 30001), pb.msg(4, pb.int(2, 80)), pb.int(3, 80), pb.str(6, 'http'), pb.str(2, 'TCP'), pb.str(1, 'web'))))
      .spec.ports[0];
    expect(Object.keys(port)).toEqual(['name', 'protocol', 'appProtocol', 'port', 'targetPort', 'nodePort']);
  });

  it('unknown field numbers are skipped', () => {
    const cm = decode('v1', 'ConfigMap', meta(pb.str(1, 'x'), pb.str(99, 'future')), pb.int(50, 7), pb.entry(2, 'a', pb.str(2, 'b')));
    expect(cm).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 'b' } });
  });
});

describe('scalars', () => {
  it('negative int32 (10-byte varint) and int64 beyond 32 bits', () => {
    const d = decode('apps/v1', 'Deployment', meta(pb.int(7, 2n ** 40n)), pb.msg(2, pb.int(5, -1)));
    expect(d.metadata.generation).toBe(2 ** 40);
    expect(d.spec.minReadySeconds).toBe(-1);
  });

  it('int32 keeps only the low 32 bits, as Go does', () => {
    expect(deployment(pb.int(1, 2n ** 32n + 5n)).spec.replicas).toBe(5);
  });

  it('booleans and a repeated string', () => {
    const c = container(pb.str(1, 'c'), pb.bool(16, true), pb.bool(18, true), pb.str(3, 'sh'), pb.str(3, '-c'));
    expect(c).toMatchObject({ stdin: true, tty: true, command: ['sh', '-c'] });
  });

  it('a repeated singular scalar is last-wins', () => {
    expect(deployment(pb.int(1, 1), pb.int(1, 4)).spec.replicas).toBe(4);
  });

  it('packed and unpacked repeated integers are both accepted', () => {
    const psc = (groups: Buffer) => deployment(pb.msg(3, pb.msg(2, pb.msg(14, groups)))).spec.template.spec.securityContext;
    const packed = Buffer.concat([Buffer.from([0x22, 0x03]), Buffer.from([0x01, 0x02, 0x03])]);
    expect(psc(packed)).toEqual({ supplementalGroups: [1, 2, 3] });
    expect(psc(Buffer.concat([pb.int(4, 1), pb.int(4, 2)]))).toEqual({ supplementalGroups: [1, 2] });
  });

  it('strings are UTF-8', () => {
    expect(decode('v1', 'Namespace', meta(pb.str(1, 'x'), pb.entry(12, 'note', pb.str(2, 'héllo ✓')))).metadata.annotations)
      .toEqual({ note: 'héllo ✓' });
  });
});

describe('maps', () => {
  it('keys are sorted like Go, a missing value is the zero value, []byte values are base64', () => {
    const s = decode('v1', 'Secret', meta(),
      pb.entry(2, 'z', pb.bytes(2, Buffer.from([0, 255]))), pb.entry(2, 'a'), pb.entry(4, 'plain', pb.str(2, 'text')));
    expect(Object.keys(s.data)).toEqual(['a', 'z']);
    expect(s.data).toEqual({ a: '', z: 'AP8=' });
    expect(s.stringData).toEqual({ plain: 'text' });
  });

  it('a "__proto__" key is plain data, exactly as JSON.parse would give it', () => {
    const cm = decode('v1', 'ConfigMap', meta(), pb.entry(2, '__proto__', pb.str(2, 'x')), pb.entry(2, 'polluted', pb.str(2, 'y')));
    expect(Object.getPrototypeOf(cm.data)).toBe(Object.prototype);
    expect(cm.data).toEqual(JSON.parse('{"__proto__":"x","polluted":"y"}'));
    expect(JSON.stringify(cm.data)).toBe('{"__proto__":"x","polluted":"y"}');
  });

  it('empty maps are omitted', () => {
    expect(decode('v1', 'ConfigMap', meta(pb.str(1, 'x')))).not.toHaveProperty('data');
  });
});

describe('well-known types', () => {
  it('Time is RFC 3339 in UTC with seconds precision; the zero Time is omitted', () => {
    const at = Date.UTC(2024, 4, 17, 8, 30, 15) / 1000;
    const m = decode('v1', 'ConfigMap', meta(pb.msg(8, pb.int(1, at), pb.int(2, 999)), pb.msg(9))).metadata;
    expect(m.creationTimestamp).toBe('2024-05-17T08:30:15Z');
    expect(m).not.toHaveProperty('deletionTimestamp');
    expect(decode('v1', 'ConfigMap', meta(pb.msg(8, pb.int(1, 0)))).metadata.creationTimestamp).toBe('1970-01-01T00:00:00Z');
    expect(decode('v1', 'ConfigMap', meta(pb.msg(8, pb.int(1, -62135596800)))).metadata).not.toHaveProperty('creationTimestamp');
  });

  it('Quantity maps keep the sent string; a missing non-pointer Quantity is "0"', () => {
    const c = container(pb.str(1, 'c'), pb.msg(8,
      pb.entry(1, 'memory', pb.msg(2, pb.str(1, '128Mi'))), pb.entry(2, 'cpu', pb.msg(2, pb.str(1, '250m')))));
    expect(c.resources).toEqual({ limits: { memory: '128Mi' }, requests: { cpu: '250m' } });
    const env = container(pb.str(1, 'c'), pb.msg(7, pb.str(1, 'MEM'), pb.msg(3, pb.msg(2, pb.str(2, 'limits.memory'))))).env;
    expect(env).toEqual([{ name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '0' } } }]);
  });

  it('IntOrString is a number (type 0) or a string (type 1)', () => {
    const probe = (port: Buffer) => container(pb.str(1, 'c'), pb.msg(10, pb.msg(1, pb.msg(2, pb.str(1, '/healthz'), port)))).livenessProbe;
    expect(probe(pb.msg(2, pb.int(1, 0), pb.int(2, 8080)))).toEqual({ httpGet: { path: '/healthz', port: 8080 } });
    expect(probe(pb.msg(2, pb.int(1, 1), pb.str(3, 'http')))).toEqual({ httpGet: { path: '/healthz', port: 'http' } });
    const ru = deployment(pb.msg(4, pb.str(1, 'RollingUpdate'), pb.msg(2, pb.msg(1, pb.int(1, 1), pb.str(3, '25%')), pb.msg(2, pb.int(2, 1)))));
    expect(ru.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } });
  });

  it('managedFields: FieldsV1 raw JSON is embedded as an object, time as RFC 3339', () => {
    const entry = pb.msg(17, pb.str(1, 'kubectl-create'), pb.str(2, 'Update'), pb.str(3, 'v1'),
      pb.msg(4, pb.int(1, 1700000000)), pb.str(6, 'FieldsV1'), pb.msg(7, pb.str(1, '{"f:data":{"f:a":{}}}')));
    expect(decode('v1', 'ConfigMap', meta(entry)).metadata.managedFields).toEqual([{
      manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2023-11-14T22:13:20Z',
      fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } },
    }]);
  });
});

describe('nested messages', () => {
  it('inline embedded structs merge into the parent (LocalObjectReference, ProbeHandler, VolumeSource)', () => {
    const c = container(pb.str(1, 'c'),
      pb.msg(19, pb.str(1, 'CFG_'), pb.msg(2, pb.msg(1, pb.str(1, 'settings')), pb.bool(2, true))),
      pb.msg(7, pb.str(1, 'PW'), pb.msg(3, pb.msg(4, pb.msg(1, pb.str(1, 'db')), pb.str(2, 'password')))));
    expect(c.envFrom).toEqual([{ prefix: 'CFG_', configMapRef: { name: 'settings', optional: true } }]);
    expect(c.env).toEqual([{ name: 'PW', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }]);
    const vols = deployment(pb.msg(3, pb.msg(2, pb.msg(1, pb.str(1, 'cfg'), pb.msg(2, pb.msg(19, pb.msg(1, pb.str(1, 'settings')), pb.int(3, 0o644)))))))
      .spec.template.spec.volumes;
    expect(vols).toEqual([{ name: 'cfg', configMap: { name: 'settings', defaultMode: 420 } }]);
  });

  it('a singular message sent twice is merged, as protobuf specifies', () => {
    const d = decode('apps/v1', 'Deployment', meta(pb.str(1, 'a')), meta(pb.str(3, 'ns')));
    expect(d.metadata).toEqual({ name: 'a', namespace: 'ns' });
  });

  it('ownerReferences, finalizers, labels', () => {
    const m = decode('v1', 'ConfigMap', meta(pb.str(1, 'x'),
      pb.msg(13, pb.str(5, 'apps/v1'), pb.str(1, 'ReplicaSet'), pb.str(3, 'rs'), pb.str(4, 'u-1'), pb.bool(6, true)),
      pb.str(14, 'example.com/hold'), pb.entry(11, 'app', pb.str(2, 'web')))).metadata;
    expect(m).toEqual({
      name: 'x', labels: { app: 'web' }, finalizers: ['example.com/hold'],
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-1', controller: true }],
    });
  });

  it('service spec fields beyond the generators: sessionAffinityConfig, ipFamilies, externalTrafficPolicy', () => {
    const spec = decode('v1', 'Service', meta(), pb.msg(2, pb.str(4, 'LoadBalancer'), pb.str(11, 'Local'),
      pb.msg(14, pb.msg(1, pb.int(1, 600))), pb.str(19, 'IPv4'), pb.str(17, 'SingleStack'), pb.bool(20, false))).spec;
    expect(spec).toEqual({
      type: 'LoadBalancer', externalTrafficPolicy: 'Local', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
      ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', allocateLoadBalancerNodePorts: false,
    });
  });

  it('job spec pointers: backoffLimit 0 and completions are kept', () => {
    const j = decode('batch/v1', 'Job', meta(pb.str(1, 'j')), pb.msg(2, pb.int(7, 0), pb.int(2, 3), pb.str(9, 'Indexed')));
    expect(j.spec).toEqual({ backoffLimit: 0, completions: 3, completionMode: 'Indexed', template: { metadata: {}, spec: {} } });
  });
});
