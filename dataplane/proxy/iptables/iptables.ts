/**
 * The narrow interface over the iptables binaries (nf_tables backend) and its real
 * implementation. The sync loop only ever writes (one iptables-restore per sync); reading rules
 * back (`listChains`, an iptables-save) happens once at start-up to find stale chains left by an
 * earlier run — at 10k services a save takes seconds, so never in the loop.
 */
import { ProxyError } from '../errors.js';
import { makeExec, type Exec } from '../exec.js';
import type { Rule, TableName } from '../core/plan.js';

export interface Iptables {
  /** One atomic iptables-restore of `payload`; throws ProxyError TUG_PROXY_RESTORE_FAILED. */
  restore(payload: string, opts: { noflush: boolean }): Promise<void>;
  /** Creates a user chain if missing. */
  ensureChain(table: TableName, chain: string): Promise<void>;
  /** Adds `rule` to a chain unless present (-C); returns true if it was added. */
  ensureRule(table: TableName, chain: string, rule: Rule, position: 'prepend' | 'append'): Promise<boolean>;
  /** Deletes `rule` if present. */
  deleteRule(table: TableName, chain: string, rule: Rule): Promise<void>;
  /** Names of the user chains of a table (start-up only). */
  listChains(table: TableName): Promise<string[]>;
}

const WAIT = ['-w', '5'];

export function execIptables(exec: Exec = makeExec()): Iptables {
  async function run(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
    return exec('iptables', [...WAIT, ...args]);
  }
  return {
    async restore(payload, opts) {
      const r = await exec('iptables-restore', [...WAIT, ...(opts.noflush ? ['--noflush'] : [])], payload);
      if (r.code !== 0) throw new ProxyError('TUG_PROXY_RESTORE_FAILED', `iptables-restore failed (${r.code}): ${r.stderr.trim()}`);
    },
    async ensureChain(table, chain) {
      const r = await run(['-t', table, '-N', chain]);
      if (r.code !== 0 && !/exists/i.test(r.stderr)) throw new ProxyError('TUG_PROXY_IPTABLES_FAILED', `iptables -t ${table} -N ${chain}: ${r.stderr.trim()}`);
    },
    async ensureRule(table, chain, rule, position) {
      const check = await run(['-t', table, '-C', chain, ...rule]);
      if (check.code === 0) return false;
      const r = await run(['-t', table, position === 'prepend' ? '-I' : '-A', chain, ...rule]);
      if (r.code !== 0) throw new ProxyError('TUG_PROXY_IPTABLES_FAILED', `iptables -t ${table} ${position} ${chain}: ${r.stderr.trim()}`);
      return true;
    },
    async deleteRule(table, chain, rule) {
      // -D fails when the rule (or chain) is missing: that is the state we want anyway.
      await run(['-t', table, '-D', chain, ...rule]);
    },
    async listChains(table) {
      const r = await exec('iptables-save', ['-t', table]);
      if (r.code !== 0) throw new ProxyError('TUG_PROXY_IPTABLES_FAILED', `iptables-save -t ${table}: ${r.stderr.trim()}`);
      return r.stdout.split('\n').filter((l) => l.startsWith(':')).map((l) => l.slice(1).split(' ')[0]!);
    },
  };
}
