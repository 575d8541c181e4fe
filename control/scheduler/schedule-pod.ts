/**
 * One scheduling decision as a pure function: filter every node, score the feasible ones, pick
 * the best (random among equals). An unschedulable pod gets upstream's FitError message, e.g.
 * `0/2 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector.`
 */
import { DEFAULT_FILTERS, runFilters, type FilterPlugin } from './filters.js';
import { DEFAULT_SCORES, scoreNodes, type ScorePlugin } from './scores.js';
import type { Snapshot } from './snapshot.js';
import type { Pod } from './types.js';

export type ScheduleResult =
  | { feasible: true; node: string; scores: Record<string, number> }
  | { feasible: false; message: string; reasons: Record<string, string[]> };

export interface ScheduleOptions {
  filters?: readonly FilterPlugin[];
  scores?: readonly ScorePlugin[];
  /** [0, 1) — Math.random by default; injected by tests for deterministic tie-breaks. */
  random?: () => number;
}

export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

/** `0/N nodes are available: <count> <reason>, ….` with the reasons sorted as upstream does. */
export function fitErrorMessage(numNodes: number, reasonsByNode: Record<string, string[]>): string {
  if (numNodes === 0) return NO_NODES_MESSAGE;
  const histogram = new Map<string, number>();
  for (const reasons of Object.values(reasonsByNode)) {
    for (const r of reasons) histogram.set(r, (histogram.get(r) ?? 0) + 1);
  }
  const parts = [...histogram].map(([reason, count]) => `${count} ${reason}`).sort();
  return `0/${numNodes} nodes are available: ${parts.join(', ')}.`;
}

export function schedulePod(pod: Pod, snapshot: Snapshot, opts: ScheduleOptions = {}): ScheduleResult {
  const reasons: Record<string, string[]> = {};
  const feasible = snapshot.nodes.filter((n) => {
    const r = runFilters(pod, n, opts.filters ?? DEFAULT_FILTERS);
    if (r.length) reasons[n.name] = r;
    return r.length === 0;
  });
  if (feasible.length === 0) {
    return { feasible: false, message: fitErrorMessage(snapshot.nodes.length, reasons), reasons };
  }
  const totals = scoreNodes(pod, feasible, opts.scores ?? DEFAULT_SCORES);
  const best = Math.max(...totals);
  const top = feasible.filter((_, i) => totals[i] === best);
  const random = opts.random ?? Math.random;
  const chosen = top[Math.min(top.length - 1, Math.floor(random() * top.length))]!;
  const scores: Record<string, number> = {};
  feasible.forEach((n, i) => { scores[n.name] = totals[i]!; });
  return { feasible: true, node: chosen.name, scores };
}
