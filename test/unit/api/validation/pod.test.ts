import { describe, expect, it } from 'vitest';
import { check, container, defaulted, pod } from './helpers.js';

const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('pod spec', () => {
  it('a minimal pod is valid once defaulted', () => {
    expect(check('', 'pods', pod({ containers: [container()] }))).toEqual([]);
  });

  it.each([
    ['no containers', { containers: [] }, ['spec.containers: Required value']],
    ['missing image', { containers: [{ name: 'app' }] }, ['spec.containers[0].image: Required value']],
    ['missing name', { containers: [{ image: 'x' }] }, ['spec.containers[0].name: Required value']],
    ['bad container name', { containers: [container({ name: 'App' })] }, [`spec.containers[0].name: Invalid value: "App": ${LABEL_MSG}`]],
    ['duplicate names', { containers: [container(), container()] }, ['spec.containers[1].name: Duplicate value: "app"']],
    ['init container clashing with a container', { containers: [container()], initContainers: [container()] }, ['spec.initContainers[0].name: Duplicate value: "app"']],
    ['restartPolicy', { containers: [container()], restartPolicy: 'Sometimes' }, ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']],
    ['dnsPolicy', { containers: [container()], dnsPolicy: 'Google' }, ['spec.dnsPolicy: Unsupported value: "Google": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"']],
    ['imagePullPolicy', { containers: [container({ imagePullPolicy: 'Bogus' })] }, ['spec.containers[0].imagePullPolicy: Unsupported value: "Bogus": supported values: "Always", "IfNotPresent", "Never"']],
    ['port range', { containers: [container({ ports: [{ containerPort: 70000 }] })] }, ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive']],
    ['port zero', { containers: [container({ ports: [{ containerPort: 0 }] })] }, ['spec.containers[0].ports[0].containerPort: Required value']],
    ['protocol', { containers: [container({ ports: [{ containerPort: 80, protocol: 'HTTP' }] })] }, ['spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"']],
    ['port name too long', { containers: [container({ ports: [{ containerPort: 80, name: 'a-very-long-port-name' }] })] },
      ['spec.containers[0].ports[0].name: Invalid value: "a-very-long-port-name": must be no more than 15 characters']],
    ['port name rules', { containers: [container({ ports: [{ containerPort: 80, name: '80' }, { containerPort: 81, name: 'x--y' }] })] },
      ['spec.containers[0].ports[0].name: Invalid value: "80": must contain at least one letter (a-z)',
        'spec.containers[0].ports[1].name: Invalid value: "x--y": must not contain consecutive hyphens']],
    ['duplicate port names', { containers: [container({ ports: [{ containerPort: 80, name: 'http' }, { containerPort: 81, name: 'http' }] })] },
      ['spec.containers[0].ports[1].name: Duplicate value: "http"']],
    ['env names', { containers: [container({ env: [{ name: '' }, { name: 'A=B' }, { name: '1.ok-now' }] })] },
      ['spec.containers[0].env[0].name: Required value',
        "spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='"]],
    ['env value and valueFrom', { containers: [container({ env: [{ name: 'A', value: 'x', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] })] },
      ['spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty']],
    ['env fieldRef path', { containers: [container({ env: [{ name: 'A', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] })] },
      ['spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "spec.bogus": supported values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"']],
    ['mount of a missing volume', { containers: [container({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })] },
      ['spec.containers[0].volumeMounts[0].name: Not found: "data"']],
    ['mount paths unique', { volumes: [{ name: 'a' }], containers: [container({ volumeMounts: [{ name: 'a', mountPath: '/x' }, { name: 'a', mountPath: '/x' }] })] },
      ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/x": must be unique']],
    ['duplicate volumes', { volumes: [{ name: 'a' }, { name: 'a' }], containers: [container()] }, ['spec.volumes[1].name: Duplicate value: "a"']],
    ['two volume sources', { volumes: [{ name: 'a', emptyDir: {}, hostPath: { path: '/x' } }], containers: [container()] },
      ['spec.volumes[0].hostPath: Forbidden: may not specify more than 1 volume type']],
    ['secret volume needs a name', { volumes: [{ name: 'a', secret: {} }], containers: [container()] }, ['spec.volumes[0].secret.secretName: Required value']],
    ['requests above limits', { containers: [container({ resources: { limits: { cpu: '500m' }, requests: { cpu: '1' } } })] },
      ['spec.containers[0].resources.requests: Invalid value: "1": must be less than or equal to cpu limit of 500m']],
    ['bad quantity', { containers: [container({ resources: { requests: { memory: '1GB' } } })] },
      ["spec.containers[0].resources.requests[memory]: Invalid value: \"1GB\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"]],
    ['negative quantity', { containers: [container({ resources: { requests: { cpu: '-1' } } })] },
      ['spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0']],
    // (a limit would be copied into requests by pod defaulting and reported twice, as upstream)
    ['unknown resource', { containers: [container({ resources: { requests: { gpus: '1' } } })] },
      ['spec.containers[0].resources.requests[gpus]: Invalid value: "gpus": must be a standard resource for containers']],
    ['probe without handler', { containers: [container({ livenessProbe: { periodSeconds: 5 } })] },
      ['spec.containers[0].livenessProbe: Required value: must specify a handler type']],
    ['liveness successThreshold', { containers: [container({ livenessProbe: { exec: { command: ['true'] }, successThreshold: 2 } })] },
      ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1']],
    ['probe port', { containers: [container({ readinessProbe: { httpGet: { port: 0 } } })] },
      ['spec.containers[0].readinessProbe.httpGet.port: Invalid value: 0: must be between 1 and 65535, inclusive']],
    ['nodeSelector values', { containers: [container()], nodeSelector: { disk: 'fast ssd' } }, ["spec.nodeSelector: Invalid value: \"fast ssd\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]],
    ['toleration effect', { containers: [container()], tolerations: [{ key: 'k', operator: 'Exists', effect: 'Sometimes' }] },
      ['spec.tolerations[0].effect: Unsupported value: "Sometimes": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"']],
    ['activeDeadlineSeconds', { containers: [container()], activeDeadlineSeconds: 0 }, ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive']],
  ])('%s', (_name, spec, want) => {
    expect(check('', 'pods', pod(spec))).toEqual(want);
  });

  it('accepts the usual shapes', () => {
    expect(check('', 'pods', pod({
      volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'tmp', emptyDir: {} }],
      initContainers: [container({ name: 'init' })],
      containers: [container({
        ports: [{ containerPort: 80, name: 'http' }, { containerPort: 53, protocol: 'UDP' }],
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }],
        volumeMounts: [{ name: 'cfg', mountPath: '/etc/app' }, { name: 'tmp', mountPath: '/tmp' }],
        resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
        livenessProbe: { httpGet: { port: 'http', path: '/healthz' } },
      })],
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    }))).toEqual([]);
  });
});

describe('pod update', () => {
  const old = defaulted('', 'pods', pod({ containers: [container()] }, { uid: 'u' }));

  it('allows image changes and binding (nodeName from empty)', () => {
    const next = structuredClone(old);
    (next.spec as { containers: Array<{ image: string }> }).containers[0]!.image = 'nginx:1.28';
    (next.spec as { nodeName?: string }).nodeName = 'node-a';
    expect(check('', 'pods', next, old)).toEqual([]);
  });

  it('forbids other spec changes', () => {
    const next = structuredClone(old);
    (next.spec as { restartPolicy: string }).restartPolicy = 'Never';
    const lines = check('', 'pods', next, old);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
    const bound = structuredClone(old);
    (bound.spec as { nodeName?: string }).nodeName = 'node-a';
    const moved = structuredClone(bound);
    (moved.spec as { nodeName?: string }).nodeName = 'node-b';
    expect(check('', 'pods', moved, bound)).toHaveLength(1);
  });
});
