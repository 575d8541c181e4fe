/**
 * The kubelet against real Docker, a real control plane and the real kubectl: one node netns
 * (test/support/kubelet-harness.ts), pods built from the offline tugboat/testapp image.
 * Needs root (netns), dockerd and the build in dist/.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImages, TESTAPP_IMAGE } from '../../../control/cli/images/index.js';
import { freePort, startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { removeNodeContainers, startKubeletNode, type KubeletNode } from '../../support/kubelet-harness.js';

interface PodJson {
  metadata: { uid: string; name: string };
  status: {
    phase?: string;
    podIP?: string;
    conditions?: Array<{ type: string; status: string }>;
    containerStatuses?: Array<{ name: string; restartCount: number; ready: boolean; containerID?: string; state: { waiting?: { reason: string; message?: string }; running?: object; terminated?: object } }>;
  };
}

let cp: TestControlPlane;
let node: KubeletNode;
let pullRef = '';

function docker(args: string[]): string {
  const r = spawnSync('docker', args, { encoding: 'utf8' });
  return (r.stdout ?? '').trim();
}

async function getPod(name: string): Promise<PodJson | undefined> {
  const r = await cp.kubectl(['get', 'pod', name, '-o', 'json']);
  return r.code === 0 ? (JSON.parse(r.stdout) as PodJson) : undefined;
}

async function waitPod(name: string, what: string, ok: (p: PodJson) => boolean, timeoutMs = 60_000): Promise<PodJson> {
  const deadline = Date.now() + timeoutMs;
  let last: PodJson | undefined;
  while (Date.now() < deadline) {
    last = await getPod(name);
    if (last && ok(last)) return last;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`pod ${name}: ${what} not reached in ${timeoutMs}ms; last status ${JSON.stringify(last?.status)}\n${node.log().slice(-3000)}`);
}

const ready = (p: PodJson): boolean => p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const app = (p: PodJson) => p.status.containerStatuses![0]!;

/** HTTP from inside the node netns (the host side of the pod network). */
function nodeWget(url: string, post = false): { code: number; stdout: string } {
  return node.exec(['timeout', '5', 'busybox', 'wget', '-qO-', ...(post ? ['--post-data', ''] : []), url]);
}

const MANIFEST = `
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {color: blue, "app.conf": "port=8080"}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  terminationGracePeriodSeconds: 20
  containers:
  - name: app
    image: ${TESTAPP_IMAGE}
    imagePullPolicy: IfNotPresent
    env:
    - {name: COLOR, valueFrom: {configMapKeyRef: {name: settings, key: color}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: NODE_NAME, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    volumeMounts:
    - {name: cfg, mountPath: /etc/cfg}
    - {name: sec, mountPath: /etc/sec, readOnly: true}
    - {name: info, mountPath: /etc/podinfo}
    readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
    livenessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1, failureThreshold: 2}
  volumes:
  - {name: cfg, configMap: {name: settings}}
  - {name: sec, secret: {secretName: creds}}
  - name: info
    downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
---
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  containers:
  - {name: app, image: ${TESTAPP_IMAGE}, imagePullPolicy: IfNotPresent, command: [sh, -c, "echo dying; exit 1"]}
`;

beforeAll(async () => {
  await buildImages();
  cp = await startControlPlane();
  try {
    node = await startKubeletNode(cp, 1);
  } catch (err) {
    await cp.stop();
    throw err;
  }
  // an image that exists locally under a registry on loopback where nothing listens
  pullRef = `127.0.0.1:${await freePort()}/tugboat/testapp:latest`;
  docker(['tag', TESTAPP_IMAGE, pullRef]);
  await cp.k(['apply', '-f', '-'], MANIFEST);
  await cp.k(['apply', '-f', '-'], `apiVersion: v1
kind: Pod
metadata: {name: pull}
spec:
  containers: [{name: app, image: "${pullRef}", imagePullPolicy: Always}]
`);
});

afterAll(async () => {
  await node?.stop();
  await cp?.stop();
  if (pullRef) docker(['rmi', pullRef]);
  removeNodeContainers('tugt-kl-1');
});

