import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { authConfig, ConfigError, createAuthenticator, isAppError, issueToken, parseApiConfig, type Authenticate } from '../../src/index.js';

const secret = 'unit-test-secret-with-at-least-32-chars';
const hs = (overrides: Partial<Parameters<typeof createAuthenticator>[0]> = {}) => createAuthenticator({ jwtSecret: secret, jwksUrl: '', issuer: '', audience: '', ...overrides });

async function refusal(authenticate: Authenticate, header: string): Promise<{ kind: string; message: string }> {
  try {
    await authenticate(header);
  } catch (error) {
    if (isAppError(error)) return { kind: error.kind, message: error.message };
    throw error;
  }
  throw new Error('the token was accepted');
}

describe('bearer token authentication', () => {
  it('reads the principal and its known roles from a valid HS256 token; no header means no principal', async () => {
    const token = await issueToken(secret, { sub: 'cust-ada', roles: ['customer'] });
    expect(await hs()(`Bearer ${token}`)).to.deep.equal({ id: 'cust-ada', roles: ['customer'] });
    const mixed = await new SignJWT({ roles: ['admin', 'auditor'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('staff-1').setExpirationTime('1h').sign(new TextEncoder().encode(secret));
    expect(await hs()(`Bearer ${mixed}`)).to.deep.equal({ id: 'staff-1', roles: ['admin'] });
    expect(await hs()(undefined)).to.equal(undefined);
  });

  it('refuses expired, foreign, unsigned and claim-less tokens as unauthorized', async () => {
    const key = new TextEncoder().encode(secret);
    const cases: [string, string][] = [
      ['expired', await issueToken(secret, { sub: 'a', roles: ['customer'], ttlSeconds: -5 })],
      ['other secret', await issueToken('x'.repeat(40), { sub: 'a', roles: ['customer'] })],
      ['no exp', await new SignJWT({ roles: ['customer'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('a').sign(key)],
      ['no sub', await new SignJWT({ roles: ['customer'] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(key)],
      ['no roles', await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setExpirationTime('1h').sign(key)],
      ['NUL in sub', await new SignJWT({ roles: ['customer'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('a\u0000b').setExpirationTime('1h').sign(key)],
      ['HS512', await new SignJWT({ roles: ['customer'] }).setProtectedHeader({ alg: 'HS512' }).setSubject('a').setExpirationTime('1h').sign(new TextEncoder().encode(secret.repeat(2)))],
      ['alg none', `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'a', roles: ['admin'], exp: 9e9 })).toString('base64url')}.`],
      ['garbage', 'a.b.c'],
    ];
    for (const [what, token] of cases) expect(await refusal(hs(), `Bearer ${token}`), what).to.include({ kind: 'unauthorized' });
    expect((await refusal(hs(), 'Basic abc')).message).to.match(/Bearer/);
  });

  it('verifies a token once and remembers it until it expires; a token that differs in its signature is verified on its own', async function () {
    this.timeout(10_000);
    const authenticate = hs();
    const token = await issueToken(secret, { sub: 'cust-ada', roles: ['customer'], ttlSeconds: 2 });
    const first = await authenticate(`Bearer ${token}`);
    // the same principal, not a second verification's copy
    expect(await authenticate(`Bearer ${token}`)).to.equal(first);
    const [header, payload, signature] = token.split('.');
    const forged = `${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
    expect(await refusal(authenticate, `Bearer ${forged}`)).to.include({ kind: 'unauthorized', message: 'the token signature is not valid' });
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(await refusal(authenticate, `Bearer ${token}`)).to.include({ kind: 'unauthorized', message: 'the token has expired' });
  });

  it('checks iss and aud when they are configured', async () => {
    const strict = hs({ issuer: 'https://id.example', audience: 'order-platform' });
    const good = await issueToken(secret, { sub: 'a', roles: ['customer'], issuer: 'https://id.example', audience: 'order-platform' });
    expect(await strict(`Bearer ${good}`)).to.deep.equal({ id: 'a', roles: ['customer'] });
    const wrongIssuer = await issueToken(secret, { sub: 'a', roles: ['customer'], issuer: 'https://evil.example', audience: 'order-platform' });
    expect((await refusal(strict, `Bearer ${wrongIssuer}`)).message).to.match(/iss/);
    const noAudience = await issueToken(secret, { sub: 'a', roles: ['customer'], issuer: 'https://id.example' });
    expect((await refusal(strict, `Bearer ${noAudience}`)).message).to.match(/aud/);
  });

  describe('with keys from a JWKS URL', () => {
    let server: Server;
    let jwksUrl: string;
    let privateKey: CryptoKey;
    let calls = 0;

    before(async () => {
      const pair = await generateKeyPair('RS256');
      privateKey = pair.privateKey;
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
      server = createServer((_req, res) => {
        calls++;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    });

    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("verifies tokens with the provider's keys, fetched once, and refuses an HS256 token signed with anything", async () => {
      const authenticate = createAuthenticator({ jwtSecret: '', jwksUrl, issuer: '', audience: '' });
      const sign = () => new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('staff-9').setExpirationTime('5m').sign(privateKey);
      expect(await authenticate(`Bearer ${await sign()}`)).to.deep.equal({ id: 'staff-9', roles: ['admin'] });
      expect(await authenticate(`Bearer ${await sign()}`)).to.deep.equal({ id: 'staff-9', roles: ['admin'] });
      expect(calls).to.equal(1);
      const confused = await issueToken(secret, { sub: 'staff-9', roles: ['admin'] });
      expect(await refusal(authenticate, `Bearer ${confused}`)).to.include({ kind: 'unauthorized' });
    });

    it('answers transient (503), not 401, when the key set cannot be fetched', async () => {
      const authenticate = createAuthenticator({ jwtSecret: '', jwksUrl: 'http://127.0.0.1:1/jwks.json', issuer: '', audience: '' });
      const token = await new SignJWT({ roles: ['admin'] }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('s').setExpirationTime('5m').sign(privateKey);
      expect(await refusal(authenticate, `Bearer ${token}`)).to.include({ kind: 'transient' });
    });
  });

  it('an api configuration needs exactly one way to verify tokens, and a long enough secret', () => {
    const problems = (env: Record<string, string>) => {
      try {
        parseApiConfig(authConfig, env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ JWT_SECRET: secret })).to.deep.equal([]);
    expect(problems({ AUTH_JWKS_URL: 'https://id.example/jwks' })).to.deep.equal([]);
    expect(problems({})[0]).to.match(/JWT_SECRET or AUTH_JWKS_URL must be set/);
    expect(problems({ JWT_SECRET: secret, AUTH_JWKS_URL: 'https://id.example/jwks' })[0]).to.match(/only one/);
    expect(problems({ JWT_SECRET: 'short' })[0]).to.match(/at least 32/);
  });
});
