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

export const REASON_VOLUME_UNKNOWN = 'pod has a PersistentVolumeClaim bound to a PersistentVolume not known yet';

export interface ClaimLookup {
  /**
   * The volume bound to `namespace/claim` when it is bound; 'unknown' when the claim names a
   * volume this cache has not seen yet (the pod waits rather than land anywhere).
   */
  boundVolume(namespace: string, claim: string): { spec?: { nodeAffinity?: { required?: { nodeSelectorTerms?: NodeSelectorTerm[] } } } } | 'unknown' | undefined;
}

export function volumeBinding(lookup: ClaimLookup): FilterPlugin {
  return {
    name: 'VolumeBinding',
    filter(pod, { node }) {
      for (const v of (pod.spec?.volumes ?? []) as { persistentVolumeClaim?: { claimName?: string } }[]) {
        const claim = v.persistentVolumeClaim?.claimName;
        if (!claim) continue;
        const volume = lookup.boundVolume(pod.metadata.namespace ?? '', claim);
        if (volume === 'unknown') return [REASON_VOLUME_UNKNOWN];
        const terms = volume?.spec?.nodeAffinity?.required?.nodeSelectorTerms;
        if (terms?.length && !terms.some((t) => matchesTerm(t, node))) return [REASON_VOLUME_NODE_AFFINITY];
      }
      return [];
    },
  };
}
