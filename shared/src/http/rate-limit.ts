import type { Knex } from 'knex';
import type { Context, Middleware } from 'koa';
import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import { RATE_LIMIT_TABLE } from '../db/rate-limit-table.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import { isAdmin, type Principal } from './auth.js';

export interface RateLimitSettings {
  /** GET and HEAD requests per principal (or anonymous address) per minute */
  rateLimitReadsPerMinute: number;
  /** any other method, per principal (or anonymous address) per minute */
  rateLimitWritesPerMinute: number;
  /** every request of a principal with role admin, per minute */
  rateLimitAdminPerMinute: number;
  /** proxies in front of the api that append to X-Forwarded-For; 0: the peer address */
  trustedProxyHops: number;
}

export type RatePolicy = 'reads' | 'writes' | 'admin';

const WINDOW_SECONDS = 60;
const readMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
const FALLBACK_LOG_INTERVAL_MS = 30_000;

/**
 * Koa middleware that counts each request against one policy, per principal (the token's
 * `sub`) or, without a token, per client address: `admin` for admins, else `reads` or `writes`
 * by method. Counts live in the service's Postgres (one fixed 60 s window per key), so every
 * replica shares them. A key over its budget is also blocked in this process's memory until its
 * window ends, so a flood costs Postgres one row update per replica, not one per request. A busy
 * key draws its points in leases (see `LeasingLimiter`), so a client sending many requests costs
 * Postgres one update per lease, not per request. If Postgres fails, an in-memory limiter with the same budgets takes over (per process: with N
 * replicas a client may get N times the budget), and that is logged and counted, never silent.
 *
 * Every limited response carries `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers);
 * a refused one is 429 problem+json with `Retry-After`.
 */
export function rateLimitMiddleware(options: { db: Knex; settings: RateLimitSettings; log: Logger; registry: Registry }): Middleware {
  const { settings, log } = options;
  const fallbacks = new Counter({
    name: 'rate_limit_store_fallbacks_total',
    help: 'requests counted by the in-memory fallback limiter because the Postgres store failed',
    registers: [options.registry],
  });
  let unlogged = 0;
  let lastLogged = 0;
  const onFallback = (): void => {
    fallbacks.inc();
    unlogged += 1;
    if (Date.now() - lastLogged < FALLBACK_LOG_INTERVAL_MS) return;
    log.warn({ requests: unlogged }, 'rate-limit store (Postgres) failed: limiting in this process only until it answers again');
    lastLogged = Date.now();
    unlogged = 0;
  };
  const budgets: Record<RatePolicy, number> = {
    reads: settings.rateLimitReadsPerMinute,
    writes: settings.rateLimitWritesPerMinute,
    admin: settings.rateLimitAdminPerMinute,
  };
  const limiters = Object.fromEntries(
    Object.entries(budgets).map(([policy, points]) => {
      const shape = { keyPrefix: policy, points, duration: WINDOW_SECONDS };
      const limiter = new RateLimiterPostgres({
        ...shape,
        storeClient: options.db,
        storeType: 'knex',
        tableName: RATE_LIMIT_TABLE,
        tableCreated: true, // created by a migration: the api never runs DDL
        // the request that spends the last point blocks the key here until its window ends
        inMemoryBlockOnConsumed: points,
        insuranceLimiter: new FallbackLimiter(shape, onFallback),
      });
      return [policy, new LeasingLimiter(limiter, points)];
    }),
  ) as Record<RatePolicy, LeasingLimiter>;

  return async (ctx, next) => {
    const principal = ctx.state['principal'] as Principal | undefined;
    const policy: RatePolicy = isAdmin(principal) ? 'admin' : readMethods.has(ctx.method) ? 'reads' : 'writes';
    const key = principal ? `p:${principal.id}` : `a:${clientAddress(ctx, settings.trustedProxyHops)}`;
    let result: RateLimiterRes;
    let refused = false;
    try {
      result = await limiters[policy].consume(key);
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw new AppError('transient', 'rate limits cannot be checked right now', { cause: error });
      result = error;
      refused = true;
    }
    const resetSeconds = Math.max(1, Math.ceil(result.msBeforeNext / 1000));
    ctx.set(rateLimitHeaders(policy, budgets[policy], result.remainingPoints, resetSeconds));
    if (refused) {
      ctx.set('Retry-After', String(resetSeconds));
      throw new AppError('too_many_requests', `over the ${policy} limit of ${budgets[policy]} requests per ${WINDOW_SECONDS} s; retry in ${resetSeconds} s`, {
        details: { policy, limit: budgets[policy], windowSeconds: WINDOW_SECONDS, retryAfterSeconds: resetSeconds },
      });
    }
    await next();
  };
}

