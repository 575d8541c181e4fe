/**
 * StatefulSet storage on `tug up --nodes 1` with the real kubectl and tugboat/testapp: each pod
 * gets its own claim from volumeClaimTemplates, bound to a local-path volume of the default
 * class; a file written in web-0's volume is read back from the recreated web-0, and web-1 does
 * not see it; web-0.web.default.svc.cluster.local resolves to the recreated pod.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCluster, until } from '../../support/local-cluster.js';

const c = localCluster('e2ests');
const NS = 'default';

const manifest = `
apiVersion: v1
kind: Service
metadata: {name: web, namespace: ${NS}}
spec:
  clusterIP: None
  selector: {app: web}
  ports: [{port: 8080, name: http}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: ${NS}}
spec:
  serviceName: web
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: web
          image: tugboat/testapp:latest
          imagePullPolicy: Never
          volumeMounts: [{name: data, mountPath: /data}]
          readinessProbe: {httpGet: {path: /healthz, port: 8080}, periodSeconds: 1}
  volumeClaimTemplates:
    - metadata: {name: data}
      spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

beforeAll(async () => {
  const up = await c.tug('up', '--name', c.name, '--nodes', '1');
  if (up.code !== 0) throw new Error(`tug up failed: ${up.stdout}${up.stderr}`);
}, 300_000);

afterAll(async () => {
  await c.stop();
}, 300_000);

describe('a StatefulSet with volumeClaimTemplates', () => {
  it('keeps a pod data across its deletion', async () => {
    await c.k(['apply', '-f', '-'], manifest);
    const rollout = await c.k(['rollout', 'status', 'sts/web', '--timeout=180s']);
    expect(rollout).toContain('partitioned roll out complete: 2 new pods have been updated...');
    expect(await c.k(['get', 'sts', 'web'])).toMatch(/\nweb\s+2\/2\s+\d+s\n/);
    const claims = await c.k(['get', 'pvc']);
    expect(claims).toMatch(/\ndata-web-0\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+standard\s/);
    expect(claims).toMatch(/\ndata-web-1\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+standard\s/);

    await c.k(['exec', 'web-0', '--', 'sh', '-c', 'echo kept-by-web-0 > /data/note']);
    const uid = (await c.k(['get', 'pod', 'web-0', '-o', 'jsonpath={.metadata.uid}'])).trim();
    await c.k(['delete', 'pod', 'web-0', '--wait=false']);
    await until('web-0 recreated and Ready', async () => {
      const r = await c.kubectl(['get', 'pod', 'web-0', '-o', 'jsonpath={.metadata.uid} {.status.conditions[?(@.type=="Ready")].status}']);
      const [newUid, ready] = r.stdout.trim().split(' ');
      return r.code === 0 && newUid !== uid && ready === 'True';
    }, 120_000);
    expect((await c.k(['exec', 'web-0', '--', 'cat', '/data/note'])).trim()).toBe('kept-by-web-0');
    const other = await c.kubectl(['exec', 'web-1', '--', 'cat', '/data/note']);
    expect(other.code).not.toBe(0);

    // the stable network identity: <pod>.<serviceName> behind the headless Service
    const ip = (await c.k(['get', 'pod', 'web-0', '-o', 'jsonpath={.status.podIP}'])).trim();
    const answer = await until('web-0.web resolves to the new pod', async () => {
      const r = await c.kubectl(['exec', 'web-1', '--', 'nslookup', 'web-0.web.default.svc.cluster.local']);
      return r.stdout.includes(`Address: ${ip}`) ? r.stdout : undefined;
    }, 30_000);
    expect(answer).toContain(`Address: ${ip}`);
  }, 300_000);
});
