/**
 * Container lifecycle hooks, as upstream runs them:
 * - preStop runs before a container is sent SIGTERM, inside the pod's termination grace period,
 *   so an app can keep serving while Services stop sending it traffic — the usual
 *   `preStop: {sleep: {seconds: N}}` for zero-downtime rollouts. A failing hook is reported and
 *   the container is stopped anyway; the hook never extends the grace period.
 * - postStart runs right after the container starts; the container is not reported Running
 *   until it returns, and a failing hook kills the container (it then restarts per the pod's
 *   restartPolicy, with back-off).
 * Handlers: exec, httpGet, tcpSocket (run like probes) and sleep.
 */
import type { ProbeRunner, ProbeTarget } from './probe-runner.js';
import type { Container, Probe } from './pod-types.js';

export interface LifecycleHandler {
  exec?: Probe['exec'];
  httpGet?: Probe['httpGet'];
  tcpSocket?: Probe['tcpSocket'];
  sleep?: { seconds: number };
}

export type ContainerWithLifecycle = Container & { lifecycle?: { preStop?: LifecycleHandler; postStart?: LifecycleHandler } };

export interface HookOutcome {
  ran: boolean;
  error?: string;
  elapsedMs: number;
}

type Sleep = (ms: number) => Promise<void>;
const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs the container's preStop hook within `budgetMs`. */
export function runPreStop(runner: ProbeRunner, container: ContainerWithLifecycle, target: ProbeTarget, budgetMs: number, sleep: Sleep = realSleep): Promise<HookOutcome> {
  return runHook(runner, container.lifecycle?.preStop, target, budgetMs, sleep);
}

/** Runs the container's postStart hook within `budgetMs`. */
export function runPostStart(runner: ProbeRunner, container: ContainerWithLifecycle, target: ProbeTarget, budgetMs: number, sleep: Sleep = realSleep): Promise<HookOutcome> {
  return runHook(runner, container.lifecycle?.postStart, target, budgetMs, sleep);
}

async function runHook(runner: ProbeRunner, hook: LifecycleHandler | undefined, target: ProbeTarget, budgetMs: number, sleep: Sleep): Promise<HookOutcome> {
  const started = Date.now();
  if (!hook || budgetMs <= 0) return { ran: false, elapsedMs: 0 };
  if (hook.sleep) {
    await sleep(Math.min(Math.max(0, hook.sleep.seconds) * 1000, budgetMs));
    return { ran: true, elapsedMs: Date.now() - started };
  }
  const asProbe: Probe = { exec: hook.exec, httpGet: hook.httpGet, tcpSocket: hook.tcpSocket, timeoutSeconds: Math.max(1, Math.floor(budgetMs / 1000)) };
  const result = await runner.run(asProbe, target);
  return { ran: true, error: result.ok ? undefined : result.message, elapsedMs: Date.now() - started };
}
