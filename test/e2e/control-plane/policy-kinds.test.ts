/**
 * The policy kinds ordinary manifests and Helm charts carry — RBAC roles and bindings,
 * PodDisruptionBudgets, PriorityClasses, ResourceQuotas, LimitRanges — with the real kubectl:
 * its `create` generators (protobuf bodies), apply of a chart-like manifest, upstream's tables,
 * defaults and validation messages, and namespace deletion taking them along.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startControlPlane, type TestControlPlane } from '../../support/control-plane.js';

let cp: TestControlPlane;

beforeAll(async () => {
  cp = await startControlPlane();
  await cp.k(['create', 'namespace', 'team']);
});

afterAll(async () => {
  await cp?.stop();
});

const rows = (out: string): string[][] => out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));

const CHART = `apiVersion: v1
kind: ServiceAccount
metadata: {name: metrics, namespace: team}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:metrics-reader
  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules:
- apiGroups: [""]
  resources: [nodes, nodes/metrics, pods]
  verbs: [get, list, watch]
- nonResourceURLs: [/metrics]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:metrics-reader"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:metrics-reader"}
subjects:
- {kind: ServiceAccount, name: metrics, namespace: team}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: leader-election, namespace: team}
rules:
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [get, create, update]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: leader-election, namespace: team}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: leader-election}
subjects:
- {kind: ServiceAccount, name: metrics}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: metrics, namespace: team}
spec:
  maxUnavailable: 25%
  selector: {matchLabels: {app: metrics}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: metrics-critical}
value: 100000
description: metrics must keep running
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: team}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 256Mi}
    defaultRequest: {cpu: 100m}
`;

describe('policy kinds', () => {
  it('kubectl apply of a chart-like manifest creates every object, and a second apply changes nothing', async () => {
    const first = await cp.k(['apply', '-f', '-'], CHART);
    expect(first).toContain('clusterrole.rbac.authorization.k8s.io/system:metrics-reader created');
    expect(first).toContain('poddisruptionbudget.policy/metrics created');
    expect(first).toContain('priorityclass.scheduling.k8s.io/metrics-critical created');
    expect(first).toContain('limitrange/defaults created');
    // Upstream prints "configured" for a PDB every time: its selector's patchStrategy is
    // "replace", so kubectl's three-way patch is never empty (and the server changes nothing).
    const second = await cp.k(['apply', '-f', '-'], CHART);
    expect(second.trim().split('\n').filter((l) => !l.endsWith(' unchanged'))).toEqual(['poddisruptionbudget.policy/metrics configured']);
    const pdbAfter = JSON.parse(await cp.k(['get', 'pdb', 'metrics', '-n', 'team', '-o', 'json']));
    expect(pdbAfter.metadata.generation).toBe(1);

    const binding = JSON.parse(await cp.k(['get', 'rolebinding', 'leader-election', '-n', 'team', '-o', 'json']));
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'metrics' }]);
    expect(rows(await cp.k(['get', 'clusterrolebinding', 'system:metrics-reader', '-o', 'wide']))).toEqual([
      ['NAME', 'ROLE', 'AGE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS'],
      ['system:metrics-reader', 'ClusterRole/system:metrics-reader', expect.stringMatching(/^\d+s$/), 'team:metrics'],
    ]);
    const pdb = rows(await cp.k(['get', 'pdb', '-n', 'team']));
    expect(pdb[0]).toEqual(['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
    expect(pdb[1]!.slice(0, 4)).toEqual(['metrics', 'N/A', '25%', '0']);
    expect(rows(await cp.k(['get', 'pc', 'metrics-critical']))[1]!.slice(0, 3)).toEqual(['metrics-critical', '100000', 'false']);
    expect(JSON.parse(await cp.k(['get', 'pc', 'metrics-critical', '-o', 'json'])).preemptionPolicy).toBe('PreemptLowerPriority');
    expect(rows(await cp.k(['get', 'limits', '-n', 'team']))[0]).toEqual(['NAME', 'CREATED AT']);
  });

  it('kubectl create role|clusterrole|rolebinding|clusterrolebinding|pdb|priorityclass|quota (protobuf bodies)', async () => {
    await cp.k(['create', 'role', 'pod-reader', '-n', 'team', '--verb=get,list', '--resource=pods,deployments.apps']);
    expect(JSON.parse(await cp.k(['get', 'role', 'pod-reader', '-n', 'team', '-o', 'json'])).rules).toEqual([
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['deployments'] },
    ]);
    await cp.k(['create', 'clusterrole', 'node-viewer', '--verb=get', '--resource=nodes']);
    await cp.k(['create', 'rolebinding', 'readers', '-n', 'team', '--role=pod-reader', '--user=alice', '--group=devs', '--serviceaccount=team:metrics']);
    expect(rows(await cp.k(['get', 'rolebinding', 'readers', '-n', 'team', '-o', 'wide']))[1]!.filter((c) => !/^\d+s$/.test(c)))
      .toEqual(['readers', 'Role/pod-reader', 'alice', 'devs', 'team:metrics']);
    await cp.k(['create', 'clusterrolebinding', 'viewers', '--clusterrole=node-viewer', '--group=devs']);
    expect(JSON.parse(await cp.k(['get', 'clusterrolebinding', 'viewers', '-o', 'json'])).roleRef)
      .toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'node-viewer' });

    await cp.k(['create', 'pdb', 'web', '-n', 'team', '--selector=app=web', '--min-available=2']);
    expect(JSON.parse(await cp.k(['get', 'pdb', 'web', '-n', 'team', '-o', 'json'])).spec)
      .toEqual({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } });
    await cp.k(['create', 'priorityclass', 'batch-low', '--value=-10', '--description=batch work', '--preemption-policy=Never']);
    expect(rows(await cp.k(['get', 'priorityclass', 'batch-low']))[1]).toEqual(['batch-low', '-10', 'false', expect.stringMatching(/^\d+s$/), 'Never']);
    await cp.k(['create', 'quota', 'compute', '-n', 'team', '--hard=pods=10,requests.cpu=2,limits.memory=4Gi']);
    expect(rows(await cp.k(['get', 'quota', 'compute', '-n', 'team']))[1]!.filter((c) => !/^\d+s$/.test(c)))
      .toEqual(['compute', 'pods: 0/10, requests.cpu: 0/2', 'limits.memory: 0/4Gi']);
  });

  it('refuses what kube-apiserver refuses, naming the field', async () => {
    const bad = await cp.kubectl(['create', 'rolebinding', 'nowhere', '-n', 'team', '--role=', '--user=bob']);
    expect(bad.code).not.toBe(0);
    const changed = await cp.kubectl(['apply', '-f', '-'], { input: CHART.replace('kind: Role, name: leader-election', 'kind: ClusterRole, name: system:metrics-reader') });
    expect(changed.stderr).toContain('roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"ClusterRole", Name:"system:metrics-reader"}: cannot change roleRef');
    const both = await cp.kubectl(['apply', '-f', '-'], { input: 'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: both, namespace: team}\nspec: {minAvailable: 1, maxUnavailable: 1}\n' });
    expect(both.stderr).toContain('minAvailable and maxUnavailable cannot be both set');
    const huge = await cp.kubectl(['create', 'priorityclass', 'huge', '--value=2000000000']);
    expect(huge.stderr).toContain('value: Forbidden: maximum allowed value of a user defined priority is 1000000000');
    const noVerbs = await cp.kubectl(['apply', '-f', '-'], { input: 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: empty, namespace: team}\nrules:\n- apiGroups: [""]\n  resources: [pods]\n  verbs: []\n' });
    expect(noVerbs.stderr).toContain('rules[0].verbs: Required value: verbs must contain at least one value');
  });

  it('shows up in api-resources with short names, and goes with its namespace', async () => {
    const resources = await cp.k(['api-resources', '--no-headers']);
    for (const line of [/^poddisruptionbudgets\s+pdb\s+policy\/v1\s+true\s+PodDisruptionBudget$/m, /^priorityclasses\s+pc\s+scheduling\.k8s\.io\/v1\s+false\s+PriorityClass$/m,
      /^resourcequotas\s+quota\s+v1\s+true\s+ResourceQuota$/m, /^clusterrolebindings\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRoleBinding$/m]) {
      expect(resources).toMatch(line);
    }
    await cp.k(['delete', 'namespace', 'team', '--wait=true', '--timeout=60s']);
    for (const kind of ['roles', 'rolebindings', 'pdb', 'quota', 'limits']) {
      expect((await cp.kubectl(['get', kind, '-n', 'team', '-o', 'name'])).stdout.trim()).toBe('');
    }
    expect(await cp.k(['get', 'clusterrole', 'node-viewer', '-o', 'name'])).toContain('clusterrole.rbac.authorization.k8s.io/node-viewer');
  });
});
