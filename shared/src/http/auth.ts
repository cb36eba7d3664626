import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import { AppError } from '../errors.js';
import { idPattern } from '../events/fields.js';

/**
 * Bearer JWTs (RFC 6750) verified with jose: keys from an OIDC provider's JWKS, or, for local
 * runs, one HS256 secret. `sub` is the principal; the `roles` claim says what it may do.
 */
export const roles = ['customer', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface Principal {
  /** the token's `sub`: for a customer, their customer id */
  id: string;
  roles: Role[];
}

/** Who may call a route: anyone, or a principal with one of these roles. */
export type Access = 'public' | readonly Role[];

export interface AuthSettings {
  /** HS256 secret (local runs); used when no JWKS URL is set */
  jwtSecret: string;
  /** an OIDC provider's JWKS endpoint */
  jwksUrl: string;
  /** expected `iss` and `aud`; empty: not checked */
  issuer: string;
  audience: string;
}

/** A principal id is a customer id where the principal is a customer: the same shape. */
export const principalIdPattern = idPattern;
const principalId = new RegExp(principalIdPattern);

export type Authenticate = (authorization: string | undefined) => Promise<Principal | undefined>;

/**
 * Returns a function that reads the Authorization header: undefined without one, the principal
 * for a valid token, and a 401 AppError for anything else (malformed, bad signature, expired,
 * wrong issuer or audience, unusable subject or roles).
 */
export function createAuthenticator(settings: AuthSettings): Authenticate {
  const key: Uint8Array | JWTVerifyGetKey = settings.jwksUrl ? createRemoteJWKSet(new URL(settings.jwksUrl)) : new TextEncoder().encode(settings.jwtSecret);
  const options = {
    // never 'none', and never HS256 with a JWKS (an attacker could sign with the public key)
    algorithms: settings.jwksUrl ? ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] : ['HS256'],
    requiredClaims: ['exp', 'sub'],
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    ...(settings.audience ? { audience: settings.audience } : {}),
  };
  return async (authorization) => {
    if (authorization === undefined || authorization === '') return undefined;
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization);
    if (!match) throw unauthorized('the Authorization header must be "Bearer <token>"', 'invalid_request');
    let payload;
    try {
      ({ payload } = await jwtVerify(match[1]!, key as JWTVerifyGetKey, options));
    } catch (error) {
      // the provider's key set could not be fetched: not the caller's fault
      if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
        throw new AppError('transient', 'cannot verify tokens right now', { cause: error });
      }
      throw unauthorized(describeJoseError(error), 'invalid_token');
    }
    const sub = payload.sub ?? '';
    if (!principalId.test(sub)) throw unauthorized('the token subject is not a usable principal id', 'invalid_token');
    const claimed = payload['roles'];
    if (!Array.isArray(claimed)) throw unauthorized('the token has no roles claim', 'invalid_token');
    return { id: sub, roles: roles.filter((role) => claimed.includes(role)) };
  };
}

/** Throws 401 without a principal, 403 when it has none of the roles. */
export function authorize(principal: Principal | undefined, access: Access): void {
  if (access === 'public') return;
  if (!principal) throw unauthorized('this endpoint needs a bearer token');
  if (!access.some((role) => principal.roles.includes(role))) {
    throw new AppError('forbidden', `this endpoint is for ${access.join(' or ')}`, { details: { requiredRoles: access } });
  }
}

export function isAdmin(principal: Principal | undefined): boolean {
  return principal?.roles.includes('admin') ?? false;
}

function unauthorized(message: string, error?: 'invalid_request' | 'invalid_token'): AppError {
  return new AppError('unauthorized', message, { details: error ? { error } : {} });
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'the token algorithm is not accepted';
  return 'the token is not valid';
}

/**
 * Signs an HS256 token, for `make token`, the dev scripts and tests. Production tokens come
 * from an identity provider.
 */
export async function issueToken(
  secret: string,
  claims: { sub: string; roles: Role[]; ttlSeconds?: number; issuer?: string; audience?: string },
): Promise<string> {
  let jwt = new SignJWT({ roles: claims.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (claims.ttlSeconds ?? 12 * 3600));
  if (claims.issuer) jwt = jwt.setIssuer(claims.issuer);
  if (claims.audience) jwt = jwt.setAudience(claims.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
