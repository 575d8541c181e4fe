/**
 * Packet tracer: walks a RulePlan the way netfilter walks the rules for the first packet of a
 * connection, and says which chains it crossed, where it was DNATed (or redirected, rejected,
 * dropped) and whether it leaves masqueraded.
 *
 * Hooks: a packet from elsewhere (a pod, the host, another node) meets nat PREROUTING, then filter
 * INPUT (if now addressed to this node) or FORWARD, then nat POSTROUTING if forwarded; a packet
 * the node itself sends meets nat OUTPUT, filter OUTPUT, nat POSTROUTING. `statistic` rules fork
 * the walk: traceAll returns every outcome with its probability; trace picks one (and, like the
 * kernel's `recent` lists, remembers ClientIP affinity in the state you pass).
 */
import { BUILTIN_CHAINS, type Rule, type RulePlan, type TableName } from './plan.js';
import { formatRule } from './rule-syntax.js';
import { inCidr, parseRule, type ParsedRule } from './rule-match.js';

export interface TracePacket {
  src: string;
  dst: string;
  dport: number;
  proto?: 'tcp' | 'udp' | 'sctp';
  /** 'local' = sent by a process of the node itself (OUTPUT path); default 'remote'. */
  origin?: 'local' | 'remote';
}

export interface TraceStep {
  table: TableName;
  chain: string;
  rule: string;
}

export type Verdict = 'DNAT' | 'REDIRECT' | 'REJECT' | 'DROP' | 'ACCEPT';

export interface TraceOutcome {
  verdict: Verdict;
  /** Where the packet goes after NAT (for REDIRECT: this node, the proxy port). */
  destination: { ip: string; port: number };
  masquerade: boolean;
  probability: number;
  steps: TraceStep[];
  /** `recent --set` lists the packet was added to (ClientIP affinity). */
  recentSet: string[];
}

/** list name → source IP → time it was last set (ms). */
export type AffinityState = Map<string, Map<string, number>>;

export interface TraceOptions {
  affinity?: AffinityState;
  now?: number;
  /** For trace(): picks the outcome; default Math.random. */
  random?: () => number;
}

interface WalkState {
  dst: string;
  dport: number;
  mark: number;
  masquerade: boolean;
  prob: number;
  steps: TraceStep[];
  recentSet: string[];
  done?: Verdict;
}

class Walker {
  private readonly parsed = new Map<Rule, ParsedRule>();

  constructor(private readonly plan: RulePlan, private readonly pkt: Required<TracePacket>, private readonly opts: TraceOptions) {}

  isLocal(ip: string): boolean {
    return inCidr(ip, '127.0.0.0/8') || this.plan.localAddresses.includes(ip);
  }

  rules(table: TableName, chain: string): readonly Rule[] {
    if (BUILTIN_CHAINS[table].includes(chain)) return this.plan.jumps.filter((j) => j.table === table && j.chain === chain).map((j) => j.rule);
    return this.plan.tables[table].get(chain) ?? [];
  }

  /** Probability that `rule` matches state `s` (0, 1, or a statistic's p). */
  private matches(r: ParsedRule, s: WalkState): number {
    const p = this.pkt;
    if (r.proto && r.proto !== p.proto) return 0;
    if (r.src && inCidr(p.src, r.src.cidr) === r.src.neg) return 0;
    if (r.dst && inCidr(s.dst, r.dst.cidr) === r.dst.neg) return 0;
    if (r.dport !== undefined && r.dport !== s.dport) return 0;
    if (r.srcType && (r.srcType.type === 'LOCAL' && this.isLocal(p.src)) === r.srcType.neg) return 0;
    if (r.dstType && (r.dstType.type === 'LOCAL' && this.isLocal(s.dst)) === r.dstType.neg) return 0;
    if (r.mark && (((s.mark & r.mark.mask) >>> 0) === r.mark.value) === r.mark.neg) return 0;
    if (r.ctstate && !r.ctstate.includes('NEW')) return 0;
    if (r.inIface || r.outIface) return 0; // our plans never match on interfaces
    if (r.recent?.mode === 'rcheck') {
      const seen = this.opts.affinity?.get(r.recent.name)?.get(p.src);
      const now = this.opts.now ?? Date.now();
      if (seen === undefined || (r.recent.seconds !== undefined && now - seen > r.recent.seconds * 1000)) return 0;
    }
    return r.probability ?? 1;
  }

  walk(table: TableName, chain: string, start: WalkState): WalkState[] {
    const builtin = BUILTIN_CHAINS[table].includes(chain);
    const out: WalkState[] = [];
    let frontier = [start];
    for (const rule of this.rules(table, chain)) {
      if (!frontier.length) break;
      let r = this.parsed.get(rule);
      if (!r) this.parsed.set(rule, r = parseRule(rule));
      const next: WalkState[] = [];
      for (const s of frontier) {
        const m = this.matches(r, s);
        if (m === 0) {
          next.push(s);
          continue;
        }
        if (m < 1) next.push({ ...s, prob: s.prob * (1 - m), steps: [...s.steps], recentSet: [...s.recentSet] });
        const t: WalkState = { ...s, prob: s.prob * Math.min(m, 1), steps: [...s.steps, { table, chain, rule: formatRule(chain, rule) }], recentSet: [...s.recentSet] };
        if (r.recent?.mode === 'set') t.recentSet.push(r.recent.name);
        this.apply(table, r, t, next, out);
      }
      frontier = next;
    }
    for (const s of frontier) out.push(builtin ? { ...s, done: 'ACCEPT' } : s);
    return out;
  }

