import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderRestore } from '../../../dataplane/proxy/core/restore-payload.js';
import { probability } from '../../../dataplane/proxy/core/iptables-plan.js';
import { ruleCount } from '../../../dataplane/proxy/core/plan.js';
import { goldenPlan } from './golden-plan.js';
import { planOf, slice, svc } from './fixtures.js';

const golden = (name: string) => readFileSync(fileURLToPath(new URL(`./golden/${name}`, import.meta.url)), 'utf8');

describe('iptables plan', () => {
  it('renders the representative cluster exactly as the golden payload (upstream layout and names)', () => {
    expect(renderRestore(goldenPlan()).payload).toBe(golden('full-sync.restore'));
  });

  it('spreads N endpoints uniformly with the 1/(N-i) probability cascade', () => {
    expect([5, 4, 3, 2].map(probability)).toEqual(['0.2000000000', '0.2500000000', '0.3333333333', '0.5000000000']);
    const eps = ['10.244.1.2', '10.244.1.3', '10.244.1.4'].map((ip) => ({ ip }));
    const plan = planOf([svc('web', { clusterIP: '10.96.0.100' })], [slice('web', eps)]);
    const svcChain = [...plan.tables.nat.keys()].find((c) => c.startsWith('KUBE-SVC-'))!;
    const stats = plan.tables.nat.get(svcChain)!.slice(1).map((r) => (r.includes('--probability') ? r[r.indexOf('--probability') + 1] : 'last'));
    expect(stats).toEqual(['0.3333333333', '0.5000000000', 'last']);
  });

  it('uses only ready endpoints, falls back to serving+terminating ones, and REJECTs when none serve', () => {
    const s = svc('web', { clusterIP: '10.96.0.100' });
    const dnats = (eps: Parameters<typeof slice>[1]) => {
      const plan = planOf([s], [slice('web', eps)]);
      return [...plan.tables.nat.values()].flat().filter((r) => r.includes('DNAT')).map((r) => r[r.length - 1]);
    };
    expect(dnats([{ ip: '10.244.1.2' }, { ip: '10.244.1.3', ready: false, serving: false }])).toEqual(['10.244.1.2:8080']);
    expect(dnats([{ ip: '10.244.1.2', ready: false, serving: true, terminating: true }, { ip: '10.244.1.3', ready: false, serving: false }])).toEqual(['10.244.1.2:8080']);
    const none = planOf([s], [slice('web', [{ ip: '10.244.1.3', ready: false, serving: false }])]);
    expect(none.tables.filter.get('KUBE-SERVICES')).toEqual([
      ['-m', 'comment', '--comment', 'default/web:http has no endpoints', '-m', 'tcp', '-p', 'tcp', '-d', '10.96.0.100', '--dport', '80', '-j', 'REJECT'],
    ]);
    expect([...none.tables.nat.keys()].filter((c) => /^KUBE-(SVC|SEP)-/.test(c))).toEqual([]);
  });

  it('sends internalTrafficPolicy Local traffic only to this node and DROPs it when there is none here', () => {
    const dns = svc('kube-dns', { ns: 'kube-system', clusterIP: '10.96.0.10', itp: 'Local', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] });
    const elsewhere = planOf([dns], [slice('kube-dns', [{ ip: '10.200.0.12', node: 'node-2' }], { ns: 'kube-system', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] })]);
    expect(elsewhere.tables.filter.get('KUBE-SERVICES')![0]).toContain('DROP');
    expect(elsewhere.tables.filter.get('KUBE-SERVICES')![0]).toContain('kube-system/kube-dns:dns has no local endpoints');
  });

  it('counts rules like upstream: 1 service × 1 endpoint is 10 nat rules beyond the fixed ones', () => {
    const base = ruleCount(planOf([], []), 'nat');
    const one = ruleCount(planOf([svc('web', { clusterIP: '10.96.0.100' })], [slice('web', [{ ip: '10.244.1.2' }])]), 'nat');
    // KUBE-SERVICES jump, SVC masq + jump, SEP masq + DNAT = 5 per service (upstream's 10 includes its 5 fixed jump rules)
    expect(one - base).toBe(5);
  });
});
