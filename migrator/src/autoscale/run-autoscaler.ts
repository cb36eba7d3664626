import { setTimeout as sleep } from 'node:timers/promises';
import { decideReplicas, type ScalingDecision, type ScalingPolicy, type ScalingState } from './decide-replicas.js';
import type { ServiceLag } from './read-service-lag.js';

export interface AutoscalerDeps {
  /** the worker's lag now; throws while NATS is unavailable */
  readLag(): Promise<ServiceLag>;
  /** runs the worker at this many replicas (docker compose), or only says so in a dry run */
  scale(replicas: number): Promise<void>;
  now(): number;
  report(event: AutoscalerEvent): void;
}

export type AutoscalerEvent =
  | { kind: 'decision'; at: number; lag: ServiceLag; from: number; decision: ScalingDecision }
  | { kind: 'error'; at: number; step: 'read lag' | 'scale'; error: Error };

export interface AutoscalerSettings {
  policy: ScalingPolicy;
  intervalMs: number;
  initialReplicas: number;
}

/**
 * Every interval: read the lag, decide, and scale when the decision differs from what runs.
 * A failed read or scale is reported and tried again at the next interval, so NATS or Docker
 * being away for a while never stops the autoscaler. Returns when `signal` aborts.
 */
export async function runAutoscaler(settings: AutoscalerSettings, deps: AutoscalerDeps, signal: AbortSignal): Promise<void> {
  let state: ScalingState = { replicas: settings.initialReplicas, lastChangeAt: undefined };
  while (!signal.aborted) {
    state = await step(settings.policy, state, deps);
    await sleep(settings.intervalMs, undefined, { signal }).catch(() => undefined);
  }
}

async function step(policy: ScalingPolicy, state: ScalingState, deps: AutoscalerDeps): Promise<ScalingState> {
  let lag: ServiceLag;
  try {
    lag = await deps.readLag();
  } catch (error) {
    deps.report({ kind: 'error', at: deps.now(), step: 'read lag', error: error as Error });
    return state;
  }
  const at = deps.now();
  const decision = decideReplicas(policy, state, lag.total, at);
  deps.report({ kind: 'decision', at, lag, from: state.replicas, decision });
  if (decision.replicas === state.replicas) return state;
  try {
    await deps.scale(decision.replicas);
    return { replicas: decision.replicas, lastChangeAt: at };
  } catch (error) {
    deps.report({ kind: 'error', at: deps.now(), step: 'scale', error: error as Error });
    return state;
  }
}

/** One line per event, for the autoscaler's output. */
export function describeAutoscalerEvent(event: AutoscalerEvent, target: string, dryRunCommand?: (replicas: number) => string): string {
  const time = new Date(event.at).toISOString();
  if (event.kind === 'error') return `${time} ${target} cannot ${event.step}, trying again next interval: ${event.error.message}`;
  const { decision, from } = event;
  const consumers = event.lag.consumers.map((c) => `${c.durable}=${c.lag}`).join(' ');
  const change = decision.change === 'none' ? `replicas ${from}` : `replicas ${from} -> ${decision.replicas}`;
  const dryRun = decision.change !== 'none' && dryRunCommand ? ` [dry run, would run: ${dryRunCommand(decision.replicas)}]` : '';
  return `${time} ${target} ${change}; ${decision.reason}; ${consumers}${dryRun}`;
}