  /** Applies a matched rule's target; continuing states go to `next`, finished ones to `out`. */
  private apply(table: TableName, r: ParsedRule, t: WalkState, next: WalkState[], out: WalkState[]): void {
    const target = r.target;
    switch (target) {
      case undefined: next.push(t); return;
      case 'RETURN': out.push(t); return; // back to the calling chain
      case 'MARK':
        if (r.orMark !== undefined) t.mark = (t.mark | r.orMark) >>> 0;
        if (r.xorMark !== undefined) t.mark = (t.mark ^ r.xorMark) >>> 0;
        next.push(t);
        return;
      case 'DNAT': {
        const [ip, port] = (r.toDestination ?? '').split(':');
        t.dst = ip!;
        if (port) t.dport = Number(port);
        out.push({ ...t, done: 'DNAT' });
        return;
      }
      case 'REDIRECT':
        t.dst = this.plan.localAddresses[0] ?? '127.0.0.1';
        if (r.toPorts) t.dport = r.toPorts;
        out.push({ ...t, done: 'REDIRECT' });
        return;
      case 'MASQUERADE': out.push({ ...t, masquerade: true, done: 'ACCEPT' }); return;
      case 'ACCEPT': case 'DROP': case 'REJECT': out.push({ ...t, done: target }); return;
      default:
        for (const s of this.walk(table, target, t)) (s.done ? out : next).push(s);
    }
  }
}

/** Every way the first packet can go, with probabilities summing to 1. */
export function traceAll(plan: RulePlan, packet: TracePacket, opts: TraceOptions = {}): TraceOutcome[] {
  const pkt: Required<TracePacket> = { proto: 'tcp', origin: 'remote', ...packet };
  const w = new Walker(plan, pkt, opts);
  const start: WalkState = { dst: pkt.dst, dport: pkt.dport, mark: 0, masquerade: false, prob: 1, steps: [], recentSet: [] };
  const results: TraceOutcome[] = [];
  for (const afterNat of w.walk('nat', pkt.origin === 'local' ? 'OUTPUT' : 'PREROUTING', start)) {
    const natVerdict = afterNat.done!;
    const toLocal = w.isLocal(afterNat.dst);
    const filterChain = pkt.origin === 'local' ? 'OUTPUT' : toLocal ? 'INPUT' : 'FORWARD';
    for (const afterFilter of w.walk('filter', filterChain, { ...afterNat, done: undefined })) {
      let final = afterFilter;
      let verdict: Verdict = natVerdict;
      if (afterFilter.done === 'REJECT' || afterFilter.done === 'DROP') verdict = afterFilter.done;
      else if (!toLocal) final = w.walk('nat', 'POSTROUTING', { ...afterFilter, done: undefined })[0]!;
      results.push({
        verdict, destination: { ip: final.dst, port: final.dport }, masquerade: verdict !== 'REJECT' && verdict !== 'DROP' && final.masquerade,
        probability: final.prob, steps: final.steps, recentSet: final.recentSet,
      });
    }
  }
  return results;
}

/** One outcome, chosen by probability; remembers `recent --set` in opts.affinity like the kernel. */
export function trace(plan: RulePlan, packet: TracePacket, opts: TraceOptions = {}): TraceOutcome {
  const all = traceAll(plan, packet, opts);
  let x = (opts.random ?? Math.random)();
  let chosen = all[all.length - 1]!;
  for (const o of all) {
    if (x < o.probability) {
      chosen = o;
      break;
    }
    x -= o.probability;
  }
  if (opts.affinity) {
    for (const list of chosen.recentSet) {
      let m = opts.affinity.get(list);
      if (!m) opts.affinity.set(list, m = new Map());
      m.set(packet.src, opts.now ?? Date.now());
    }
  }
  return chosen;
}

/** Human-readable explanation of a trace (used by `tug trace`). */
export function explainTrace(plan: RulePlan, packet: TracePacket, outcomes: TraceOutcome[]): string {
  const proto = packet.proto ?? 'tcp';
  const lines = [`${proto} ${packet.src} → ${packet.dst}:${packet.dport} (${packet.origin === 'local' ? 'sent by the node' : 'arriving at the node'}, ${plan.mode} mode)`];
  outcomes.forEach((o, i) => {
    lines.push('', outcomes.length > 1 ? `outcome ${i + 1} of ${outcomes.length} (p=${o.probability.toFixed(3)}):` : 'path:');
    for (const s of o.steps) lines.push(`  ${s.table.padEnd(6)} ${s.rule}`);
    let what: string;
    switch (o.verdict) {
      case 'DNAT': what = `DNAT to ${o.destination.ip}:${o.destination.port}`; break;
      case 'REDIRECT': {
        const info = plan.proxyPorts?.get(o.destination.port);
        what = `REDIRECT to the userspace proxy on port ${o.destination.port}` + (info ? ` → ${info.servicePort}: ${info.endpoints.join(', ') || 'no endpoints'} (round-robin)` : '');
        break;
      }
      case 'REJECT': what = 'REJECTED (the client sees "connection refused")'; break;
      case 'DROP': what = 'DROPPED'; break;
      default: what = `not a service address: routed unchanged to ${o.destination.ip}:${o.destination.port}`;
    }
    lines.push(`  ⇒ ${what}${o.verdict === 'REJECT' || o.verdict === 'DROP' ? '' : `; source ${o.masquerade ? 'masqueraded' : 'kept'}`}`);
  });
  return lines.join('\n') + '\n';
}
