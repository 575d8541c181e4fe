/**
 * VolumeBinding, the part Tugboat needs (upstream plugins/volumebinding): a pod whose
 * `persistentVolumeClaim` volume is bound to a PersistentVolume with node affinity may only go to
 * a node matching it — that is where a local volume's data lives. Unbound claims (the
 * WaitForFirstConsumer default class) fit every node: the provisioner follows the pod.
 */
import type { FilterPlugin } from './filters.js';
import { matchesTerm } from './node-affinity.js';
import type { NodeSelectorTerm } from './types.js';

export const REASON_VOLUME_NODE_AFFINITY = 'node(s) had volume node affinity conflict';

export interface ClaimLookup {
  /** the volume bound to `namespace/claim`, when it is bound */
  boundVolume(namespace: string, claim: string): { spec?: { nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } } } } | undefined;
}

export function volumeBinding(lookup: ClaimLookup): FilterPlugin {
  return {
    name: 'VolumeBinding',
    filter(pod, { node }) {
      for (const v of (pod.spec?.volumes ?? []) as { persistentVolumeClaim?: { claimName?: string } }[]) {
        const claim = v.persistentVolumeClaim?.claimName;
        if (!claim) continue;
        const terms = lookup.boundVolume(pod.metadata.namespace ?? '', claim)?.spec?.nodeAffinity?.required?.nodeSelectorTerms;
        if (terms?.length && !terms.some((t) => matchesTerm(t, node))) return [REASON_VOLUME_NODE_AFFINITY];
      }
      return [];
    },
  };
}
