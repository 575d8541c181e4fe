/**
 * Printers for the apps/batch workload controllers (deployments, replicasets, daemonsets, jobs, cronjobs),
 * ported from kube-apiserver's printers: same columns, same cell types (integers stay numbers).
 */
import type { KubeObject } from '../../api/object.js';
import {
  containerCells, type ContainerLike, findCondition, formatLabels, formatLabelSelector, humanDuration,
  type LabelSelector, labelSelectorString, parseTime, since,
} from './format.js';
import { ageColumn, col, containersColumn, imagesColumn, nameColumn, type Printer } from './types.js';

interface TemplateSpec {
  containers?: ContainerLike[];
  nodeSelector?: Record<string, string>;
}

interface WorkloadShape {
  spec?: {
    replicas?: number;
    selector?: LabelSelector;
    template?: { spec?: TemplateSpec };
    completions?: number;
    parallelism?: number;
  };
  status?: Record<string, unknown> & { conditions?: { type: string; status: string }[] };
}

function workload(obj: KubeObject): KubeObject & WorkloadShape {
  return obj as KubeObject & WorkloadShape;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

const selectorColumn = (what: string) =>
  col('Selector', `Label query over pods that should match the ${what}.`, { priority: 1 });

export const deploymentPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Ready', 'Number of the pod with ready state'),
    col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
    col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
    ageColumn(), containersColumn(), imagesColumn(), selectorColumn('replica count'),
  ],
  row(obj, { now }) {
    const d = workload(obj);
    const status = d.status ?? {};
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    const selector = labelSelectorString(d.spec?.selector) ?? '<invalid>';
    return {
      cells: [
        d.metadata.name ?? '', `${num(status.readyReplicas)}/${num(d.spec?.replicas)}`,
        num(status.updatedReplicas), num(status.availableReplicas), since(d.metadata.creationTimestamp, now),
        names, images, selector,
      ],
    };
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
    col('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    col('Ready', 'The number of ready replicas for this replica set.', { type: 'integer' }),
    ageColumn(), containersColumn(), imagesColumn(), selectorColumn('replica count'),
  ],
  row(obj, { now }) {
    const rs = workload(obj);
    const status = rs.status ?? {};
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return {
      cells: [
        rs.metadata.name ?? '', num(rs.spec?.replicas), num(status.replicas), num(status.readyReplicas),
        since(rs.metadata.creationTimestamp, now), names, images, formatLabelSelector(rs.spec?.selector),
      ],
    };
  },
};

export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Desired', 'The total number of nodes that should be running the daemon pod.', { type: 'integer' }),
    col('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', { type: 'integer' }),
    col('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', { type: 'integer' }),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod', { type: 'integer' }),
    col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available.', { type: 'integer' }),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.'),
    ageColumn(), containersColumn(), imagesColumn(), selectorColumn('daemon set'),
  ],
  row(obj, { now }) {
    const ds = workload(obj);
    const s = ds.status ?? {};
    const template = ds.spec?.template?.spec;
    const [names, images] = containerCells(template?.containers);
    return {
      cells: [
        ds.metadata.name ?? '', num(s.desiredNumberScheduled), num(s.currentNumberScheduled), num(s.numberReady),
        num(s.updatedNumberScheduled), num(s.numberAvailable), formatLabels(template?.nodeSelector),
        since(ds.metadata.creationTimestamp, now), names, images, formatLabelSelector(ds.spec?.selector),
      ],
    };
  },
};

function jobStatus(job: KubeObject & WorkloadShape): string {
  const has = (type: string) => findCondition(job.status?.conditions, type)?.status === 'True';
  if (has('Complete')) return 'Complete';
  if (has('Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (has('Suspended')) return 'Suspended';
  if (has('FailureTarget')) return 'FailureTarget';
  return 'Running';
}

export const jobPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Status', 'Status of the job.'),
    col('Completions', 'The number of pods which reached phase Succeeded.'),
    col('Duration', 'Time required to complete the job.'),
    ageColumn(), containersColumn(), imagesColumn(), selectorColumn('job'),
  ],
  row(obj, { now }) {
    const job = workload(obj);
    const succeeded = num(job.status?.succeeded);
    let completions: string;
    if (job.spec?.completions !== undefined && job.spec.completions !== null) {
      completions = `${succeeded}/${job.spec.completions}`;
    } else {
      const parallelism = job.spec?.parallelism ?? 0;
      completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    const start = parseTime(job.status?.startTime as string | undefined);
    const end = parseTime(job.status?.completionTime as string | undefined);
    let duration = '';
    if (start !== undefined) duration = humanDuration((end ?? now.getTime()) - start);
    const [names, images] = containerCells(job.spec?.template?.spec?.containers);
    return {
      cells: [
        job.metadata.name ?? '', jobStatus(job), completions, duration, since(job.metadata.creationTimestamp, now),
        names, images, formatLabelSelector(job.spec?.selector),
      ],
    };
  },
};

interface CronJobShape {
  spec?: {
    schedule?: string;
    timeZone?: string | null;
    suspend?: boolean | null;
    jobTemplate?: { spec?: { selector?: LabelSelector; template?: { spec?: TemplateSpec } } };
  };
  status?: { active?: unknown[]; lastScheduleTime?: string };
}

/** printBoolPtr: a missing pointer prints `<unset>`. */
function boolPtr(value: boolean | null | undefined): string {
  if (value === undefined || value === null) return '<unset>';
  return value ? 'True' : 'False';
}

export const cronJobPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.'),
    col('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.', { type: 'boolean' }),
    col('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
    col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    ageColumn(), containersColumn(), imagesColumn(),
    col('Selector', 'A label query over pods that should match the pod count. Normally, the system sets this field for you.', { priority: 1 }),
  ],
  row(obj, { now }) {
    const cj = obj as KubeObject & CronJobShape;
    const lastSchedule = cj.status?.lastScheduleTime ? since(cj.status.lastScheduleTime, now) : '<none>';
    const jobSpec = cj.spec?.jobTemplate?.spec;
    const [names, images] = containerCells(jobSpec?.template?.spec?.containers);
    return {
      cells: [
        cj.metadata.name ?? '', cj.spec?.schedule ?? '', cj.spec?.timeZone ?? '<none>', boolPtr(cj.spec?.suspend),
        Array.isArray(cj.status?.active) ? cj.status.active.length : 0, lastSchedule, since(cj.metadata.creationTimestamp, now),
        names, images, formatLabelSelector(jobSpec?.selector),
      ],
    };
  },
};
