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

/** Compile once; the returned function returns the value typed, or throws a `bad_request` AppError. */
export function validator<T>(schema: JSONSchemaType<T> | SchemaObject, what: string): Validator<T> {
  const validate = ajv.compile<T>(schema);
  return (value: unknown): T => {
    if (validate(value)) return value;
    throw new AppError('bad_request', `${what} is invalid`, { details: { errors: describeErrors(validate.errors) } });
  };
}
