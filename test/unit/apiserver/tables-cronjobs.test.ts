/** `kubectl get cronjobs` columns: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE (+ CONTAINERS IMAGES SELECTOR wide). */
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../control/api/object.js';
import { findResource } from '../../../control/api/resources.js';
import { toTable } from '../../../control/apiserver/tables/index.js';

const NOW = new Date('2026-11-26T12:00:00Z');
const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
const CRONJOBS = findResource('batch', 'v1', 'cronjobs')!;

function row(spec: Record<string, unknown>, status: Record<string, unknown> = {}): Record<string, unknown> {
  const cj: KubeObject = { metadata: { name: 'hello', namespace: 'default', creationTimestamp: ago(600) }, spec, status };
  const table = toTable(CRONJOBS, [cj], { now: NOW, resourceVersion: '1' });
  return Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, table.rows[0]!.cells[i]]));
}

const jobTemplate = { spec: { template: { spec: { containers: [{ name: 'hello', image: 'busybox' }, { name: 'side', image: 'nginx:1.27' }] } } } };

describe('cronjob printer', () => {
  it('columns and types as kube-apiserver sends them', () => {
    const t = toTable(CRONJOBS, [], { now: NOW, resourceVersion: '1' });
    expect(t.columnDefinitions.map((c) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0], ['Schedule', 'string', 0], ['Timezone', 'string', 0], ['Suspend', 'boolean', 0], ['Active', 'integer', 0],
      ['Last Schedule', 'string', 0], ['Age', 'string', 0], ['Containers', 'string', 1], ['Images', 'string', 1], ['Selector', 'string', 1],
    ]);
  });

  it('a CronJob that never ran', () => {
    expect(row({ schedule: '*/1 * * * *', suspend: false, jobTemplate })).toEqual({
      Name: 'hello', Schedule: '*/1 * * * *', Timezone: '<none>', Suspend: 'False', Active: 0, 'Last Schedule': '<none>', Age: '10m',
      Containers: 'hello,side', Images: 'busybox,nginx:1.27', Selector: '<none>',
    });
  });

  it('active jobs, last schedule, time zone, suspended', () => {
    expect(row({ schedule: '@hourly', timeZone: 'Europe/Berlin', suspend: true, jobTemplate },
      { active: [{ kind: 'Job', name: 'hello-1' }, { kind: 'Job', name: 'hello-2' }], lastScheduleTime: ago(42) }))
      .toMatchObject({ Schedule: '@hourly', Timezone: 'Europe/Berlin', Suspend: 'True', Active: 2, 'Last Schedule': '42s' });
    expect(row({ schedule: '@hourly' })).toMatchObject({ Suspend: '<unset>', Containers: '', Images: '' });
  });
});
