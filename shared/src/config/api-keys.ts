import { ConfigError, defineConfig, parseConfig, type ConfigOf, type ConfigSpec } from './spec.js';

/** Keys of api processes. */
export const apiConfig = defineConfig({
  bodyLimit: { env: 'HTTP_BODY_LIMIT', type: 'string', pattern: '^[0-9]+(b|kb|mb)$', default: '64kb', description: 'largest accepted JSON body' },
  dbPoolMax: { env: 'DB_POOL_MAX', type: 'integer', minimum: 1, default: 10, description: 'Postgres connections per process' },
  // Budgets per 60 s window, counted in the service's Postgres so every replica shares them. A
  // customer's are what a person or their app needs with room to spare; staff and internal
  // services (role admin) get a class of their own, high enough for `make bench` (500 orders/s).
  rateLimitReadsPerMinute: {
    env: 'RATE_LIMIT_READS_PER_MINUTE',
    type: 'integer',
    minimum: 1,
    default: 600,
    description: 'GET/HEAD requests per minute of one principal (token `sub`) or, without a token, one client address; admins have RATE_LIMIT_ADMIN_PER_MINUTE',
  },
  rateLimitWritesPerMinute: {
    env: 'RATE_LIMIT_WRITES_PER_MINUTE',
    type: 'integer',
    minimum: 1,
    default: 120,
    description: 'POST/PUT/PATCH/DELETE requests per minute of one principal or, without a token, one client address; admins have RATE_LIMIT_ADMIN_PER_MINUTE',
  },
  rateLimitAdminPerMinute: {
    env: 'RATE_LIMIT_ADMIN_PER_MINUTE',
    type: 'integer',
    minimum: 1,
    default: 120_000,
    description: 'requests of any method per minute of one principal with role admin (staff, internal services, `make bench`)',
  },
  trustedProxyHops: {
    env: 'TRUSTED_PROXY_HOPS',
    type: 'integer',
    minimum: 0,
    maximum: 10,
    default: 0,
    description: 'reverse proxies in front of the api that append to X-Forwarded-For; an anonymous client is rate-limited by the address the outermost of them saw. 0: by the peer address (X-Forwarded-For ignored)',
  },
});

/**
 * Keys of api processes: how bearer tokens are verified. Exactly one of JWT_SECRET and
 * AUTH_JWKS_URL is set (checked by `parseApiConfig`).
 */
export const authConfig = defineConfig({
  jwtSecret: {
    env: 'JWT_SECRET',
    type: 'string',
    default: '',
    description: 'HS256 secret that signs bearer tokens, at least 32 characters (local runs; `make dev` sets a development one). A secret: unset by default',
  },
  jwksUrl: { env: 'AUTH_JWKS_URL', type: 'string', pattern: '^(https?://.+)?$', default: '', description: "an OIDC provider's JWKS URL; when set, tokens are verified with its keys (RS256, PS256, ES256, ES384, EdDSA) instead of JWT_SECRET" },
  issuer: { env: 'AUTH_ISSUER', type: 'string', default: '', description: 'the `iss` every token must carry; empty: not checked' },
  audience: { env: 'AUTH_AUDIENCE', type: 'string', default: '', description: 'the `aud` every token must carry; empty: not checked' },
});

/** parseConfig, plus the rule that exactly one way to verify tokens is configured. */
export function parseApiConfig<S extends ConfigSpec & typeof authConfig>(spec: S, env: Record<string, string | undefined>): ConfigOf<S> {
  const config = parseConfig(spec, env);
  const { jwtSecret, jwksUrl } = config as unknown as ConfigOf<typeof authConfig>;
  if (!jwtSecret && !jwksUrl) throw new ConfigError(['JWT_SECRET or AUTH_JWKS_URL must be set: api endpoints need a way to verify bearer tokens']);
  if (jwtSecret && jwksUrl) throw new ConfigError(['set only one of JWT_SECRET and AUTH_JWKS_URL']);
  if (jwtSecret && jwtSecret.length < 32) throw new ConfigError(['JWT_SECRET must be at least 32 characters']);
  return config;
}
