import type { Context, Next } from 'koa';
import { AppError, isAppError, isUnavailable, type ErrorKind } from '../errors.js';
import type { Logger } from '../logger.js';

const statusOfKind: Record<ErrorKind, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  transient: 503,
  permanent: 500,
};

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
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
export function problemMiddleware(log: Logger, realm = 'order-platform') {
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
      if (problem.status === 503) ctx.set('Retry-After', ctx.response.get('Retry-After') || '5');
      const allow = (error as { headers?: Record<string, string> }).headers?.['Allow'];
      if (allow) ctx.set('Allow', allow);
      if (problem.status === 401) ctx.set('WWW-Authenticate', challenge(realm, problem));
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
  // Postgres or NATS away (restarting, unreachable): the client may try again, and nothing is broken
  if (isUnavailable(error)) {
    return { type: '/problems/transient', title: titles[503]!, status: 503, detail: 'a dependency of this service is briefly unavailable; try again shortly', ...base };
  }
  return { type: '/problems/internal', title: titles[500]!, status: 500, detail: 'internal error', ...base };
}

/** What an error of `status` looks like, for the examples of /openapi.json. */
export function problemExample(status: number, detail: string): Problem {
  const kind = (Object.keys(statusOfKind) as ErrorKind[]).find((k) => statusOfKind[k] === status);
  const type = kind ? kind.replaceAll('_', '-') : slug(titles[status] ?? 'error');
  return { type: `/problems/${type}`, title: titles[status] ?? 'Error', status, detail, instance: '/…', requestId: '5f0c6f3e-8d1a-4b8e-9a57-2f4c1d9e7b21' };
}

/**
 * A whole HTTP response for a request Node's parser refused before koa saw it (headers or URL
 * over the limit, malformed syntax): still problem+json, then the connection closes.
 */
export function parserRefusal(code: string | undefined): string {
  const status = code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const detail = status === 431 ? 'the request line or headers are too large' : 'the request is not valid HTTP';
  const body = JSON.stringify({ type: `/problems/${slug(titles[status]!)}`, title: titles[status], status, detail });
  return `HTTP/1.1 ${status} ${titles[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** RFC 6750 §3: the scheme, and why a presented token was refused. */
function challenge(realm: string, problem: Problem): string {
  const error = typeof problem['error'] === 'string' ? `, error="${problem['error']}", error_description="${problem.detail.replaceAll('"', "'")}"` : '';
  return `Bearer realm="${realm}"${error}`;
}

function describeHttpError(type: string | undefined, message: string | undefined): string {
  if (type === 'entity.too.large') return 'request body is too large';
  if (type === 'entity.parse.failed' || /JSON/i.test(message ?? '')) return 'request body is not valid JSON';
  return message ?? 'bad request';
}

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
