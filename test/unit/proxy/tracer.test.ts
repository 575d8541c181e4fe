import { describe, expect, it } from 'vitest';
import { trace, traceAll, explainTrace, type AffinityState } from '../../../dataplane/proxy/core/tracer.js';
import { goldenPlan } from './golden-plan.js';
import { NODE_IP } from './fixtures.js';

const plan = goldenPlan();
const POD = '10.244.1.50';
const HOST = '10.200.0.1';

const summary = (o: ReturnType<typeof traceAll>[number]) => ({ verdict: o.verdict, to: `${o.destination.ip}:${o.destination.port}`, masq: o.masquerade, p: Number(o.probability.toFixed(3)) });

describe('packet tracer over the plan', () => {
  it('ClusterIP from a pod: DNAT to each endpoint with equal probability, source kept', () => {
    expect(traceAll(plan, { src: POD, dst: '10.96.0.100', dport: 80 }).map(summary)).toEqual([
      { verdict: 'DNAT', to: '10.244.1.10:8080', masq: false, p: 0.5 },
      { verdict: 'DNAT', to: '10.244.2.10:8080', masq: false, p: 0.5 },
    ]);
  });

  it('ClusterIP from the node itself and from the host: masqueraded (replies must come back here)', () => {
    for (const o of traceAll(plan, { src: NODE_IP, dst: '10.96.0.100', dport: 80, origin: 'local' })) expect(o).toMatchObject({ verdict: 'DNAT', masquerade: true });
    for (const o of traceAll(plan, { src: HOST, dst: '10.96.0.100', dport: 80 })) expect(o).toMatchObject({ verdict: 'DNAT', masquerade: true });
  });

  it('hairpin: a pod reaching itself through its Service is masqueraded, others are not', () => {
    const outs = traceAll(plan, { src: '10.244.1.10', dst: '10.96.0.100', dport: 80 }).map(summary);
    expect(outs).toContainEqual({ verdict: 'DNAT', to: '10.244.1.10:8080', masq: true, p: 0.5 });
    expect(outs).toContainEqual({ verdict: 'DNAT', to: '10.244.2.10:8080', masq: false, p: 0.5 });
  });

  it('NodePort and externalIP from the host: through KUBE-EXT, masqueraded', () => {
    const np = traceAll(plan, { src: HOST, dst: NODE_IP, dport: 30080 });
    expect(np.map(summary)).toEqual([
      { verdict: 'DNAT', to: '10.244.1.11:8080', masq: true, p: 0.5 },
      { verdict: 'DNAT', to: '10.244.2.11:8080', masq: true, p: 0.5 },
    ]);
    expect(np[0]!.steps.map((s) => `${s.table}/${s.chain}`)).toEqual([
      'nat/PREROUTING', 'nat/KUBE-SERVICES', 'nat/KUBE-NODEPORTS', 'nat/KUBE-EXT-QUMPV5Z3SF2IMFUJ', 'nat/KUBE-MARK-MASQ',
      'nat/KUBE-EXT-QUMPV5Z3SF2IMFUJ', 'nat/KUBE-SVC-QUMPV5Z3SF2IMFUJ', 'nat/KUBE-SEP-ZFVIH2KTVS4U5D4U',
      'filter/FORWARD', 'filter/KUBE-FORWARD', 'nat/POSTROUTING', 'nat/KUBE-POSTROUTING', 'nat/KUBE-POSTROUTING',
    ]);
    expect(traceAll(plan, { src: HOST, dst: '10.200.0.100', dport: 80 }).every((o) => o.verdict === 'DNAT' && o.masquerade)).toBe(true);
    // a port nobody uses is not touched
    expect(traceAll(plan, { src: HOST, dst: NODE_IP, dport: 30999 }).map(summary)).toEqual([{ verdict: 'ACCEPT', to: `${NODE_IP}:30999`, masq: false, p: 1 }]);
  });

  it('no endpoints: REJECT for the ClusterIP (FORWARD) and the node port (INPUT)', () => {
    expect(traceAll(plan, { src: POD, dst: '10.96.0.103', dport: 80 }).map((o) => o.verdict)).toEqual(['REJECT']);
    expect(traceAll(plan, { src: NODE_IP, dst: '10.96.0.103', dport: 80, origin: 'local' }).map((o) => o.verdict)).toEqual(['REJECT']);
    expect(traceAll(plan, { src: HOST, dst: NODE_IP, dport: 30082 }).map((o) => o.verdict)).toEqual(['REJECT']);
  });

  it('ClientIP affinity: after the first connection, the same client always gets the same endpoint', () => {
    const affinity: AffinityState = new Map();
    const now = 1_000_000;
    const first = trace(plan, { src: POD, dst: '10.96.0.101', dport: 80 }, { affinity, now, random: () => 0.9 });
    for (let i = 0; i < 10; i++) {
      const again = trace(plan, { src: POD, dst: '10.96.0.101', dport: 80 }, { affinity, now: now + 1000, random: () => i / 10 });
      expect(again.destination).toEqual(first.destination);
    }
    // another client is balanced independently; after the 600 s timeout the first one is too
    expect(traceAll(plan, { src: '10.244.1.51', dst: '10.96.0.101', dport: 80 }, { affinity, now })).toHaveLength(2);
    expect(traceAll(plan, { src: POD, dst: '10.96.0.101', dport: 80 }, { affinity, now: now + 602_000 })).toHaveLength(2);
  });

  it('externalTrafficPolicy Local: outside traffic keeps its source and stays on this node; pods and the node use every endpoint', () => {
    expect(traceAll(plan, { src: HOST, dst: NODE_IP, dport: 30081 }).map(summary)).toEqual([{ verdict: 'DNAT', to: '10.244.1.12:8080', masq: false, p: 1 }]);
    expect(traceAll(plan, { src: POD, dst: NODE_IP, dport: 30081 })).toHaveLength(2);
    const fromNode = traceAll(plan, { src: NODE_IP, dst: NODE_IP, dport: 30081, origin: 'local' });
    expect(fromNode).toHaveLength(2);
    expect(fromNode.every((o) => o.masquerade)).toBe(true);
  });

  it('internalTrafficPolicy Local (node-local DNS): 10.96.0.10 goes to this node\'s DNS only', () => {
    expect(traceAll(plan, { src: POD, dst: '10.96.0.10', dport: 53, proto: 'udp' }).map(summary)).toEqual([{ verdict: 'DNAT', to: '10.200.0.11:53', masq: false, p: 1 }]);
    expect(traceAll(plan, { src: POD, dst: '10.96.0.10', dport: 53, proto: 'tcp' }).map((o) => o.verdict)).toEqual(['ACCEPT']);
  });

  it('explains a path in words', () => {
    const text = explainTrace(plan, { src: POD, dst: '10.96.0.103', dport: 80 }, traceAll(plan, { src: POD, dst: '10.96.0.103', dport: 80 }));
    expect(text).toContain('REJECTED');
    expect(text).toContain('default/empty:http has no endpoints');
  });
});
