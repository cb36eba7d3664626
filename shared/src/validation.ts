import { Ajv, type ErrorObject, type JSONSchemaType, type SchemaObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { AppError } from './errors.js';

// ajv-formats ships CommonJS with a default export; under NodeNext it arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** The one ajv instance: routes, events and config-independent schemas compile here. */
export const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);

export interface ValidationIssue {
  path: string;
  message: string;
}

export function describeErrors(errors: ErrorObject[] | null | undefined): ValidationIssue[] {
  return (errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? `: ${String(e.params['additionalProperty'])}` : '';
    const path = e.keyword === 'required' ? `${e.instancePath}/${String(e.params['missingProperty'])}` : e.instancePath;
    return { path: path || '/', message: `${e.message ?? 'is invalid'}${extra}` };
  });
}

export type Validator<T> = (value: unknown) => T;

/**
 * Compile once; the returned function returns the value typed, or throws a `bad_request`
 * AppError, also for a string Postgres cannot store (see `assertStorable`).
 */
export function validator<T>(schema: JSONSchemaType<T> | SchemaObject, what: string): Validator<T> {
  const validate = ajv.compile<T>(schema);
  return (value: unknown): T => {
    if (!validate(value)) throw new AppError('bad_request', `${what} is invalid`, { details: { errors: describeErrors(validate.errors) } });
    assertStorable(value, what);
    return value;
  };
}

/**
 * Refuses input holding a string Postgres cannot store: a NUL character (text and jsonb reject
 * it, 22021) or a lone surrogate (not Unicode; jsonb rejects its escape). Keys count too.
 */
export function assertStorable(value: unknown, what: string): void {
  const path = unstorableAt(value, '');
  if (path !== undefined) {
    throw new AppError('bad_request', `${what} is invalid`, {
      details: { errors: [{ path: path || '/', message: 'must not contain NUL characters or unpaired surrogates' }] },
    });
  }
}

function unstorableAt(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return storable(value) ? undefined : path;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const at = `${path}/${key}`;
    if (!storable(key)) return at;
    const found = unstorableAt(item, at);
    if (found !== undefined) return found;
  }
  return undefined;
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function storable(text: string): boolean {
  return !text.includes('\u0000') && !loneSurrogate.test(text);
}
