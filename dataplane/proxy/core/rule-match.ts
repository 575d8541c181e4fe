/**
 * A rule's tokens read back into what it matches and what it does — the subset of iptables
 * our plans use (plus -i/-o). Unknown options are errors, so a typo in a planner fails tests
 * instead of silently matching everything. Shared by the tracer and the iptables fake.
 */
export interface AddrMatch {
  cidr: string;
  neg: boolean;
}

export interface ParsedRule {
  proto?: string;
  src?: AddrMatch;
  dst?: AddrMatch;
  dport?: number;
  srcType?: { type: string; neg: boolean };
  dstType?: { type: string; neg: boolean };
  probability?: number;
  recent?: { name: string; mode: 'rcheck' | 'set'; seconds?: number };
  mark?: { value: number; mask: number; neg: boolean };
  ctstate?: string[];
  inIface?: string;
  outIface?: string;
  comment?: string;
  target?: string;
  toDestination?: string;
  toPorts?: number;
  orMark?: number;
  xorMark?: number;
}

const VALUE_OPTIONS = new Set(['-p', '-s', '-d', '-m', '--dport', '--comment', '--dst-type', '--src-type', '--mode', '--probability',
  '--name', '--seconds', '--mark', '--ctstate', '-j', '--to-destination', '--to-ports', '--or-mark', '--xor-mark', '--reject-with', '-i', '-o']);
const FLAG_OPTIONS = new Set(['--rcheck', '--set', '--reap', '--random-fully']);
const MODULES = new Set(['tcp', 'udp', 'sctp', 'comment', 'addrtype', 'statistic', 'recent', 'mark', 'conntrack']);

export class RuleSyntaxError extends Error {}

export function parseRule(tokens: readonly string[]): ParsedRule {
  const r: ParsedRule = {};
  let neg = false;
  for (let i = 0; i < tokens.length; i++) {
    const opt = tokens[i]!;
    if (opt === '!') {
      neg = true;
      continue;
    }
    if (FLAG_OPTIONS.has(opt)) {
      if (opt === '--rcheck' || opt === '--set') {
        if (!r.recent) throw new RuleSyntaxError(`${opt} without --name`);
        r.recent.mode = opt === '--rcheck' ? 'rcheck' : 'set';
      }
      continue;
    }
    if (!VALUE_OPTIONS.has(opt)) throw new RuleSyntaxError(`unknown option "${opt}"`);
    const v = tokens[++i];
    if (v === undefined) throw new RuleSyntaxError(`option "${opt}" requires an argument`);
    switch (opt) {
      case '-p': r.proto = v.toLowerCase(); break;
      case '-s': r.src = { cidr: v, neg }; break;
      case '-d': r.dst = { cidr: v, neg }; break;
      case '-m': if (!MODULES.has(v)) throw new RuleSyntaxError(`unknown match "${v}"`); break;
      case '--dport': r.dport = Number(v); break;
      case '--comment': r.comment = v; break;
      case '--dst-type': r.dstType = { type: v, neg }; break;
      case '--src-type': r.srcType = { type: v, neg }; break;
      case '--mode': if (v !== 'random') throw new RuleSyntaxError(`statistic mode ${v}`); break;
      case '--probability': r.probability = Number(v); break;
      case '--name': r.recent = { name: v, mode: 'rcheck' }; break;
      case '--seconds': if (r.recent) r.recent.seconds = Number(v); break;
      case '--mark': {
        const [value, mask] = v.split('/');
        r.mark = { value: Number(value), mask: mask === undefined ? 0xffffffff : Number(mask), neg };
        break;
      }
      case '--ctstate': r.ctstate = v.split(','); break;
      case '-j': r.target = v; break;
      case '--to-destination': r.toDestination = v; break;
      case '--to-ports': r.toPorts = Number(v); break;
      case '--or-mark': r.orMark = Number(v); break;
      case '--xor-mark': r.xorMark = Number(v); break;
      case '-i': r.inIface = v; break;
      case '-o': r.outIface = v; break;
      default: break;
    }
    neg = false;
  }
  return r;
}

export function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, o) => n * 256 + Number(o), 0) >>> 0;
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : (~((1 << (32 - bits)) - 1)) >>> 0;
  return ((ipv4ToInt(ip) & mask) >>> 0) === ((ipv4ToInt(base!) & mask) >>> 0);
}