/** The two fields of draft-ietf-httpapi-ratelimit-headers (-08 on): the policy, and what is left of it. */
export function rateLimitHeaders(policy: RatePolicy, quota: number, remaining: number, resetSeconds: number): Record<string, string> {
  return {
    'RateLimit-Policy': `"${policy}";q=${quota};w=${WINDOW_SECONDS}`,
    RateLimit: `"${policy}";r=${Math.max(0, remaining)};t=${resetSeconds}`,
  };
}

/**
 * The address an anonymous client is counted under. X-Forwarded-For is anyone's to write, so
 * only the entries the trusted proxies appended count: the `hops`-th from the right is the
 * address the outermost trusted proxy saw. Without trusted proxies, the peer address.
 */
export function clientAddress(ctx: Pick<Context, 'get' | 'socket'>, hops: number): string {
  const peer = ctx.socket.remoteAddress ?? 'unknown';
  if (hops <= 0) return peer;
  const forwarded = ctx.get('x-forwarded-for').split(',').map((entry) => entry.trim()).filter(Boolean);
  return forwarded[forwarded.length - hops] ?? forwarded[0] ?? peer;
}

/** Leases a replica holds at once (the least recently used go first), and the largest lease as a share of a budget. */
const LEASED_KEYS = 10_000;
const LEASE_SHARE = 0.02;
const MAX_LEASE = 100;

interface Lease {
  /** points drawn from the store and not yet spent here */
  left: number;
  /** what the store had left after the last draw */
  storeRemaining: number;
  /** when the key's window ends (ms, Date.now()) */
  windowEnds: number;
  /** the last draw's size */
  size: number;
  /** a draw in flight: requests of the key wait for it instead of drawing too */
  drawing?: Promise<void>;
}

/**
 * The store counts every point; a key's requests draw their points from it one at a time at
 * first, and, while the key keeps spending within its window, in growing leases (1, 2, 4 … up to
 * 2 % of the budget, 100 at most) that this replica spends from memory. A client of many
 * requests then costs one store update per lease instead of one per request, and the store's
 * row of a busy key is no longer a lock every request queues on. The budget is never exceeded
 * (points are counted when drawn); the price is that, with several replicas, a key can be
 * refused while another replica still holds part of a lease: at most a lease early per replica.
 * A small budget (under 100 points) is always drawn one point at a time, so it stays exact.
 * `remainingPoints` is the store's remaining after the last draw plus what this replica still
 * holds.
 */
export class LeasingLimiter {
  private readonly leases = new LRUCache<string, Lease>({ max: LEASED_KEYS });
  private readonly maxLease: number;

  constructor(
    private readonly store: Pick<RateLimiterPostgres, 'consume'>,
    points: number,
  ) {
    this.maxLease = Math.max(1, Math.min(MAX_LEASE, Math.floor(points * LEASE_SHARE)));
  }

  /** Spends one point of `key`: resolves with what is left, rejects with a RateLimiterRes when over the budget (as RateLimiterPostgres does). */
  async consume(key: string): Promise<RateLimiterRes> {
    for (;;) {
      const lease = this.leases.get(key);
      if (lease?.drawing) {
        await lease.drawing.catch(() => undefined);
        continue;
      }
      const now = Date.now();
      const current = lease && lease.windowEnds > now ? lease : undefined;
      if (current && current.left > 0) {
        current.left -= 1;
        return new RateLimiterRes(current.storeRemaining + current.left, current.windowEnds - now, undefined, undefined);
      }
      // the key kept spending in this window: draw twice as much, as long as the store has it
      const size = current ? Math.max(1, Math.min(this.maxLease, current.size * 2, current.storeRemaining)) : 1;
      const next: Lease = { left: 0, storeRemaining: 0, windowEnds: now, size };
      let drawn!: RateLimiterRes;
      next.drawing = this.store.consume(key, size).then((res) => {
        drawn = res;
        next.left = size - 1;
        next.storeRemaining = res.remainingPoints;
        next.windowEnds = Date.now() + res.msBeforeNext;
      });
      this.leases.set(key, next);
      try {
        await next.drawing;
      } catch (error) {
        this.leases.delete(key);
        throw error;
      } finally {
        delete next.drawing;
      }
      return new RateLimiterRes(next.storeRemaining + next.left, drawn.msBeforeNext, undefined, undefined);
    }
  }
}

/** The insurance limiter: the same budget in this process's memory, reporting each use. */
class FallbackLimiter extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: Record<string, unknown>): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options);
  }
}
