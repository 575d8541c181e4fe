import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LABELS } from '../../../dataplane/kubelet/labels.js';
import { makePod, syncHarness, type SyncHarness } from './fixtures.js';

let h: SyncHarness;
afterEach(() => h?.cleanup());

const appOf = (name: string) => h.docker.named(name).filter((c) => c.labels[LABELS.kind] !== 'sandbox');

describe('PodSyncer with the fake Docker', () => {
  it('creates the sandbox (network none, CNI ADD on its netns), then the app container joined to it, and reports Running/Ready', async () => {
    h = syncHarness();
    const pod = makePod('web', [{ name: 'app', command: ['node'], args: ['main.js', '$(GREETING)'], env: [{ name: 'GREETING', value: 'hi' }] }]);
    const { status } = await h.sync(pod);

    const [sandbox] = h.docker.named('POD');
    expect(sandbox!.state.running).toBe(true);
    expect(h.docker.specOf(sandbox!.id).network).toEqual({ mode: 'none' });
    expect(h.cni.added).toEqual([expect.objectContaining({ containerId: sandbox!.id, netns: `/proc/${sandbox!.state.pid}/ns/net`, podName: 'web' })]);
    const [app] = appOf('app');
    const spec = h.docker.specOf(app!.id);
    expect(spec.network).toEqual({ mode: 'container', id: sandbox!.id });
    expect(spec.name).toBe('k8s_app_web_default_uid-web_0');
    expect(spec.entrypoint).toEqual(['node']);
    expect(spec.cmd).toEqual(['main.js', 'hi']);
    expect(spec.labels).toMatchObject({ [LABELS.podUid]: 'uid-web', [LABELS.podName]: 'web', [LABELS.podNamespace]: 'default', [LABELS.containerName]: 'app', [LABELS.node]: 'node-a', [LABELS.cluster]: 'unit' });
    expect(spec.binds.some((b) => b.endsWith(':/etc/resolv.conf'))).toBe(true);
    expect(spec.binds.some((b) => b.endsWith(':/etc/hosts'))).toBe(true);

    expect(status.phase).toBe('Running');
    expect(status.podIP).toBe('10.244.1.2');
    expect(status.hostIP).toBe('10.200.0.11');
    expect(status.containerStatuses![0]).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0, containerID: `docker://${app!.id}` });
    expect(status.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');

    // the hosts file names the pod IP
    const hostsBind = spec.binds.find((b) => b.endsWith(':/etc/hosts'))!.split(':')[0]!;
    expect(readFileSync(hostsBind, 'utf8')).toContain('10.244.1.2\tweb');
    // a second sync with nothing changed writes no status
    const writes = h.statuses.length;
    await h.sync(pod);
    expect(h.statuses.length).toBe(writes);
  });

  it('creates containers with stdin/stdinOnce/tty as kubectl run -it asks, so kubectl attach can join them', async () => {
    h = syncHarness();
    const pod = makePod('dbg', [
      { name: 'shell', command: ['sh'], stdin: true, stdinOnce: true, tty: true },
      { name: 'reader', command: ['cat'], stdin: true },
      { name: 'plain', command: ['sleep', '1d'] },
    ]);
    await h.sync(pod);
    const spec = (name: string) => h.docker.specOf(appOf(name)[0]!.id);
    expect(spec('shell')).toMatchObject({ openStdin: true, stdinOnce: true, tty: true });
    expect(spec('reader')).toMatchObject({ openStdin: true, stdinOnce: false });
    expect(spec('reader').tty).toBeFalsy();
    expect(spec('plain').openStdin).toBeFalsy();
  });

  it('restarts a crashed container at once, then backs off 10 s, 20 s (CrashLoopBackOff) with a fake clock', async () => {
    h = syncHarness();
    const pod = makePod('crash', [{ name: 'app' }]);
    await h.sync(pod);
    h.docker.exit(appOf('app')[0]!.id, 1);

    let r = await h.sync(pod);
    expect(appOf('app').map((c) => c.labels[LABELS.attempt]).sort()).toEqual(['0', '1']);
    expect(r.status.containerStatuses![0]).toMatchObject({ restartCount: 1, state: { running: {} } });
    expect(r.status.containerStatuses![0]!.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });

    h.docker.exit(appOf('app').find((c) => c.state.running)!.id, 1);
    r = await h.sync(pod);
    expect(r.status.containerStatuses![0]!.state.waiting).toEqual({ reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container=app pod=crash_default(uid-crash)' });
    expect(r.retryAfterMs).toBe(10_000);
    expect(r.status.phase).toBe('Running');
    expect(r.status.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });

    h.clock.advance(9_000);
    r = await h.sync(pod);
    expect(r.retryAfterMs).toBe(1_000);
    h.clock.advance(1_000);
    r = await h.sync(pod);
    expect(r.status.containerStatuses![0]).toMatchObject({ restartCount: 2, state: { running: {} } });

    h.docker.exit(appOf('app').find((c) => c.state.running)!.id, 2);
    r = await h.sync(pod);
    expect(r.status.containerStatuses![0]!.state.waiting!.message).toContain('back-off 20s');
    expect(r.retryAfterMs).toBe(20_000);
    // only the current and the previous container are kept
    h.clock.advance(20_000);
    await h.sync(pod);
    expect(appOf('app').length).toBe(2);
  });

  it('runs init containers one at a time, in order, before the app containers', async () => {
    h = syncHarness();
    const pod = makePod('init', [{ name: 'app' }], { initContainers: [{ name: 'one', image: 'tugboat/testapp:latest', imagePullPolicy: 'IfNotPresent' }, { name: 'two', image: 'tugboat/testapp:latest', imagePullPolicy: 'IfNotPresent' }] });
    let r = await h.sync(pod);
    expect(h.docker.named('one')).toHaveLength(1);
    expect(h.docker.named('two')).toHaveLength(0);
    expect(appOf('app')).toHaveLength(0);
    expect(r.status.phase).toBe('Pending');
    expect(r.status.conditions!.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', message: 'containers with incomplete status: [one two]' });
    expect(r.status.containerStatuses![0]!.state.waiting!.reason).toBe('PodInitializing');

    h.docker.exit(h.docker.named('one')[0]!.id, 0);
    await h.sync(pod);
    expect(h.docker.named('two')).toHaveLength(1);
    expect(appOf('app')).toHaveLength(0);
    h.docker.exit(h.docker.named('two')[0]!.id, 0);
    r = await h.sync(pod);
    expect(appOf('app')).toHaveLength(1);
    expect(r.status.phase).toBe('Running');
    expect(r.status.initContainerStatuses!.map((s) => s.state.terminated?.reason)).toEqual(['Completed', 'Completed']);
  });

  it('a failed init container fails a restartPolicy Never pod', async () => {
    h = syncHarness();
    const pod = makePod('initfail', [{ name: 'app' }], { restartPolicy: 'Never', initContainers: [{ name: 'setup', image: 'tugboat/testapp:latest', imagePullPolicy: 'IfNotPresent' }] });
    await h.sync(pod);
    h.docker.exit(h.docker.named('setup')[0]!.id, 3);
    const r = await h.sync(pod);
    expect(r.status.phase).toBe('Failed');
    expect(appOf('app')).toHaveLength(0);
  });

  it('finished pods stop their sandbox and release the IP; Succeeded vs Failed by exit codes', async () => {
    h = syncHarness();
    const ok = makePod('job-ok', [{ name: 'app' }], { restartPolicy: 'OnFailure' });
    await h.sync(ok);
    h.docker.exit(appOf('app')[0]!.id, 0);
    const r = await h.sync(ok);
    expect(r.status.phase).toBe('Succeeded');
    expect(r.status.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(h.docker.named('POD')).toHaveLength(0);
    expect(h.cni.deleted).toHaveLength(1);
    // a later sync does not bring the sandbox back
    await h.sync(ok);
    expect(h.docker.named('POD').filter((s) => s.state.running)).toHaveLength(0);

    const bad = makePod('job-bad', [{ name: 'app' }], { restartPolicy: 'Never' });
    await h.sync(bad);
    h.docker.exit(appOf('app').find((c) => c.labels[LABELS.podUid] === 'uid-job-bad')!.id, 4);
    const r2 = await h.sync(bad);
    expect(r2.status.phase).toBe('Failed');
    expect(r2.status.containerStatuses![0]!.state.terminated).toMatchObject({ exitCode: 4, reason: 'Error' });
  });

  it('treats the death of the pause container as sandbox death: CNI DEL, kill, new sandbox, restarted containers', async () => {
    h = syncHarness();
    const pod = makePod('sb', [{ name: 'app' }]);
    await h.sync(pod);
    const oldSandbox = h.docker.named('POD')[0]!;
    h.docker.exit(oldSandbox.id, 137);
    const r = await h.sync(pod);
    expect(h.cni.deleted.map((a) => a.containerId)).toContain(oldSandbox.id);
    const sandboxes = h.docker.named('POD');
    expect(sandboxes).toHaveLength(1);
    expect(sandboxes[0]!.state.running).toBe(true);
    expect(sandboxes[0]!.labels[LABELS.attempt]).toBe('1');
    const running = appOf('app').filter((c) => c.state.running);
    expect(running).toHaveLength(1);
    expect(h.docker.specOf(running[0]!.id).network).toEqual({ mode: 'container', id: sandboxes[0]!.id });
    expect(r.status.podIP).toBe('10.244.1.3');
  });

  it('kills a container whose liveness probe failed and starts it again', async () => {
    h = syncHarness();
    const pod = makePod('live', [{ name: 'app', livenessProbe: { httpGet: { port: 8080, path: '/healthz' } } }]);
    await h.sync(pod);
    const first = appOf('app')[0]!;
    (h.probes as unknown as { livenessFailed: () => Set<string> }).livenessFailed = () => new Set([first.id]);
    const r = await h.sync(pod);
    expect(h.events.some((e) => e.includes('Killing Container app failed liveness probe'))).toBe(true);
    expect(appOf('app').find((c) => c.id === first.id)!.state.running).toBe(false);
    expect(r.status.containerStatuses![0]!.restartCount).toBe(1);
  });

  it('image pull policy: Never on a missing image, Always on a remote registry, IfNotPresent uses the local image', async () => {
    h = syncHarness();
    const never = makePod('never', [{ name: 'app', image: 'example.com/missing:1', imagePullPolicy: 'Never' }]);
    let r = await h.sync(never);
    expect(r.status.containerStatuses![0]!.state.waiting).toEqual({ reason: 'ErrImageNeverPull', message: 'Container image "example.com/missing:1" is not present with pull policy of Never' });

    const always = makePod('always', [{ name: 'app', image: 'tugboat/testapp:latest', imagePullPolicy: 'Always' }]);
    r = await h.sync(always);
    const waiting = r.status.containerStatuses![0]!.state.waiting!;
    expect(waiting.reason).toBe('ErrImagePull');
    expect(waiting.message).toContain('registry docker.io is not reachable');
    expect(h.docker.pulls).toEqual([]); // nothing left the machine
    r = await h.sync(always);
    expect(r.status.containerStatuses![0]!.state.waiting!.reason).toBe('ImagePullBackOff');
    expect(r.status.containerStatuses![0]!.state.waiting!.message).toContain('Back-off pulling image "tugboat/testapp:latest": ErrImagePull: failed to pull');
    h.clock.advance(10_000);
    r = await h.sync(always);
    expect(r.status.containerStatuses![0]!.state.waiting!.reason).toBe('ErrImagePull');

    const local = makePod('local', [{ name: 'app', image: '127.0.0.1:5999/app:1', imagePullPolicy: 'Always' }]);
    h.docker.pullFailures.set('127.0.0.1:5999/app:1', 'Get "http://127.0.0.1:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused');
    r = await h.sync(local);
    expect(r.status.containerStatuses![0]!.state.waiting!.message).toContain('connect: connection refused');
    expect(h.docker.pulls).toEqual(['127.0.0.1:5999/app:1']);
  });

  it('a missing ConfigMap key is CreateContainerConfigError; ConfigMap and Secret reach env and files', async () => {
    h = syncHarness();
    const pod = makePod('cfg', [{
      name: 'app',
      env: [{ name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'settings', key: 'color' } } }, { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }],
      volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }, { name: 'sec', mountPath: '/etc/sec', readOnly: true }],
    }], { volumes: [{ name: 'cfg', configMap: { name: 'settings', defaultMode: 0o644 } }, { name: 'sec', secret: { secretName: 'creds', defaultMode: 0o600 } }] });
    let r = await h.sync(pod);
    expect(r.status.containerStatuses![0]!.state.waiting).toMatchObject({ reason: 'ContainerCreating', message: 'MountVolume.SetUp failed for volume "cfg" : configmap "settings" not found' });

    h.configMaps.set('default/settings', { metadata: { name: 'settings', namespace: 'default' }, data: { color: 'blue' } });
    r = await h.sync(pod);
    expect(r.status.containerStatuses![0]!.state.waiting).toMatchObject({ reason: 'ContainerCreating', message: expect.stringContaining('secret "creds" not found') });

    h.secrets.set('default/creds', { metadata: { name: 'creds', namespace: 'default' }, data: { password: Buffer.from('s3cret').toString('base64') } });
    r = await h.sync(pod);
    expect(r.status.containerStatuses![0]!.state.running).toBeDefined();
    const spec = h.docker.specOf(appOf('app')[0]!.id);
    expect(spec.env).toEqual(expect.arrayContaining(['COLOR=blue', 'PASS=s3cret']));
    const cfgDir = spec.binds.find((b) => b.endsWith(':/etc/cfg'))!.split(':')[0]!;
    expect(readFileSync(join(cfgDir, 'color'), 'utf8')).toBe('blue');
    const secBind = spec.binds.find((b) => b.includes(':/etc/sec'))!;
    expect(secBind.endsWith(':/etc/sec:ro')).toBe(true);
    expect(secBind.split(':')[0]!.includes('/shm/')).toBe(true);
    expect(readFileSync(join(secBind.split(':')[0]!, 'password'), 'utf8')).toBe('s3cret');

    // a ConfigMap edit reaches the mounted file
    h.configMaps.set('default/settings', { metadata: { name: 'settings', namespace: 'default' }, data: { color: 'green' } });
    await h.syncer.refreshVolumes(pod);
    expect(readFileSync(join(cfgDir, 'color'), 'utf8')).toBe('green');
  });

  it('kills every container of a deleted pod and releases its network (killPod + removePod)', async () => {
    h = syncHarness();
    const pod = makePod('gone', [{ name: 'a' }, { name: 'b' }]);
    await h.sync(pod);
    const rt = groupFor(h, 'uid-gone');
    await h.syncer.killPod(pod, await rt, 5, 'Deleted');
    expect([...h.docker.containers.values()].every((c) => !c.info.state.running)).toBe(true);
    expect(h.cni.deleted).toHaveLength(1);
    await h.syncer.removePod(await groupFor(h, 'uid-gone'));
    expect(h.docker.containers.size).toBe(0);
  });

  it('postStart: runs right after the start with the container id; a failure kills the container, which restarts with back-off', async () => {
    const calls: { command?: string[]; containerId: string }[] = [];
    let ok = true;
    h = syncHarness({ hookRunner: { run: async (probe, target) => {
      calls.push({ command: probe.exec?.command, containerId: target.containerId });
      return ok ? { ok: true } : { ok: false, message: 'command exited with 1' };
    } } });
    const hook = { postStart: { exec: { command: ['sh', '-c', 'touch /ready'] } } };
    const pod = makePod('hooked', [{ name: 'app', lifecycle: hook } as never]);
    let r = await h.sync(pod);
    expect(calls).toEqual([{ command: ['sh', '-c', 'touch /ready'], containerId: appOf('app')[0]!.id }]);
    expect(r.status.containerStatuses![0]).toMatchObject({ restartCount: 0, state: { running: {} } });

    ok = false;
    const failing = makePod('badhook', [{ name: 'app', lifecycle: hook } as never]);
    r = await h.sync(failing);
    expect(h.events).toContain('Warning FailedPostStartHook PostStartHook failed: command exited with 1');
    expect(r.status.containerStatuses![0]!.state.running).toBeUndefined();
    expect(r.status.containerStatuses![0]!.lastState.terminated).toMatchObject({ exitCode: 143 });
    expect(r.status.containerStatuses![0]!.state.waiting?.reason).toBe('CrashLoopBackOff');
  });
});

async function groupFor(harness: SyncHarness, uid: string) {
  const { RuntimeCache } = await import('../../../dataplane/kubelet/runtime-state.js');
  return new RuntimeCache(harness.docker, { nodeName: 'node-a' }).refreshPod(uid);
}
