import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../control/api/object.js';
import { check, defaulted } from './helpers.js';

const svc = (spec: Record<string, unknown>): KubeObject => ({ metadata: { name: 'web', namespace: 'default' }, spec });

describe('Service', () => {
  it.each([
    [{ selector: { app: 'web' }, ports: [{ port: 80 }] }],
    [{ ports: [{ name: 'http', port: 80, targetPort: 'http' }, { name: 'dns', port: 53, protocol: 'UDP' }] }],
    [{ clusterIP: 'None', selector: { app: 'db' } }],
    [{ type: 'ExternalName', externalName: 'db.example.com.' }],
    [{ type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }], externalTrafficPolicy: 'Local' }],
    [{ type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 53, protocol: 'UDP' }] }],
    [{ sessionAffinity: 'ClientIP', ports: [{ port: 80 }] }],
  ])('valid: %j', (spec) => {
    expect(check('', 'services', svc(spec))).toEqual([]);
  });

  it.each([
    ['no ports', {}, ['spec.ports: Required value']],
    ['port out of range', { ports: [{ port: 0, targetPort: 80 }] }, ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']],
    ['names required with two ports', { ports: [{ port: 80 }, { port: 443 }] }, ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']],
    ['duplicate names', { ports: [{ name: 'a', port: 80 }, { name: 'a', port: 81 }] }, ['spec.ports[1].name: Duplicate value: "a"']],
    ['duplicate port', { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 80 }] },
      ['spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}']],
    ['protocol', { ports: [{ port: 80, protocol: 'HTTP' }] }, ['spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']],
    ['bad targetPort name', { ports: [{ port: 80, targetPort: 'Web_Port' }] },
      ['spec.ports[0].targetPort: Invalid value: "Web_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
    ['targetPort number', { ports: [{ port: 80, targetPort: 70000 }] }, ['spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['type', { type: 'Magic', ports: [{ port: 80 }] }, ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']],
    ['ExternalName without a name', { type: 'ExternalName' }, ['spec.externalName: Required value']],
    ['nodePort on ClusterIP', { ports: [{ port: 80, nodePort: 30001 }] }, ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]],
    ['selector values', { selector: { app: 'a b' }, ports: [{ port: 80 }] },
      ["spec.selector: Invalid value: \"a b\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]],
    ['externalTrafficPolicy on ClusterIP', { ports: [{ port: 80 }], externalTrafficPolicy: 'Local' },
      ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services']],
    ['sessionAffinity', { ports: [{ port: 80 }], sessionAffinity: 'Sticky' }, ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"']],
    ['affinity timeout', { ports: [{ port: 80 }], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 90000 } } },
      ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 90000: must be greater than 0 and less than 86400']],
    ['cluster IP', { clusterIP: '10.96.0.300', ports: [{ port: 80 }] },
      ['spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)']],
    ['headless NodePort', { type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] }, ["spec.clusterIPs[0]: Invalid value: \"None\": may not be set to 'None' for NodePort services"]],
  ])('%s', (_name, spec, want) => {
    expect(check('', 'services', svc(spec))).toEqual(want);
  });

  it('clusterIP may not change once set; an update without it is fine', () => {
    const old = defaulted('', 'services', svc({ clusterIP: '10.96.0.20', ports: [{ port: 80 }] }));
    expect(check('', 'services', svc({ clusterIP: '10.96.0.21', ports: [{ port: 80 }] }), old))
      .toEqual(['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.21"}: may not change once set']);
    expect(check('', 'services', svc({ ports: [{ port: 8080 }] }), old)).toEqual([]);
    expect(check('', 'services', svc({ type: 'ExternalName', externalName: 'x.example.com' }), old)).toEqual([]);
  });
});
