import type { SchemaObject } from 'ajv';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Context } from 'koa';
import type { Logger } from '../logger.js';
import { AppError } from '../errors.js';
import { assertStorable, describeErrors, validator } from '../validation.js';
import { authorize, type Access, type Principal } from './auth.js';

const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

// Query strings and path parameters arrive as strings: this instance coerces them to the schema's types.
const coercing = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: true });
addFormats(coercing);

export interface RouteRequest<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  header(name: string): string | undefined;
  /** who is calling; on a public route without a token, `anonymous` (no id, no roles) */
  principal: Principal;
  log: Logger;
  /** the base URL of this request, for Location headers */
  path: string;
}

export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteDefinition<B = unknown, Q = unknown, P = unknown> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** koa-router path, e.g. `/orders/:id` */
  path: string;
  summary: string;
  tag?: string;
  /** who may call it: 'public', or the roles of which the caller needs one */
  access: Access;
  body?: SchemaObject;
  /** a valid body, shown in /docs (and sent by its "Try it out"); system-tests check it against `body` */
  bodyExample?: unknown;
  query?: SchemaObject;
  params?: SchemaObject;
  /** extra request headers worth documenting */
  headers?: Record<string, string>;
  /** each status's body: its schema and an example (checked against it by system-tests); errors default to problem+json with an example made from the description */
  responses: Record<number, { description: string; schema?: SchemaObject; example?: unknown; contentType?: string }>;
  handle(request: RouteRequest<B, Q, P>): Promise<RouteResult>;
}

/** Declares a route: its schemas validate the request and document it in /openapi.json. */
export function route<B = unknown, Q = unknown, P = unknown>(definition: RouteDefinition<B, Q, P>): RouteDefinition {
  return definition as unknown as RouteDefinition;
}

export const anonymous: Principal = Object.freeze({ id: '', roles: [] });

/** Turns a definition into koa middleware: validate, call the handler, write the result. */
export function routeMiddleware(definition: RouteDefinition) {
  const validateBody = definition.body ? validator<unknown>(definition.body, 'request body') : undefined;
  const validateQuery = definition.query ? coercing.compile(definition.query) : undefined;
  const validateParams = definition.params ? coercing.compile(definition.params) : undefined;
  return async (ctx: Context): Promise<void> => {
    const principal = ctx.state['principal'] as Principal | undefined;
    authorize(principal, definition.access);
    let body: unknown;
    if (validateBody) {
      if (!ctx.is('application/json')) throw new AppError('unsupported_media_type', 'send the body as application/json');
      body = validateBody((ctx.request as { body?: unknown }).body);
    }
    const query = { ...ctx.query };
    assertStorable(query, 'query');
    if (validateQuery && !validateQuery(query)) {
      throw new AppError('bad_request', 'query is invalid', { details: { errors: describeErrors(validateQuery.errors) } });
    }
    const params = { ...(ctx as unknown as { params: Record<string, string> }).params };
    if (validateParams && !validateParams(params)) {
      throw new AppError('not_found', `no resource at ${ctx.path}`, { details: { errors: describeErrors(validateParams.errors) } });
    }
    const result = await definition.handle({
      body,
      query,
      params,
      header: (name) => ctx.get(name) || undefined,
      principal: principal ?? anonymous,
      log: ctx.state['log'] as Logger,
      path: ctx.path,
    });
    ctx.status = result.status;
    if (result.headers) ctx.set(result.headers);
    if (result.body !== undefined) ctx.body = result.body;
  };
}
