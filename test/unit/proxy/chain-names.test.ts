import { describe, expect, it } from 'vitest';
import { extChain, sepChain, svcChain, svlChain } from '../../../dataplane/proxy/core/chain-names.js';

describe('chain names', () => {
  it('match the names upstream kube-proxy gives the same service ports', () => {
    // as seen on every kubeadm cluster (iptables-save of a stock node)
    expect(svcChain('default/kubernetes:https', 'TCP')).toBe('KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(svcChain('kube-system/kube-dns:dns', 'UDP')).toBe('KUBE-SVC-TCOU7JCQXEZGVUNU');
    expect(svcChain('kube-system/kube-dns:dns-tcp', 'TCP')).toBe('KUBE-SVC-ERIFXISQEP7F7OF4');
    expect(svcChain('kube-system/kube-dns:metrics', 'TCP')).toBe('KUBE-SVC-JD5MR3NA4I4DYORP');
  });

  it('give each chain kind and endpoint its own name within iptables limits', () => {
    const names = [svcChain('a/b:p', 'TCP'), svlChain('a/b:p', 'TCP'), extChain('a/b:p', 'TCP'), sepChain('a/b:p', 'TCP', '10.0.0.1:80'), sepChain('a/b:p', 'TCP', '10.0.0.2:80'), svcChain('a/b:p', 'UDP')];
    expect(new Set(names).size).toBe(names.length);
    // SVC, SVL and EXT of one port share the hash, as upstream: only the prefix differs
    expect(new Set(names.slice(0, 3).map((n) => n.slice(9))).size).toBe(1);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(28);
  });
});
