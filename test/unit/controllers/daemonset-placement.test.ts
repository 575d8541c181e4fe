import { describe, expect, it } from 'vitest';
import { daemonPodNode, daemonPodTemplate, nodeShouldRunDaemonPod } from '../../../control/controllers/daemonset-placement.js';
import { REVISION_HASH_LABEL, daemonSetStatus, planDaemonPods, planRollingUpdate, type NodePlacement } from '../../../control/controllers/daemonset-update.js';
import type { DaemonSet, Node, Pod, PodTemplateSpec } from '../../../control/controllers/workload-types.js';

const NOW = Date.UTC(2025, 0, 1);

function node(name: string, labels: Record<string, string> = {}, taints: { key: string; value?: string; effect: string }[] = []): Node {
  return { metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: { taints } };
}

const tmpl = (spec: PodTemplateSpec['spec'] = {}): PodTemplateSpec => ({ metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a' }], ...spec } });

describe('nodeShouldRunDaemonPod', () => {
  it('honours nodeSelector and required node affinity', () => {
    expect(nodeShouldRunDaemonPod(node('n1', { disk: 'ssd' }), tmpl({ nodeSelector: { disk: 'ssd' } }))).toBe(true);
    expect(nodeShouldRunDaemonPod(node('n2'), tmpl({ nodeSelector: { disk: 'ssd' } }))).toBe(false);
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['a', 'b'] }] },
      { matchFields: [{ key: 'metadata.name', operator: 'In' as const, values: ['special'] }] },
    ] } } };
    expect(nodeShouldRunDaemonPod(node('n1', { zone: 'b' }), tmpl({ affinity }))).toBe(true);
    expect(nodeShouldRunDaemonPod(node('special'), tmpl({ affinity }))).toBe(true);
    expect(nodeShouldRunDaemonPod(node('n3', { zone: 'c' }), tmpl({ affinity }))).toBe(false);
  });

  it('tolerates the not-ready/unreachable/unschedulable taints but not foreign ones', () => {
    expect(nodeShouldRunDaemonPod(node('n1', {}, [
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }, { key: 'soft', effect: 'PreferNoSchedule' },
    ]), tmpl())).toBe(true);
    const dedicated = node('n2', {}, [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }]);
    expect(nodeShouldRunDaemonPod(dedicated, tmpl())).toBe(false);
    expect(nodeShouldRunDaemonPod(dedicated, tmpl({ tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] }))).toBe(true);
    expect(nodeShouldRunDaemonPod(dedicated, tmpl({ tolerations: [{ operator: 'Exists' }] }))).toBe(true);
  });

  it('pins the pod to its node with matchFields affinity and adds the daemon tolerations', () => {
    const t = daemonPodTemplate(tmpl({ nodeSelector: { a: 'b' } }), 'n7');
    expect(t.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] },
    ]);
    expect(t.spec?.tolerations?.map((x) => `${x.key}:${x.effect}`)).toContain('node.kubernetes.io/unreachable:NoExecute');
    expect(t.spec?.nodeName).toBeUndefined();
    expect(daemonPodNode({ metadata: {}, spec: t.spec })).toBe('n7');
  });
});

let seq = 0;
function dpod(hash: string, o: { ready?: boolean; phase?: NonNullable<Pod['status']>['phase']; deleting?: boolean } = {}): Pod {
  seq++;
  return {
    metadata: { name: `p${seq}`, uid: `u${seq}`, labels: { [REVISION_HASH_LABEL]: hash }, creationTimestamp: new Date(NOW + seq).toISOString(), deletionTimestamp: o.deleting ? 'x' : undefined },
    status: { phase: o.phase ?? 'Running', conditions: o.ready === false ? [] : [{ type: 'Ready', status: 'True', lastTransitionTime: new Date(NOW - 60_000).toISOString() }] },
  };
}

const ds = (maxUnavailable: number | string = 1): DaemonSet => ({ metadata: { name: 'agent', generation: 3 }, spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } } } });

describe('planDaemonPods', () => {
  it('creates where missing, replaces failed pods, trims extras and removes from ineligible nodes', () => {
    const failed = dpod('h', { phase: 'Failed' });
    const keep = dpod('h');
    const extra = dpod('h');
    const stray = dpod('h');
    const placements: NodePlacement[] = [
      { node: 'a', shouldRun: true, pods: [] },
      { node: 'b', shouldRun: true, pods: [failed] },
      { node: 'c', shouldRun: true, pods: [keep, extra] },
      { node: 'd', shouldRun: false, pods: [stray] },
      { node: 'e', shouldRun: true, pods: [dpod('h', { deleting: true })] },
    ];
    const plan = planDaemonPods(placements);
    expect(plan.createOn).toEqual(['a']);
    expect(plan.remove).toEqual([failed, extra, stray]);
  });
});

describe('planRollingUpdate', () => {
  it('replaces at most maxUnavailable available old pods, and unavailable old pods at once', () => {
    const placements: NodePlacement[] = ['a', 'b', 'c', 'd'].map((n) => ({ node: n, shouldRun: true, pods: [dpod('old')] }));
    expect(planRollingUpdate(ds(1), placements, 'new', NOW)).toHaveLength(1);
    expect(planRollingUpdate(ds('50%'), placements, 'new', NOW)).toHaveLength(2);
    placements[0]!.pods = [dpod('new', { ready: false })];
    expect(planRollingUpdate(ds(1), placements, 'new', NOW)).toHaveLength(0);
    placements[1]!.pods = [dpod('old', { ready: false })];
    expect(planRollingUpdate(ds(1), placements, 'new', NOW)).toEqual([placements[1]!.pods[0]]);
  });

  it('counts a node whose old pod is unavailable against maxUnavailable', () => {
    const broken = dpod('old', { ready: false });
    const placements: NodePlacement[] = [
      { node: 'a', shouldRun: true, pods: [dpod('old')] },
      { node: 'b', shouldRun: true, pods: [broken] },
    ];
    expect(planRollingUpdate(ds(1), placements, 'new', NOW)).toEqual([broken]);
  });

  it('reports the status fields kubectl rollout status reads', () => {
    const placements: NodePlacement[] = [
      { node: 'a', shouldRun: true, pods: [dpod('new')] },
      { node: 'b', shouldRun: true, pods: [dpod('old', { ready: false })] },
      { node: 'c', shouldRun: true, pods: [] },
      { node: 'd', shouldRun: false, pods: [dpod('old')] },
    ];
    expect(daemonSetStatus(ds(), placements, 'new', NOW)).toEqual({
      desiredNumberScheduled: 3, currentNumberScheduled: 2, numberMisscheduled: 1, numberReady: 1,
      updatedNumberScheduled: 1, numberAvailable: 1, numberUnavailable: 2, observedGeneration: 3,
    });
  });
});