describe('kubelet on a netns node with real Docker', () => {
  it('runs a pod: Ready, IP from the podCIDR, ConfigMap/Secret as env and files, logs, exec with exit codes and stdin', async () => {
    const pod = await waitPod('web', 'Ready', ready);
    const [base] = node.podCIDR.split('/');
    expect(pod.status.podIP!.split('.').slice(0, 3)).toEqual(base!.split('.').slice(0, 3));
    expect(pod.status.phase).toBe('Running');

    const hello = JSON.parse(nodeWget(`http://${pod.status.podIP}:8080/`).stdout) as Record<string, string>;
    expect(hello).toMatchObject({ pod: 'web', namespace: 'default', node: node.name, ip: pod.status.podIP });

    const env = await cp.k(['exec', 'web', '--', 'sh', '-c', 'echo $COLOR $PASSWORD; cat /etc/cfg/color; echo; cat /etc/sec/password; echo; cat /etc/podinfo/labels; echo; head -1 /etc/resolv.conf']);
    expect(env.split('\n')).toEqual(['blue s3cret', 'blue', 's3cret', 'app="web"', 'nameserver 10.96.0.10', '']);

    const logs = await cp.k(['logs', 'web']);
    expect(logs).toContain('testapp v1 listening on :8080');

    const failing = await cp.kubectl(['exec', 'web', '--', 'sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(failing.code).toBe(7);
    expect(failing.stdout).toBe('out\n');
    expect(failing.stderr).toContain('err\n');
    const stdin = await cp.kubectl(['exec', '-i', 'web', '--', 'sh', '-c', 'tr a-z A-Z'], { input: 'hello stdin\n' });
    expect(stdin).toMatchObject({ code: 0, stdout: 'HELLO STDIN\n' });
  });

  it('adopts running containers after an agent restart and removes containers of pods deleted meanwhile', async () => {
    await cp.k(['run', 'orphan', `--image=${TESTAPP_IMAGE}`, '--image-pull-policy=IfNotPresent']);
    const orphan = await waitPod('orphan', 'Running', (p) => p.status.phase === 'Running');
    const before = await getPod('web');
    await node.kill();
    await cp.k(['delete', 'pod', 'orphan', '--grace-period=0', '--force']);
    expect(docker(['ps', '-q', '--filter', `label=io.kubernetes.pod.uid=${orphan.metadata.uid}`])).not.toBe('');
    await node.restart();
    const deadline = Date.now() + 30_000;
    while (docker(['ps', '-aq', '--filter', `label=io.kubernetes.pod.uid=${orphan.metadata.uid}`]) !== '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
    expect(docker(['ps', '-aq', '--filter', `label=io.kubernetes.pod.uid=${orphan.metadata.uid}`])).toBe('');
    const after = await waitPod('web', 'Ready after restart', ready);
    expect(app(after).containerID).toBe(app(before!).containerID);
    expect(app(after).restartCount).toBe(app(before!).restartCount);
  });

  it('restarts on liveness failure (POST /fail) and after docker kill; logs --previous shows the last run', async () => {
    const pod = await waitPod('web', 'Ready', ready);
    const first = app(pod).containerID;
    expect(nodeWget(`http://${pod.status.podIP}:8080/fail`, true).code).toBe(0);
    const restarted = await waitPod('web', 'restart after liveness failure', (p) => app(p).restartCount >= 1 && ready(p), 60_000);
    expect(app(restarted).containerID).not.toBe(first);
    const previous = await cp.k(['logs', 'web', '--previous']);
    expect(previous).toContain('received SIGTERM');

    docker(['kill', app(restarted).containerID!.replace('docker://', '')]);
    const again = await waitPod('web', 'restart after docker kill', (p) => app(p).restartCount >= 2 && ready(p), 60_000);
    expect(again.status.phase).toBe('Running');
  });

  it('CrashLoopBackOff for a crashing container; ErrImagePull with the registry message for Always', async () => {
    const crash = await waitPod('crash', 'CrashLoopBackOff', (p) => app(p).state.waiting?.reason === 'CrashLoopBackOff', 60_000);
    expect(app(crash).restartCount).toBeGreaterThanOrEqual(1);
    expect(app(crash).state.waiting!.message).toMatch(/^back-off \d+s restarting failed container=app pod=crash_default/);
    expect(await cp.k(['logs', 'crash'])).toContain('dying');

    const pull = await waitPod('pull', 'ErrImagePull', (p) => ['ErrImagePull', 'ImagePullBackOff'].includes(app(p).state.waiting?.reason ?? ''), 60_000);
    const msg = app(pull).state.waiting!.message!;
    expect(msg).toContain(`failed to pull and unpack image "${pullRef}"`);
    expect(msg).toMatch(/connection refused|connect/);
    expect(pull.status.phase).toBe('Pending');
  });

  it('deletes gracefully: SIGTERM, containers and network released, the pod object removed', async () => {
    const pod = await waitPod('web', 'Ready', ready);
    const started = Date.now();
    await cp.k(['delete', 'pod', 'web', '--wait=true', '--timeout=60s']);
    expect(Date.now() - started).toBeLessThan(15_000); // the testapp exits on SIGTERM, long before the 20 s grace
    expect(await getPod('web')).toBeUndefined();
    expect(docker(['ps', '-aq', '--filter', `label=io.kubernetes.pod.uid=${pod.metadata.uid}`])).toBe('');
    // the IP went back to the pool: no veth of this pod is left on cni0
    const links = node.exec(['ip', '-o', 'link', 'show', 'master', 'cni0']).stdout.trim().split('\n').filter(Boolean);
    const runningPods = Number(docker(['ps', '-q', '--filter', 'label=tugboat.node=tugt-kl-1', '--filter', 'label=io.kubernetes.docker.type=podsandbox']).split('\n').filter(Boolean).length);
    expect(links.length).toBe(runningPods);
  });
});
