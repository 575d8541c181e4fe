/**
 * The StatefulSet printer, as kube-apiserver's printStatefulSet: NAME READY AGE, and CONTAINERS
 * IMAGES with -o wide. READY is `status.readyReplicas/spec.replicas`.
 */
import type { KubeObject } from '../../api/object.js';
import { containerCells, type ContainerLike, since } from './format.js';
import { ageColumn, col, containersColumn, imagesColumn, nameColumn, type Printer } from './types.js';

interface StatefulSetShape {
  spec?: { replicas?: number; template?: { spec?: { containers?: ContainerLike[] } } };
  status?: { readyReplicas?: number };
}

export const statefulSetPrinter: Printer = {
  columns: [nameColumn(), col('Ready', 'Number of the pod with ready state'), ageColumn(), containersColumn(), imagesColumn()],
  row(obj, { now }) {
    const sts = obj as KubeObject & StatefulSetShape;
    const [names, images] = containerCells(sts.spec?.template?.spec?.containers);
    return {
      cells: [
        sts.metadata.name ?? '', `${sts.status?.readyReplicas ?? 0}/${sts.spec?.replicas ?? 0}`,
        since(sts.metadata.creationTimestamp, now), names, images,
      ],
    };
  },
};
