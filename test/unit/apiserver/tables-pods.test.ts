import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import { toTable } from '../../../control/apiserver/tables/index.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
const pods = findResource('', 'v1', 'pods')!;

function pod(status: Record<string, unknown>, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', uid: 'u1', creationTimestamp: ago(600), ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
    status,
  };
}

/** The printed row as kubectl shows it: NAME READY STATUS RESTARTS AGE IP NODE NOMINATED READINESS-GATES. */
function row(p: KubeObject): unknown[] {
  return toTable(pods, [p], { now: NOW, resourceVersion: '1' }).rows[0]!.cells;
}
const status = (p: KubeObject) => row(p)[2];

const running = { running: { startedAt: ago(500) } };

describe('pod table', () => {
  it('has the upstream columns, wide ones at priority 1', () => {
    const table = toTable(pods, [], { now: NOW, resourceVersion: '7' });
    expect(table.columnDefinitions.map((c) => [c.name, c.type, c.format, c.priority])).toEqual([
      ['Name', 'string', 'name', 0], ['Ready', 'string', '', 0], ['Status', 'string', '', 0], ['Restarts', 'string', '', 0],
      ['Age', 'string', '', 0], ['IP', 'string', '', 1], ['Node', 'string', '', 1], ['Nominated Node', 'string', '', 1],
      ['Readiness Gates', 'string', '', 1],
    ]);
    expect(table.rows).toEqual([]);
  });

  it('prints a running, ready pod with IP and node', () => {
    const p = pod(
      { phase: 'Running', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] },
      { nodeName: 'node-1' },
    );
    expect(row(p)).toEqual(['web-1', '1/1', 'Running', '0', '10m', '10.244.1.5', 'node-1', '<none>', '<none>']);
  });

  it('prints a pending, unscheduled pod', () => {
    expect(row(pod({ phase: 'Pending' }))).toEqual(['web-1', '0/1', 'Pending', '0', '10m', '<none>', '<none>', '<none>', '<none>']);
  });

  it('shows the waiting reason of a container being created', () => {
    const p = pod({ phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
    expect(status(p)).toBe('ContainerCreating');
  });

  it('shows CrashLoopBackOff with restarts and the time of the last restart', () => {
    const p = pod({
      phase: 'Running',
      containerStatuses: [{
        name: 'app', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(300) } },
      }],
    });
    expect(row(p).slice(1, 4)).toEqual(['0/1', 'CrashLoopBackOff', '5 (5m ago)']);
  });

  it('sums restarts over containers and uses the latest finishedAt', () => {
    const p = pod({
      phase: 'Running',
      containerStatuses: [
        { name: 'a', ready: true, restartCount: 2, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(3600) } } },
        { name: 'b', ready: true, restartCount: 1, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(62) } } },
      ],
    }, { containers: [{ name: 'a' }, { name: 'b' }] });
    expect(row(p).slice(1, 4)).toEqual(['2/2', 'Running', '3 (62s ago)']);
  });

  it('prints Completed for a succeeded pod and marks the row completed', () => {
    const p = pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] });
    const table = toTable(pods, [p], { now: NOW, resourceVersion: '1' });
    expect(table.rows[0]!.cells.slice(1, 3)).toEqual(['0/1', 'Completed']);
    expect(table.rows[0]!.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });

  it('prints Error, ExitCode and Signal for terminated containers', () => {
    const term = (terminated: Record<string, unknown>) =>
      status(pod({ phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated } }] }));
    expect(term({ exitCode: 1, reason: 'Error' })).toBe('Error');
    expect(term({ exitCode: 137 })).toBe('ExitCode:137');
    expect(term({ exitCode: 0, signal: 9 })).toBe('Signal:9');
    expect(term({ exitCode: 137, reason: 'OOMKilled' })).toBe('OOMKilled');
  });

  it('lets the first container reason win', () => {
    const p = pod({
      phase: 'Pending',
      containerStatuses: [
        { name: 'a', state: { waiting: { reason: 'ImagePullBackOff' } } },
        { name: 'b', state: { waiting: { reason: 'ContainerCreating' } } },
      ],
    }, { containers: [{ name: 'a' }, { name: 'b' }] });
    expect(status(p)).toBe('ImagePullBackOff');
  });

  it('shows init-container progress and failures', () => {
    const spec = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
    const base = { phase: 'Pending', containerStatuses: [{ name: 'app', state: { waiting: { reason: 'PodInitializing' } } }] };
    expect(status(pod({ ...base, initContainerStatuses: [
      { name: 'i1', state: { running: {} } }, { name: 'i2', state: { waiting: { reason: 'PodInitializing' } } },
    ] }, spec))).toBe('Init:0/2');
    expect(status(pod({ ...base, initContainerStatuses: [
      { name: 'i1', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'i2', state: { running: {} } },
    ] }, spec))).toBe('Init:1/2');
    expect(status(pod({ ...base, initContainerStatuses: [
      { name: 'i1', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }, { name: 'i2', state: { waiting: {} } },
    ] }, spec))).toBe('Init:CrashLoopBackOff');
    expect(status(pod({ ...base, initContainerStatuses: [
      { name: 'i1', state: { terminated: { exitCode: 2 } } }, { name: 'i2', state: { waiting: {} } },
    ] }, spec))).toBe('Init:ExitCode:2');
    // Restarts of plain init containers count while initializing.
    expect(row(pod({ ...base, initContainerStatuses: [
      { name: 'i1', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } }, { name: 'i2', state: { waiting: {} } },
    ] }, spec))[3]).toBe('3');
  });

  it('counts a started sidecar (restartable init container) as a ready container', () => {
    const p = pod({
      phase: 'Running',
      conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
      initContainerStatuses: [{ name: 'proxy', started: true, ready: true, restartCount: 1, state: running }],
      containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
    }, { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] });
    expect(row(p).slice(1, 4)).toEqual(['2/2', 'Running', '1']);
  });

  it('prints Terminating for a deleted running pod, but not for a finished one', () => {
    const live = pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: true, state: running }] }, {}, { deletionTimestamp: ago(5) });
    expect(status(live)).toBe('Terminating');
    const done = pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }, {}, { deletionTimestamp: ago(5) });
    expect(status(done)).toBe('Completed');
    const lost = pod({ phase: 'Running', reason: 'NodeLost' }, {}, { deletionTimestamp: ago(5) });
    expect(status(lost)).toBe('Unknown');
  });

  it('prints NotReady when a completed container sits beside a running one in a not-ready pod', () => {
    const p = pod({
      phase: 'Running',
      containerStatuses: [
        { name: 'a', state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        { name: 'b', ready: true, state: running },
      ],
    }, { containers: [{ name: 'a' }, { name: 'b' }] });
    expect(status(p)).toBe('NotReady');
  });

  it('prints SchedulingGated and the pod status reason (Evicted)', () => {
    expect(status(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }))).toBe('SchedulingGated');
    expect(status(pod({ phase: 'Failed', reason: 'Evicted' }))).toBe('Evicted');
  });

  it('fills nominated node and readiness gates', () => {
    const p = pod(
      { phase: 'Pending', nominatedNodeName: 'node-2', conditions: [{ type: 'example.com/lb', status: 'True' }] },
      { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
    );
    expect(row(p).slice(7)).toEqual(['node-2', '1/2']);
  });
});
