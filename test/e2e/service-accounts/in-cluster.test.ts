// In-cluster clients on a real `tug up --nodes 2` cluster: a pod on each node reads the mounted
// token, ca.crt and namespace and lists pods through https://kubernetes.default.svc (10.96.0.1:443 →
// the API server), verifying the serving certificate with the mounted CA for that name; the same
// request without the token is 401. A real kubectl binary from this machine is mounted into a pod
// and run with its in-cluster config (KUBERNETES_SERVICE_HOST/PORT + the token files).
// Run under the shared lock: flock /tmp/tug-e2e.lock npx vitest run test/e2e/service-accounts
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, realpathSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCluster, until } from '../../support/local-cluster.js';

const NAME = 'e2esa';
const cluster = localCluster(NAME);
const k = (...args: string[]): Promise<string> => cluster.k(args);
/**
 * A kubectl executable to mount into a pod: the dispatcher at /usr/bin/kubectl is a script, so
 * the 1.32 binary it runs, else whatever `kubectl` resolves to if that is an ELF binary.
 */
function kubectlBinary(): string {
  const candidates = ['/usr/lib/google-cloud-sdk/bin/kubectl.1.32'];
  try {
    candidates.push(realpathSync(execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim()));
  } catch {
    // no kubectl on PATH
  }
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    const fd = openSync(c, 'r');
    const magic = Buffer.alloc(4);
    readSync(fd, magic, 0, 4, 0);
    closeSync(fd);
    if (magic.toString('latin1') === '\x7fELF') return c;
  }
  throw new Error(`no kubectl executable to mount into a pod (looked at ${candidates.join(', ')})`);
}
const KUBECTL_BINARY = kubectlBinary();
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * GET /api/v1/namespaces/<ns>/pods on https://kubernetes.default.svc with Node's https, which
 * verifies the certificate chain against ca.crt and the name against the certificate's SANs.
 * With argument `token` it sends the mounted token. Prints the status code, then the body.
 */
const LIST_PODS = `
const https = require('https'), fs = require('fs');
const dir = '${SA_DIR}/';
const headers = process.argv[1] === 'token' ? { Authorization: 'Bearer ' + fs.readFileSync(dir + 'token', 'utf8') } : {};
const ns = fs.readFileSync(dir + 'namespace', 'utf8');
https.get({ host: 'kubernetes.default.svc', port: 443, path: '/api/v1/namespaces/' + ns + '/pods', ca: fs.readFileSync(dir + 'ca.crt'), headers }, (res) => {
  let body = '';
  res.on('data', (c) => (body += c));
  res.on('end', () => console.log(res.statusCode + '\\n' + body));
}).on('error', (e) => { console.log('ERROR ' + e.message); process.exit(2); });
`;

function clientPod(name: string, node: string): object {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: {
      nodeName: node,
      containers: [{
        name: 'app', image: 'tugboat/testapp:latest', imagePullPolicy: 'IfNotPresent',
        volumeMounts: [{ name: 'kubectl', mountPath: '/usr/local/bin/kubectl', readOnly: true }],
      }],
      volumes: [{ name: 'kubectl', hostPath: { path: KUBECTL_BINARY, type: 'File' } }],
    },
  };
}

beforeAll(async () => {
  const r = await cluster.tug('up', '--name', NAME, '--nodes', '2');
  if (r.code !== 0) throw new Error(`tug up failed: ${r.stderr}${r.stdout}`);
  for (const [i, pod] of [[1, 'client-1'], [2, 'client-2']] as const) {
    await cluster.k(['apply', '-f', '-'], JSON.stringify(clientPod(pod, cluster.node(i))));
  }
  await k('wait', '--for=condition=Ready', 'pod/client-1', 'pod/client-2', '--timeout=90s');
}, 240_000);

afterAll(async () => {
  await cluster.stop();
}, 180_000);

describe('a pod talks to the API server with its ServiceAccount', () => {
  it('has the token (bound to the pod), ca.crt (the cluster CA) and namespace mounted', async () => {
    const token = await k('exec', 'client-1', '--', 'cat', `${SA_DIR}/token`);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
    const uid = (await k('get', 'pod', 'client-1', '-o', 'jsonpath={.metadata.uid}')).trim();
    expect(claims.sub).toBe('system:serviceaccount:default:default');
    expect(claims['kubernetes.io'].pod).toEqual({ name: 'client-1', uid });
    expect(claims['kubernetes.io'].node.name).toBe(cluster.node(1));
    expect(claims.exp - claims.iat).toBe(3607);
    expect(await k('exec', 'client-1', '--', 'cat', `${SA_DIR}/namespace`)).toBe('default');
    const ca = await k('get', 'cm', 'kube-root-ca.crt', '-o', 'jsonpath={.data.ca\\.crt}');
    expect(await k('exec', 'client-1', '--', 'cat', `${SA_DIR}/ca.crt`)).toBe(ca);
    expect(await k('exec', 'client-1', '--', 'sh', '-c', 'echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT')).toBe('10.96.0.1:443\n');
  });

  for (const pod of ['client-1', 'client-2']) {
    it(`${pod}: lists pods through https://kubernetes.default.svc with the token, verified by ca.crt; 401 without it`, async () => {
      const ok = await until(`${pod} reaches the API`, async () => {
        const out = await k('exec', pod, '--', 'node', '-e', LIST_PODS, 'token');
        return out.startsWith('200\n') ? out : undefined;
      }, 30_000);
      const list = JSON.parse(ok.slice(4));
      expect(list.kind).toBe('PodList');
      expect(list.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort()).toEqual(['client-1', 'client-2']);
      const anonymous = await k('exec', pod, '--', 'node', '-e', LIST_PODS);
      expect(anonymous.split('\n')[0]).toBe('401');
      expect(JSON.parse(anonymous.slice(4))).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    });
  }

  it('kubectl inside the pod uses its in-cluster config', async () => {
    const who = await k('exec', 'client-2', '--', 'kubectl', '--cache-dir', '/tmp/kube-cache', 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}');
    expect(who).toBe('system:serviceaccount:default:default');
    const pods = await k('exec', 'client-2', '--', 'kubectl', '--cache-dir', '/tmp/kube-cache', 'get', 'pods', '-o', 'name');
    expect(pods.trim().split('\n').sort()).toEqual(['pod/client-1', 'pod/client-2']);
  });

  it('the token stops working once its pod is deleted', async () => {
    const token = await k('exec', 'client-1', '--', 'cat', `${SA_DIR}/token`);
    await k('delete', 'pod', 'client-1', '--wait=true', '--timeout=60s');
    const r = await cluster.kubectl(['--token', token, 'get', 'pods']);
    expect(r.stderr.trim()).toBe('error: You must be logged in to the server (Unauthorized)');
  });
});
