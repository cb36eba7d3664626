import { createRemoteJWKSet, errors as joseErrors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { webcrypto } from 'node:crypto';
import { LRUCache } from 'lru-cache';
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

/** Tokens remembered as verified, at most, and for how long at most (a JWKS key rotated out stops being trusted within it). */
const VERIFIED_TOKENS = 10_000;
const VERIFIED_FOR_MS = 60_000;

/**
 * Returns a function that reads the Authorization header: undefined without one, the principal
 * for a valid token, and a 401 AppError for anything else (malformed, bad signature, expired,
 * wrong issuer or audience, unusable subject or roles).
 *
 * A client sends one token with many requests, so a token verified once is remembered (keyed by
 * the whole token, signature included, so nothing but that exact token matches) until it
 * expires, or for a minute at most; the HS256 key is imported once, not per request.
 */
export function createAuthenticator(settings: AuthSettings): Authenticate {
  const key: Promise<webcrypto.CryptoKey> | JWTVerifyGetKey = settings.jwksUrl
    ? createRemoteJWKSet(new URL(settings.jwksUrl))
    : webcrypto.subtle.importKey('raw', new TextEncoder().encode(settings.jwtSecret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const options = {
    // never 'none', and never HS256 with a JWKS (an attacker could sign with the public key)
    algorithms: settings.jwksUrl ? ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] : ['HS256'],
    requiredClaims: ['exp', 'sub'],
    ...(settings.issuer ? { issuer: settings.issuer } : {}),
    ...(settings.audience ? { audience: settings.audience } : {}),
  };
  const verified = new LRUCache<string, Principal>({ max: VERIFIED_TOKENS });
  return async (authorization) => {
    if (authorization === undefined || authorization === '') return undefined;
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization);
    if (!match) throw unauthorized('the Authorization header must be "Bearer <token>"', 'invalid_request');
    const token = match[1]!;
    const known = verified.get(token);
    if (known) return known;
    let payload: JWTPayload;
    try {
      ({ payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, await key, options));
    } catch (error) {
      // the provider's key set could not be fetched: not the caller's fault
      if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
        throw new AppError('transient', 'cannot verify tokens right now', { cause: error });
      }
      throw unauthorized(describeJoseError(error), 'invalid_token');
    }
    const principal = principalOf(payload);
    // exp is required and checked: remembered until then (jose allows no clock tolerance here either)
    const ttl = Math.min(VERIFIED_FOR_MS, payload.exp! * 1000 - Date.now());
    if (ttl > 0) verified.set(token, principal, { ttl });
    return principal;
  };
}

function principalOf(payload: JWTPayload): Principal {
  const sub = payload.sub ?? '';
  if (!principalId.test(sub)) throw unauthorized('the token subject is not a usable principal id', 'invalid_token');
  const claimed = payload['roles'];
  if (!Array.isArray(claimed)) throw unauthorized('the token has no roles claim', 'invalid_token');
  return Object.freeze({ id: sub, roles: roles.filter((role) => claimed.includes(role)) });
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
