/**
 * Re-captures the protobuf fixtures from a real kubectl (not run by the test suite).
 *
 * Starts a throwaway HTTPS server on 127.0.0.1 that answers legacy discovery for the core,
 * apps and batch groups, records every POST body kubectl sends, and answers 201 with a small
 * JSON echo. For each case it then runs the same command with `--dry-run=client -o json` and
 * stores what kubectl prints, which is kubectl's own JSON model of the object it encoded.
 *
 * From the repository root:
 *   npx tsc --outDir /tmp/pbcap --module nodenext --target es2022 --types node --strict --skipLibCheck \
 *     test/unit/api/protobuf/capture.ts && node /tmp/pbcap/capture.js [kubectl path]
 *
 * Writes fixtures/<case>.pb (raw request body), fixtures/<case>.json (dry-run output) and
 * fixtures/cases.json (command, request path and Content-Type per case).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const KUBECTL = process.argv[2] ?? '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
// Relative to the repository root (the script usually runs from a compiled copy in /tmp).
const FIXTURES = process.env.FIXTURES_DIR ?? join(process.cwd(), 'test/unit/api/protobuf/fixtures');

interface Case { name: string; args: string[] }

function cases(work: string): Case[] {
  return [
    { name: 'configmap', args: ['create', 'configmap', 'x', '--from-literal=a=1', '--from-literal=b=2'] },
    { name: 'configmap-from-file', args: ['create', 'configmap', 'cf', `--from-file=${join(work, 'env.txt')}`] },
    { name: 'secret-generic', args: ['create', 'secret', 'generic', 's', '--from-literal=k=v'] },
    { name: 'secret-tls', args: ['create', 'secret', 'tls', 't', `--cert=${join(work, 'tls.crt')}`, `--key=${join(work, 'tls.key')}`] },
    { name: 'secret-docker-registry', args: ['create', 'secret', 'docker-registry', 'reg', '--docker-server=registry.example.com',
      '--docker-username=u', '--docker-password=p', '--docker-email=u@example.com'] },
    { name: 'namespace', args: ['create', 'namespace', 'n'] },
    { name: 'serviceaccount', args: ['create', 'serviceaccount', 'sa'] },
    { name: 'deployment', args: ['create', 'deployment', 'd', '--image=nginx:1.25', '--replicas=3', '--port=80'] },
    { name: 'deployment-command', args: ['create', 'deployment', 'dc', '--image=busybox', '--', 'sleep', '3600'] },
    { name: 'service-clusterip', args: ['create', 'service', 'clusterip', 'web', '--tcp=80:8080'] },
    { name: 'service-clusterip-none', args: ['create', 'service', 'clusterip', 'headless', '--clusterip=None'] },
    { name: 'service-nodeport', args: ['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080'] },
    { name: 'service-loadbalancer', args: ['create', 'service', 'loadbalancer', 'lb', '--tcp=443:https'] },
    { name: 'service-externalname', args: ['create', 'service', 'externalname', 'ext', '--external-name=db.example.com'] },
    { name: 'job', args: ['create', 'job', 'j', '--image=busybox', '--', 'echo', 'hi'] },
    { name: 'cronjob', args: ['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *', '--', 'date'] },
  ];
}

const RESOURCES: Record<string, { groupVersion: string; kind: string; namespaced: boolean }> = {
  configmaps: { groupVersion: 'v1', kind: 'ConfigMap', namespaced: true },
  secrets: { groupVersion: 'v1', kind: 'Secret', namespaced: true },
  namespaces: { groupVersion: 'v1', kind: 'Namespace', namespaced: false },
  serviceaccounts: { groupVersion: 'v1', kind: 'ServiceAccount', namespaced: true },
  services: { groupVersion: 'v1', kind: 'Service', namespaced: true },
  deployments: { groupVersion: 'apps/v1', kind: 'Deployment', namespaced: true },
  jobs: { groupVersion: 'batch/v1', kind: 'Job', namespaced: true },
  cronjobs: { groupVersion: 'batch/v1', kind: 'CronJob', namespaced: true },
};

function resourceList(groupVersion: string): unknown {
  const resources = Object.entries(RESOURCES)
    .filter(([, r]) => r.groupVersion === groupVersion)
    .map(([name, r]) => ({
      name, singularName: r.kind.toLowerCase(), namespaced: r.namespaced, kind: r.kind,
      verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
    }));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

function groupList(): unknown {
  const group = (name: string, version: string) => ({
    name, versions: [{ groupVersion: `${name}/${version}`, version }],
    preferredVersion: { groupVersion: `${name}/${version}`, version },
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [group('apps', 'v1'), group('batch', 'v1')] };
}

interface Recorded { path: string; contentType: string; body: Buffer }

function handler(recorded: Recorded[]) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://capture');
      const json = (code: number, body: unknown) => {
        res.writeHead(code, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'POST') {
        recorded.push({ path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body: Buffer.concat(chunks) });
        const plural = url.pathname.split('/').pop() ?? '';
        const r = RESOURCES[plural];
        if (!r) return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' });
        return json(201, { apiVersion: r.groupVersion, kind: r.kind, metadata: { name: 'captured', uid: '00000000-0000-0000-0000-000000000001' } });
      }
      switch (url.pathname) {
        case '/version': return json(200, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
        case '/api': return json(200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
        case '/apis': return json(200, groupList());
        case '/api/v1': return json(200, resourceList('v1'));
        case '/apis/apps/v1': return json(200, resourceList('apps/v1'));
        case '/apis/batch/v1': return json(200, resourceList('batch/v1'));
        default: return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound' });
      }
    });
  };
}

async function selfSigned(dir: string, name: string, cn: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-days', '3650', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn},IP:127.0.0.1`, '-keyout', key, '-out', cert]);
  return { cert, key };
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'tug-pbcap-'));
  const recorded: Recorded[] = [];
  const serving = await selfSigned(work, 'server', 'localhost');
  await selfSigned(work, 'tls', 'web.example.com');
  await writeFile(join(work, 'env.txt'), 'MODE=prod\nLEVEL=3\n');
  const server = createServer({ cert: await readFile(serving.cert), key: await readFile(serving.key) }, handler(recorded));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    const kubeconfig = join(work, 'kubeconfig');
    await writeFile(kubeconfig, [
      'apiVersion: v1', 'kind: Config', 'current-context: cap',
      'clusters:', `- name: cap`, '  cluster:', `    server: https://127.0.0.1:${port}`, '    insecure-skip-tls-verify: true',
      'users:', '- name: cap', '  user:', '    token: capture-token',
      'contexts:', '- name: cap', '  context:', '    cluster: cap', '    user: cap', '    namespace: default', '',
    ].join('\n'));
    const env = { ...process.env, KUBECONFIG: kubeconfig, HOME: work };
    const common = ['--cache-dir', join(work, 'cache')];
    const index: Record<string, { command: string; path: string; contentType: string }> = {};
    for (const c of cases(work)) {
      const before = recorded.length;
      await run(KUBECTL, [...common, ...c.args], { env });
      const posts = recorded.slice(before);
      if (posts.length !== 1) throw new Error(`${c.name}: expected one POST, saw ${posts.length}`);
      const post = posts[0]!;
      const dry = await run(KUBECTL, [...common, ...insertDryRun(c.args)], { env });
      await writeFile(join(FIXTURES, `${c.name}.pb`), post.body);
      await writeFile(join(FIXTURES, `${c.name}.json`), dry.stdout);
      index[c.name] = {
        command: `kubectl ${c.args.map((a) => a.replace(work, '$WORK')).join(' ')}`,
        path: post.path, contentType: post.contentType,
      };
      console.log(`${c.name}: ${post.contentType} ${post.body.length} bytes ${post.path}`);
    }
    await writeFile(join(FIXTURES, 'cases.json'), `${JSON.stringify(index, null, 2)}\n`);
  } finally {
    server.close();
    await rm(work, { recursive: true, force: true });
  }
}

/** Flags must precede a `--` that starts the container command. */
function insertDryRun(args: string[]): string[] {
  const flags = ['--dry-run=client', '-o', 'json'];
  const dash = args.indexOf('--');
  return dash < 0 ? [...args, ...flags] : [...args.slice(0, dash), ...flags, ...args.slice(dash)];
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
