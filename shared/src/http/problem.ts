import type { Context, Next } from 'koa';
import { AppError, isAppError, type ErrorKind } from '../errors.js';
import type { Logger } from '../logger.js';

const statusOfKind: Record<ErrorKind, number> = {
  bad_request: 400,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  transient: 503,
  permanent: 500,
};

const titles: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId?: string;
  [extension: string]: unknown;
}

/**
 * The API's one error policy: every error becomes an RFC 9457 problem+json. AppErrors map by
 * kind; errors from koa's own middleware (bad JSON, body too large, 405) keep their status
 * when they are safe to expose; anything else is a 500 that reveals nothing of its internals
 * and is logged with its cause.
 */
export function problemMiddleware(log: Logger) {
  return async function problems(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found', `no route for ${ctx.method} ${ctx.path}`);
    } catch (error) {
      const problem = toProblem(error, ctx);
      if (problem.status >= 500) (ctx.state['log'] as Logger | undefined ?? log).error({ err: error }, 'request failed');
      ctx.status = problem.status;
      ctx.type = 'application/problem+json';
      ctx.body = problem;
      const allow = (error as { headers?: Record<string, string> }).headers?.['Allow'];
      if (allow) ctx.set('Allow', allow);
    }
  };
}

function toProblem(error: unknown, ctx: Context): Problem {
  const base = { instance: ctx.path, requestId: ctx.state['requestId'] as string | undefined };
  if (isAppError(error)) {
    const status = statusOfKind[error.kind];
    return {
      type: `/problems/${error.kind.replaceAll('_', '-')}`,
      title: titles[status] ?? 'Error',
      status,
      detail: status >= 500 && error.kind === 'permanent' ? 'internal error' : error.message,
      ...base,
      ...(error.details ?? {}),
    };
  }
  const http = error as { status?: unknown; expose?: boolean; message?: string; type?: string };
  if (typeof http.status === 'number' && http.status >= 400 && http.status < 500 && http.expose !== false) {
    const status = http.type === 'entity.too.large' ? 413 : http.status;
    return {
      type: `/problems/${slug(titles[status] ?? 'client-error')}`,
      title: titles[status] ?? 'Client Error',
      status,
      detail: describeHttpError(http.type, http.message),
      ...base,
    };
  }
  return { type: '/problems/internal', title: titles[500]!, status: 500, detail: 'internal error', ...base };
}

function describeHttpError(type: string | undefined, message: string | undefined): string {
  if (type === 'entity.too.large') return 'request body is too large';
  if (type === 'entity.parse.failed' || /JSON/i.test(message ?? '')) return 'request body is not valid JSON';
  return message ?? 'bad request';
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
