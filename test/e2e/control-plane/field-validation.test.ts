/**
 * Server-side field validation as a kubectl 1.32 user meets it: kubectl sends
 * `fieldValidation=Strict` (or what --validate asks for) on create/apply/replace, nothing on
 * `kubectl patch` (so the server's default, Warn, applies), and server-side apply rejects unknown
 * fields whatever the flag. Unknown fields never reach storage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';
import { RICH_MANIFEST } from './rich-manifest.js';

let cp: TestControlPlane;
let tmp: string;

beforeAll(async () => {
  cp = await startControlPlane();
  tmp = mkdtempSync(join(tmpdir(), 'tug-fieldval-'));
});

afterAll(async () => {
  await cp?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A Deployment with two typos: `replica` for replicas, `imagePullPolicyy` in the container. */
function typoDeployment(name: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replica: 3
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        imagePullPolicyy: Always
`;
}

function manifestFile(name: string, text: string): string {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

async function getJson(args: string[]): Promise<Record<string, any>> {
  return JSON.parse(await cp.k(['get', ...args, '-o', 'json'])) as Record<string, any>;
}

const BOTH_FIELDS = 'unknown field "spec.replica", unknown field "spec.template.spec.containers[0].imagePullPolicyy"';

describe('kubectl apply/create/replace (fieldValidation=Strict by default)', () => {
  it('fails with upstream\'s message naming every unknown field, and creates nothing', async () => {
    const file = manifestFile('strict', typoDeployment('strict'));
    const r = await cp.kubectl(['apply', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`Error from server (BadRequest): error when creating "${file}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${BOTH_FIELDS}`);
    const get = await cp.kubectl(['get', 'deploy', 'strict']);
    expect(get.stderr).toContain('deployments.apps "strict" not found');
  });

  it('--validate=warn succeeds, prints one Warning per field, and stores the object without them', async () => {
    const r = await cp.kubectl(['apply', '--validate=warn', '-f', manifestFile('warn', typoDeployment('warn'))]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('deployment.apps/warn created');
    expect(r.stderr).toContain('Warning: unknown field "spec.replica"\n');
    expect(r.stderr).toContain('Warning: unknown field "spec.template.spec.containers[0].imagePullPolicyy"\n');
    const d = await getJson(['deploy', 'warn']);
    expect(d.spec).not.toHaveProperty('replica');
    expect(d.spec.replicas).toBe(1);
    expect(d.spec.template.spec.containers[0]).not.toHaveProperty('imagePullPolicyy');
    expect(d.spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    const yaml = await cp.k(['get', 'deploy', 'warn', '-o', 'yaml']);
    // (the last-applied-configuration annotation still quotes the file as it was sent)
    expect(yaml).not.toMatch(/^\s*(replica|imagePullPolicyy):/m);
    expect(yaml).toMatch(/^ {2}replicas: 1$/m);
  });

  it('--validate=false succeeds silently, the fields dropped all the same', async () => {
    const r = await cp.kubectl(['apply', '--validate=false', '-f', manifestFile('silent', typoDeployment('silent'))]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const d = await getJson(['deploy', 'silent']);
    expect(d.spec).not.toHaveProperty('replica');
    expect(d.spec.template.spec.containers[0]).not.toHaveProperty('imagePullPolicyy');
  });

  it('kubectl create and replace answer the same way', async () => {
    const file = manifestFile('created', typoDeployment('created'));
    const create = await cp.kubectl(['create', '-f', file]);
    expect(create.code).toBe(1);
    expect(create.stderr).toContain(`error when creating "${file}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${BOTH_FIELDS}`);
    const replace = await cp.kubectl(['replace', '-f', manifestFile('warn-replace', typoDeployment('warn'))]);
    expect(replace.code).toBe(1);
    expect(replace.stderr).toContain(`error when replacing "${join(tmp, 'warn-replace.yaml')}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${BOTH_FIELDS}`);
    const replaced = await cp.kubectl(['replace', '--validate=warn', '-f', join(tmp, 'warn-replace.yaml')]);
    expect(replaced.code).toBe(0);
    expect(replaced.stderr).toContain('Warning: unknown field "spec.replica"');
  });

  it('an apply that adds an unknown field to an existing object fails on its patch, as upstream words it', async () => {
    const clean = typoDeployment('existing').replace('replica: 3', 'replicas: 3').replace('        imagePullPolicyy: Always\n', '');
    await cp.k(['apply', '-f', manifestFile('existing', clean)]);
    const typo = typoDeployment('existing').replace('replica: 3', 'replicas: 3\n  replica: 3');
    const r = await cp.kubectl(['apply', '-f', manifestFile('existing-typo', typo)]);
    expect(r.code).toBe(1);
    // kubectl's client-side apply sends a strategic merge patch; the server prints it as Go prints a map
    expect(r.stderr.trim()).toBe('The request is invalid: patch: Invalid value: "map[metadata:map[annotations:map[kubectl.kubernetes.io/last-applied-configuration:'
      + JSON.stringify(lastApplied(typo)).slice(1, -1)
      + ']] spec:map[replica:3 template:map[spec:map[$setElementOrder/containers:[map[name:web]] containers:[map[imagePullPolicyy:Always name:web]]]]]]": '
      + 'strict decoding error: unknown field "spec.template.spec.containers[0].imagePullPolicyy", unknown field "spec.replica"');
    expect((await getJson(['deploy', 'existing'])).spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
  });

  it('a manifest using every common field of the served kinds applies without a warning and is stored whole', async () => {
    const r = await cp.kubectl(['apply', '-f', manifestFile('rich', RICH_MANIFEST)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lost: string[] = [];
    for (const doc of parseAllDocuments(RICH_MANIFEST, { version: '1.1' })) { // YAML 1.1 like kubectl: 0444 is octal
      const sent = doc.toJS() as { kind: string; metadata: { name: string; namespace?: string } };
      const scope = sent.metadata.namespace ? ['-n', sent.metadata.namespace] : [];
      const stored = await getJson([sent.kind.toLowerCase(), sent.metadata.name, ...scope]);
      if (sent.kind === 'Secret') delete (sent as { stringData?: unknown }).stringData; // merged into data on write
      lost.push(...missingPaths(sent, stored).map((p) => `${sent.kind}/${sent.metadata.name}: ${p}`));
    }
    expect(lost).toEqual([]);
  });
});

describe('kubectl patch (sends no fieldValidation: the server default, Warn)', () => {
  it('a merge patch with an unknown field succeeds with a Warning and changes nothing', async () => {
    const r = await cp.kubectl(['patch', 'deploy', 'warn', '--type', 'merge', '-p', '{"spec":{"replica":2}}']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('deployment.apps/warn patched (no change)');
    expect(r.stderr.trim()).toBe('Warning: unknown field "spec.replica"');
  });

  it('Strict, asked for explicitly, refuses the patch with a 422', async () => {
    const c = cp.client();
    const err = await c.request('PATCH', '/apis/apps/v1/namespaces/default/deployments/warn?fieldValidation=Strict',
      { spec: { replica: 2 } }, { 'Content-Type': 'application/strategic-merge-patch+json' }).then(() => undefined, (e: unknown) => e as { code: number; message: string });
    expect(err?.code).toBe(422);
    expect(err?.message).toContain('patch: Invalid value: "map[spec:map[replica:2]]": strict decoding error: unknown field "spec.replica"');
  });
});

describe('kubectl apply --server-side', () => {
  it('fails on unknown fields whatever --validate says, naming them as structured-merge-diff does', async () => {
    const file = manifestFile('ssa', typoDeployment('ssa'));
    for (const flag of ['--validate=strict', '--validate=false']) {
      const r = await cp.kubectl(['apply', '--server-side', flag, '-f', file]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('Error from server (BadRequest): failed to create typed patch object (default/ssa; apps/v1, Kind=Deployment): errors:\n'
        + '  .spec.replica: field not declared in schema\n'
        + '  .spec.template.spec.containers[name="web"].imagePullPolicyy: field not declared in schema');
    }
    expect((await cp.kubectl(['get', 'deploy', 'ssa'])).code).toBe(1);
  });
});

describe('the fieldValidation parameter itself', () => {
  it('rejects an unsupported value with upstream\'s 422', async () => {
    const r = await cp.kubectl(['create', '--raw', '/api/v1/namespaces/default/configmaps?fieldValidation=Bogus', '-f', '-'],
      { input: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"raw"}}' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('The CreateOptions "" is invalid: fieldValidation: Unsupported value: "Bogus": supported values: "", "Ignore", "Strict", "Warn"');
  });
});

describe('kinds without a schema (Gateway API)', () => {
  it('are stored as sent, like CRDs that preserve unknown fields', async () => {
    const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: route
spec:
  parentRefs: [{name: gw}]
  futureField: {kept: true}
`;
    const r = await cp.kubectl(['apply', '-f', manifestFile('route', route)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect((await getJson(['httproute', 'route'])).spec.futureField).toEqual({ kept: true });
  });
});

/** The kubectl.kubernetes.io/last-applied-configuration kubectl writes for a manifest (Go's JSON: sorted keys, a newline). */
function lastApplied(manifest: string): string {
  const obj = parseAllDocuments(manifest)[0]!.toJS() as { metadata: Record<string, unknown> };
  obj.metadata = { annotations: {}, ...obj.metadata, namespace: 'default' };
  const sorted = (v: unknown): unknown => (Array.isArray(v) ? v.map(sorted)
    : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v);
  return `${JSON.stringify(sorted(obj))}\n`;
}

/** Paths of `sent` whose value is not in `stored` (defaults may add fields; nothing may go). */
function missingPaths(sent: unknown, stored: unknown, path = ''): string[] {
  if (Array.isArray(sent)) {
    if (!Array.isArray(stored)) return [path];
    return sent.flatMap((item, i) => missingPaths(item, stored[i], `${path}[${i}]`));
  }
  if (sent && typeof sent === 'object') {
    if (!stored || typeof stored !== 'object') return [path];
    return Object.entries(sent).flatMap(([k, v]) => missingPaths(v, (stored as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return sent === stored ? [] : [`${path} (${JSON.stringify(sent)} → ${JSON.stringify(stored)})`];
}
