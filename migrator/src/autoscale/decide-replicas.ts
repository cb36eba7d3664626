/**
 * How many worker replicas a service should run for its consumer lag: a pure decision, so that
 * every rule below is tested without NATS, Docker or a clock.
 *
 * - Scale up when lag per replica is above `targetLagPerReplica`, straight to the count that
 *   brings it back to the target (as Kubernetes' HPA does), at most `maxReplicas`.
 * - Scale down only when lag per replica is below `scaleDownLagPerReplica`, a lower threshold:
 *   between the two thresholds nothing changes, so a lag hovering around the target does not
 *   flap the worker count. Scaling down goes to the count that keeps lag per replica at or under
 *   the target, so the next decision does not scale straight back up.
 * - No change within `cooldownMs` of the last one: new replicas need time to start pulling
 *   before their effect shows in the lag.
 * - Never below `minReplicas`: a worker also runs the service's outbox relay, so zero workers
 *   would stop the service publishing its events.
 */
export interface ScalingPolicy {
  minReplicas: number;
  maxReplicas: number;
  targetLagPerReplica: number;
  scaleDownLagPerReplica: number;
  cooldownMs: number;
}

export interface ScalingState {
  replicas: number;
  /** when the replica count last changed (ms since the epoch); undefined before the first change */
  lastChangeAt: number | undefined;
}

export interface ScalingDecision {
  replicas: number;
  change: 'up' | 'down' | 'none';
  reason: string;
}

/** What is wrong with a policy, for the configuration check; empty when it is usable. */
export function policyProblems(policy: ScalingPolicy): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(policy.minReplicas) || policy.minReplicas < 1) problems.push('the minimum must be an integer of at least 1 (a worker also runs the outbox relay)');
  if (!Number.isInteger(policy.maxReplicas) || policy.maxReplicas < policy.minReplicas) problems.push('the maximum must be an integer no smaller than the minimum');
  if (!(policy.targetLagPerReplica > 0)) problems.push('the target lag per replica must be above 0');
  if (!(policy.scaleDownLagPerReplica >= 0 && policy.scaleDownLagPerReplica < policy.targetLagPerReplica)) {
    problems.push('the scale-down lag per replica must be at least 0 and below the target lag per replica');
  }
  if (!(policy.cooldownMs >= 0)) problems.push('the cool-down must not be negative');
  return problems;
}

export function decideReplicas(policy: ScalingPolicy, state: ScalingState, lag: number, now: number): ScalingDecision {
  const { replicas } = state;
  const { minReplicas: min, maxReplicas: max, targetLagPerReplica: target, scaleDownLagPerReplica: low } = policy;
  const perReplica = lag / Math.max(replicas, 1);
  const observed = `lag ${lag} on ${replicas} replica${replicas === 1 ? '' : 's'} (${round(perReplica)} each)`;
  const keep = (why: string): ScalingDecision => ({ replicas, change: 'none', reason: `${observed}: ${why}` });
  const to = (next: number, why: string): ScalingDecision => ({ replicas: next, change: next > replicas ? 'up' : 'down', reason: `${observed}: ${why}` });

  // bounds first, whatever the lag and the cool-down say
  if (replicas < min) return to(min, `below the minimum ${min}`);
  if (replicas > max) return to(max, `above the maximum ${max}`);

  const sized = Math.min(max, Math.max(min, Math.ceil(lag / target)));
  const coolingDownFor = state.lastChangeAt === undefined ? 0 : state.lastChangeAt + policy.cooldownMs - now;

  if (perReplica > target) {
    if (replicas >= max) return keep(`above the target ${target}, already at the maximum ${max}`);
    if (coolingDownFor > 0) return keep(`above the target ${target}, cooling down for ${Math.ceil(coolingDownFor / 1000)} s more`);
    return to(sized, `above the target ${target}: scale up to ${sized}${sized === max ? ' (the maximum)' : ''}`);
  }
  if (perReplica < low) {
    if (replicas <= min) return keep(`below ${low}, at the minimum ${min}`);
    if (sized >= replicas) return keep(`below ${low}, but fewer replicas would each have more than the target ${target}`);
    if (coolingDownFor > 0) return keep(`below ${low}, cooling down for ${Math.ceil(coolingDownFor / 1000)} s more`);
    return to(sized, `below ${low}: scale down to ${sized}${sized === min ? ' (the minimum)' : ''}`);
  }
  return keep(`within ${low}–${target}, no change`);
}

function round(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
