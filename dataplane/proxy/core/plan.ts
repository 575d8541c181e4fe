/**
 * The rule plan: what a proxy wants the kernel to hold, as a value. Both modes produce one; the
 * restore renderer turns it into an iptables-restore payload and the tracer walks it like the
 * kernel would walk the real rules.
 *
 * A rule is its argument list after `-A CHAIN`, unquoted (`--comment`, `ns/svc:p cluster IP`).
 */
export type Rule = readonly string[];
export type TableName = 'filter' | 'nat';
export type ChainMap = ReadonlyMap<string, readonly Rule[]>;

/** A rule in a built-in chain (PREROUTING, OUTPUT, …) that hands packets to our chains. */
export interface JumpRule {
  table: TableName;
  chain: string;
  rule: Rule;
}

export interface ProxyPortInfo {
  servicePort: string;
  protocol: string;
  endpoints: string[];
}

export interface RulePlan {
  mode: 'iptables' | 'userspace';
  tables: Record<TableName, ChainMap>;
  jumps: readonly JumpRule[];
  /** Addresses of this node (what `-m addrtype --dst-type LOCAL` matches, besides loopback). */
  localAddresses: readonly string[];
  clusterCidr: string;
  /** userspace mode: local proxy port → the service port it proxies and its endpoints. */
  proxyPorts?: ReadonlyMap<number, ProxyPortInfo>;
  /**
   * nat chains that belong together (one service port's SVC/SVL/EXT/SEP chains): a large restore
   * is split between groups, never inside one (see restore-payload.ts).
   */
  chainGroups?: readonly (readonly string[])[];
}

export const MASQ_MARK = '0x4000';
export const BUILTIN_CHAINS: Record<TableName, readonly string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};

export function comment(text: string): string[] {
  return ['-m', 'comment', '--comment', text];
}

export function ruleCount(plan: RulePlan, table: TableName): number {
  let n = 0;
  for (const rules of plan.tables[table].values()) n += rules.length;
  return n;
}

export function sameRules(a: readonly Rule[] | undefined, b: readonly Rule[] | undefined): boolean {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}

/** The masquerade machinery both modes share (nat), as upstream writes it. */
export function masqueradeChains(): [string, Rule[]][] {
  return [
    ['KUBE-MARK-MASQ', [['-j', 'MARK', '--or-mark', MASQ_MARK]]],
    ['KUBE-POSTROUTING', [
      ['-m', 'mark', '!', '--mark', `${MASQ_MARK}/${MASQ_MARK}`, '-j', 'RETURN'],
      ['-j', 'MARK', '--xor-mark', MASQ_MARK],
      [...comment('kubernetes service traffic requiring SNAT'), '-j', 'MASQUERADE', '--random-fully'],
    ]],
  ];
}

/** filter KUBE-FORWARD: accept what we NATed and its replies even under a DROP forward policy. */
export function forwardChain(): Rule[] {
  return [
    ['-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'DROP'],
    [...comment('kubernetes forwarding rules'), '-m', 'mark', '--mark', `${MASQ_MARK}/${MASQ_MARK}`, '-j', 'ACCEPT'],
    [...comment('kubernetes forwarding conntrack rule'), '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
  ];
}

/** filter jumps shared by both modes: REJECT/DROP for services without (local) endpoints. */
export function filterJumps(): JumpRule[] {
  const svc = [...comment('kubernetes service portals'), '-j', 'KUBE-SERVICES'];
  const ext = [...comment('kubernetes externally-visible service portals'), '-j', 'KUBE-EXTERNAL-SERVICES'];
  const isNew = ['-m', 'conntrack', '--ctstate', 'NEW'];
  return [
    { table: 'filter', chain: 'INPUT', rule: [...isNew, ...ext] },
    { table: 'filter', chain: 'FORWARD', rule: [...comment('kubernetes forwarding rules'), '-j', 'KUBE-FORWARD'] },
    { table: 'filter', chain: 'FORWARD', rule: [...isNew, ...svc] },
    { table: 'filter', chain: 'FORWARD', rule: [...isNew, ...ext] },
    { table: 'filter', chain: 'OUTPUT', rule: [...isNew, ...svc] },
  ];
}
