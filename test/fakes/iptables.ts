/**
 * A behaving fake of dataplane/proxy's Iptables: it parses iptables-restore payloads and merges
 * them into an in-memory model of tables, chains and rules with the nf_tables backend's semantics
 * (checked against iptables 1.8.9 here):
 * - the whole payload is one transaction: any failing line leaves the model untouched;
 * - with --noflush, a declared user chain is flushed (created if missing); undeclared chains are
 *   left alone; built-in chains are never flushed. Without --noflush a mentioned table is reset;
 * - `-A` to a chain that does not exist fails ("No chain/target/match by that name"), and so does
 *   a jump to a missing chain;
 * - `-X` of a missing chain fails; `-X` of a chain that still has rules, or that a rule still
 *   jumps to when the table commits, fails with "CHAIN_DEL failed (Device or resource busy)".
 * It also records every call, so tests can assert what a sync sent, and can fail on demand.
 */
import type { Iptables } from '../../dataplane/proxy/iptables/iptables.js';
import { BUILTIN_CHAINS, type Rule, type TableName } from '../../dataplane/proxy/core/plan.js';
import { parseRule } from '../../dataplane/proxy/core/rule-match.js';
import { splitTokens } from '../../dataplane/proxy/core/rule-syntax.js';
import { ProxyError } from '../../dataplane/proxy/errors.js';

interface FakeChain {
  builtin: boolean;
  policy: string;
  rules: string[][];
}
type FakeTable = Map<string, FakeChain>;

const TARGETS = new Set(['ACCEPT', 'DROP', 'REJECT', 'RETURN', 'DNAT', 'SNAT', 'MASQUERADE', 'MARK', 'REDIRECT', 'LOG']);

function newTable(name: TableName): FakeTable {
  return new Map(BUILTIN_CHAINS[name].map((c) => [c, { builtin: true, policy: 'ACCEPT', rules: [] }]));
}

function cloneTable(t: FakeTable): FakeTable {
  return new Map([...t].map(([k, c]) => [k, { ...c, rules: c.rules.map((r) => [...r]) }]));
}

