import { Ajv } from 'ajv';

/**
 * Typed configuration from environment variables. Each key names its variable, its type,
 * a description and (except for secrets) a default; `parseConfig` validates all of them with
 * ajv and reports every bad key at once.
 */
type KeySpec =
  | { env: string; type: 'string'; description: string; default?: string; enum?: readonly string[]; pattern?: string; minLength?: number }
  | { env: string; type: 'integer' | 'number'; description: string; default?: number; minimum?: number; maximum?: number }
  | { env: string; type: 'boolean'; description: string; default?: boolean };

export type ConfigSpec = Record<string, KeySpec>;

type ValueOf<K extends KeySpec> = K extends { type: 'string'; enum: readonly (infer E)[] }
  ? E
  : K extends { type: 'string' }
    ? string
    : K extends { type: 'boolean' }
      ? boolean
      : number;

export type ConfigOf<S extends ConfigSpec> = { readonly [P in keyof S]: ValueOf<S[P]> };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
  }
}

export function defineConfig<const S extends ConfigSpec>(spec: S): S {
  return spec;
}

export function parseConfig<S extends ConfigSpec>(spec: S, env: Record<string, string | undefined>): ConfigOf<S> {
  const properties: Record<string, object> = {};
  const required: string[] = [];
  const input: Record<string, unknown> = {};
  for (const key of Object.values(spec)) {
    const { env: name, description: _description, ...schema } = key;
    properties[name] = schema;
    if (!('default' in key) || key.default === undefined) required.push(name);
    const raw = env[name];
    if (raw !== undefined && raw !== '') input[name] = raw;
  }
  const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true });
  const validate = ajv.compile({ type: 'object', properties, required });
  if (!validate(input)) {
    const problems = (validate.errors ?? []).map((e) => {
      const name = e.instancePath.slice(1) || String(e.params['missingProperty'] ?? '');
      const got = name in input ? ` (got ${JSON.stringify(env[name])})` : '';
      return `${name} ${e.message ?? 'is invalid'}${got}`;
    });
    throw new ConfigError(problems);
  }
  const result: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(spec)) result[field] = input[key.env];
  return result as ConfigOf<S>;
}

/** A markdown table of the keys, for READMEs and `--help`. */
export function describeConfig(spec: ConfigSpec): string {
  const rows = Object.values(spec).map(
    (k) => `| \`${k.env}\` | ${k.type} | ${'default' in k && k.default !== undefined ? `\`${String(k.default)}\`` : '(required)'} | ${k.description} |`,
  );
  return ['| variable | type | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
