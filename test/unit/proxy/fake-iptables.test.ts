import { describe, expect, it } from 'vitest';
import { FakeIptables } from '../../fakes/iptables.js';

// The behaviours below were checked against iptables-restore 1.8.9 (nf_tables) in a scratch netns.
describe('FakeIptables behaves like iptables-restore --noflush', () => {
  it('creates declared chains, appends rules and leaves undeclared chains alone', async () => {
    const ipt = new FakeIptables();
    ipt.seedChain('nat', 'OTHER-TOOL', [['-j', 'RETURN']]);
    await ipt.restore('*nat\n:KUBE-A - [0:0]\n:KUBE-B - [0:0]\n-A KUBE-A -j KUBE-B\n-A KUBE-B -m comment --comment "two words" -j RETURN\nCOMMIT\n', { noflush: true });
    expect(ipt.rules('nat', 'KUBE-B')).toEqual([['-m', 'comment', '--comment', 'two words', '-j', 'RETURN']]);
    expect(ipt.rules('nat', 'OTHER-TOOL')).toEqual([['-j', 'RETURN']]);
  });

  it('flushes a re-declared chain', async () => {
    const ipt = new FakeIptables();
    await ipt.restore('*nat\n:KUBE-A - [0:0]\n-A KUBE-A -j RETURN\n-A KUBE-A -j RETURN\nCOMMIT\n', { noflush: true });
    await ipt.restore('*nat\n:KUBE-A - [0:0]\n-A KUBE-A -j ACCEPT\nCOMMIT\n', { noflush: true });
    expect(ipt.rules('nat', 'KUBE-A')).toEqual([['-j', 'ACCEPT']]);
  });

  it('refuses -X of a chain that still has rules (undeclared) or is still referenced, atomically', async () => {
    const ipt = new FakeIptables();
    await ipt.restore('*nat\n:KUBE-A - [0:0]\n:KUBE-B - [0:0]\n-A KUBE-A -j KUBE-B\n-A KUBE-B -j RETURN\nCOMMIT\n', { noflush: true });
    await expect(ipt.restore('*nat\n:KUBE-C - [0:0]\n-X KUBE-B\nCOMMIT\n', { noflush: true })).rejects.toThrow(/CHAIN_DEL failed \(Device or resource busy\): chain KUBE-B/);
    await expect(ipt.restore('*nat\n:KUBE-B - [0:0]\n-X KUBE-B\nCOMMIT\n', { noflush: true })).rejects.toThrow(/busy/);
    expect(ipt.chains('nat')).not.toContain('KUBE-C'); // nothing of a failed payload is applied
    // declared (flushed) and no longer referenced: deleted
    await ipt.restore('*nat\n:KUBE-A - [0:0]\n:KUBE-B - [0:0]\n-X KUBE-B\nCOMMIT\n', { noflush: true });
    expect(ipt.chains('nat')).not.toContain('KUBE-B');
  });

  it('rejects appends to missing chains, jumps to missing chains and -X of missing chains', async () => {
    const ipt = new FakeIptables();
    await expect(ipt.restore('*nat\n-A KUBE-Q -j RETURN\nCOMMIT\n', { noflush: true })).rejects.toThrow(/No chain/);
    await expect(ipt.restore('*nat\n:KUBE-A - [0:0]\n-A KUBE-A -j KUBE-NOPE\nCOMMIT\n', { noflush: true })).rejects.toThrow(/KUBE-NOPE/);
    await expect(ipt.restore('*nat\n-X KUBE-ZZ\nCOMMIT\n', { noflush: true })).rejects.toThrow(/No chain/);
    await expect(ipt.restore('*nat\n:KUBE-A - [0:0]\n-A KUBE-A -m bogus -j RETURN\nCOMMIT\n', { noflush: true })).rejects.toThrow(/unknown match/);
  });

  it('without --noflush replaces the whole table', async () => {
    const ipt = new FakeIptables();
    ipt.seedChain('nat', 'OTHER-TOOL', [['-j', 'RETURN']]);
    await ipt.restore('*nat\n:KUBE-A - [0:0]\nCOMMIT\n', { noflush: false });
    expect(ipt.chains('nat')).toEqual(['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING', 'KUBE-A']);
  });

  it('ensureRule adds once; deleteRule removes', async () => {
    const ipt = new FakeIptables();
    await ipt.restore('*nat\n:KUBE-SERVICES - [0:0]\nCOMMIT\n', { noflush: true });
    expect(await ipt.ensureRule('nat', 'PREROUTING', ['-j', 'KUBE-SERVICES'], 'prepend')).toBe(true);
    expect(await ipt.ensureRule('nat', 'PREROUTING', ['-j', 'KUBE-SERVICES'], 'prepend')).toBe(false);
    expect(ipt.rules('nat', 'PREROUTING')).toHaveLength(1);
    await ipt.deleteRule('nat', 'PREROUTING', ['-j', 'KUBE-SERVICES']);
    expect(ipt.rules('nat', 'PREROUTING')).toHaveLength(0);
  });
});

describe('chunked restores (large syncs)', () => {
  it('split between service ports, leaves first and entry chains last; applied in order they build the same tables', async () => {
    const { renderRestore } = await import('../../../dataplane/proxy/core/restore-payload.js');
    const { goldenPlan } = await import('./golden-plan.js');
    const plan = goldenPlan();
    const chunked = renderRestore(plan, { chunkChains: 4 });
    const whole = renderRestore(plan);
    expect(whole.payloads).toHaveLength(1);
    expect(chunked.payloads.length).toBeGreaterThan(2);
    expect(chunked.payloads[0]).toContain(':KUBE-MARK-MASQ');
    for (const p of chunked.payloads.slice(0, -1)) expect(p).not.toContain(':KUBE-SERVICES');
    const a = new FakeIptables();
    const b = new FakeIptables();
    for (const p of chunked.payloads) await a.restore(p, { noflush: true }); // each chunk must stand on its own
    await b.restore(whole.payload, { noflush: true });
    for (const t of ['nat', 'filter'] as const) {
      expect(a.chains(t).sort()).toEqual(b.chains(t).sort());
      for (const c of b.chains(t)) expect(a.rules(t, c)).toEqual(b.rules(t, c));
    }
  });
});