const sameTokens = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export class FakeIptables implements Iptables {
  readonly tables: Record<TableName, FakeTable> = { filter: newTable('filter'), nat: newTable('nat') };
  readonly restores: { payload: string; noflush: boolean; ok: boolean }[] = [];
  /** Calls of ensureRule/deleteRule/listChains/ensureChain, e.g. "ensureRule nat PREROUTING". */
  readonly calls: string[] = [];
  private failures: string[] = [];

  /** The next restore fails with this message (before touching anything). */
  failNextRestore(message = 'injected failure'): void {
    this.failures.push(message);
  }

  async restore(payload: string, opts: { noflush: boolean }): Promise<void> {
    const injected = this.failures.shift();
    if (injected !== undefined) {
      this.restores.push({ payload, noflush: opts.noflush, ok: false });
      throw new ProxyError('TUG_PROXY_RESTORE_FAILED', `iptables-restore: ${injected}`);
    }
    try {
      this.apply(payload, opts.noflush);
      this.restores.push({ payload, noflush: opts.noflush, ok: true });
    } catch (err) {
      this.restores.push({ payload, noflush: opts.noflush, ok: false });
      throw new ProxyError('TUG_PROXY_RESTORE_FAILED', `iptables-restore: ${(err as Error).message}`);
    }
  }

  async ensureChain(table: TableName, chain: string): Promise<void> {
    this.calls.push(`ensureChain ${table} ${chain}`);
    if (!this.tables[table].has(chain)) this.tables[table].set(chain, { builtin: false, policy: '-', rules: [] });
  }

  async ensureRule(table: TableName, chain: string, rule: Rule, position: 'prepend' | 'append'): Promise<boolean> {
    this.calls.push(`ensureRule ${table} ${chain}`);
    const c = this.tables[table].get(chain);
    if (!c) throw new ProxyError('TUG_PROXY_IPTABLES_FAILED', `iptables: chain ${chain} does not exist`);
    this.checkTarget(this.tables[table], rule);
    if (c.rules.some((r) => sameTokens(r, rule))) return false;
    if (position === 'prepend') c.rules.unshift([...rule]);
    else c.rules.push([...rule]);
    return true;
  }

  async deleteRule(table: TableName, chain: string, rule: Rule): Promise<void> {
    this.calls.push(`deleteRule ${table} ${chain}`);
    const c = this.tables[table].get(chain);
    const i = c ? c.rules.findIndex((r) => sameTokens(r, rule)) : -1;
    if (c && i >= 0) c.rules.splice(i, 1);
  }

  async listChains(table: TableName): Promise<string[]> {
    this.calls.push(`listChains ${table}`);
    return [...this.tables[table]].filter(([, c]) => !c.builtin).map(([n]) => n);
  }

  // ---- inspection helpers for tests ----------------------------------------------------------

  chains(table: TableName): string[] {
    return [...this.tables[table].keys()];
  }

  rules(table: TableName, chain: string): string[][] {
    return this.tables[table].get(chain)?.rules.map((r) => [...r]) ?? [];
  }

  ruleCount(table: TableName): number {
    let n = 0;
    for (const c of this.tables[table].values()) n += c.rules.length;
    return n;
  }

  /** Test setup: a chain with rules, as another tool (or an earlier run) would leave it. */
  seedChain(table: TableName, chain: string, rules: Rule[] = []): void {
    this.tables[table].set(chain, { builtin: false, policy: '-', rules: rules.map((r) => [...r]) });
  }

  // ---- the restore interpreter -------------------------------------------------------------

  private checkTarget(t: FakeTable, rule: readonly string[]): void {
    const target = parseRule(rule).target;
    if (target && !TARGETS.has(target) && !t.has(target)) throw new Error(`Chain '${target}' does not exist`);
  }

  private apply(payload: string, noflush: boolean): void {
    const staged: Partial<Record<TableName, FakeTable>> = {};
    let table: TableName | undefined;
    let work: FakeTable | undefined;
    let deleted = new Map<string, number>();
    const lines = payload.split('\n');
    lines.forEach((raw, idx) => {
      const n = idx + 1;
      const line = raw.trim();
      const fail = (msg: string): never => {
        throw new Error(`line ${n} failed: ${msg}`);
      };
      if (!line || line.startsWith('#')) return;
      if (line.startsWith('*')) {
        if (work) fail('table not committed');
        const name = line.slice(1);
        if (name !== 'nat' && name !== 'filter') fail(`unknown table ${name}`);
        table = name as TableName;
        work = noflush ? cloneTable(staged[table] ?? this.tables[table]) : newTable(table);
        deleted = new Map();
        return;
      }
      if (!work || !table) return fail('no table');
      if (line === 'COMMIT') {
        for (const [chain, at] of deleted) {
          for (const [owner, c] of work) {
            if (c.rules.some((r) => parseRule(r).target === chain)) throw new Error(`line ${at}: CHAIN_DEL failed (Device or resource busy): chain ${chain} (referenced from ${owner})`);
          }
        }
        for (const c of work.values()) for (const r of c.rules) this.checkTarget(work, r);
        staged[table] = work;
        work = undefined;
        table = undefined;
        return;
      }
      if (line.startsWith(':')) {
        const [name, policy] = line.slice(1).split(/\s+/);
        if (!name) return fail('bad chain line');
        const existing = work.get(name);
        if (existing?.builtin) existing.policy = policy ?? existing.policy;
        else if (existing) existing.rules = [];
        else work.set(name, { builtin: false, policy: '-', rules: [] });
        deleted.delete(name);
        return;
      }
      let tokens: string[];
      try {
        tokens = splitTokens(line);
      } catch (err) {
        return fail((err as Error).message);
      }
      const [op, chain, ...rest] = tokens;
      if (!chain) return fail('missing chain');
      const c = work.get(chain);
      switch (op) {
        case '-A':
        case '-I':
          if (!c) return fail('No chain/target/match by that name.');
          try {
            parseRule(rest);
          } catch (err) {
            return fail((err as Error).message);
          }
          if (op === '-A') c.rules.push(rest);
          else c.rules.unshift(rest);
          return;
        case '-X':
          if (!c) return fail('No chain/target/match by that name.');
          if (c.builtin) return fail('cannot delete a built-in chain');
          if (c.rules.length) throw new Error(`line ${n}: CHAIN_DEL failed (Device or resource busy): chain ${chain}`);
          work.delete(chain);
          deleted.set(chain, n);
          return;
        case '-F':
          if (!c) return fail('No chain/target/match by that name.');
          c.rules = [];
          return;
        case '-N':
          if (c) return fail('Chain already exists.');
          work.set(chain, { builtin: false, policy: '-', rules: [] });
          return;
        default:
          return fail(`unknown command ${op}`);
      }
    });
    if (work) throw new Error('COMMIT expected at end of payload');
    for (const [name, t] of Object.entries(staged) as [TableName, FakeTable][]) this.tables[name] = t;
  }
}
