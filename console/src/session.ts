import { decodeJwt } from 'jose';
import type { Context, Next } from 'koa';
import { isAdmin, isAppError, type Authenticate, type Principal } from '@order-platform/shared';

/** The cookie that carries the staff's bearer token: httpOnly (no script reads it), SameSite=Strict. */
export const tokenCookie = 'console_token';

export interface Staff {
  principal: Principal;
  token: string;
}

export type SignIn = { ok: true; token: string; expires: Date; principal: Principal } | { ok: false; status: 401 | 403; message: string };

/** Verifies a pasted token as the apis would, and requires role admin. */
export async function checkStaffToken(authenticate: Authenticate, pasted: string): Promise<SignIn> {
  const token = pasted.trim().replace(/^Bearer\s+/i, '');
  if (!token) return { ok: false, status: 401, message: 'paste a bearer token' };
  let principal: Principal | undefined;
  try {
    principal = await authenticate(`Bearer ${token}`);
  } catch (error) {
    return { ok: false, status: 401, message: isAppError(error) ? `this token is not accepted: ${error.message}` : 'this token is not accepted' };
  }
  if (!principal || !isAdmin(principal)) {
    return { ok: false, status: 403, message: `the console is for staff: ${principal?.id ?? 'this token'} has no admin role (roles: ${principal?.roles.join(', ') || 'none'})` };
  }
  // verified above, so exp is there (the authenticator requires it)
  return { ok: true, token, principal, expires: new Date(Number(decodeJwt(token).exp) * 1000) };
}

export function setTokenCookie(ctx: Context, token: string, expires: Date): void {
  ctx.cookies.set(tokenCookie, token, { httpOnly: true, sameSite: 'strict', secure: ctx.secure, expires, path: '/', overwrite: true });
}

export function clearTokenCookie(ctx: Context): void {
  ctx.cookies.set(tokenCookie, '', { httpOnly: true, sameSite: 'strict', secure: ctx.secure, expires: new Date(0), path: '/', overwrite: true });
}

/**
 * Every page but sign-in: a valid admin token in the cookie, or off to /sign-in (an htmx
 * request is told with HX-Redirect, so a fragment never lands inside a page).
 */
export function requireStaff(authenticate: Authenticate) {
  return async function staffOnly(ctx: Context, next: Next): Promise<void> {
    const cookie = ctx.cookies.get(tokenCookie);
    const checked = cookie ? await checkStaffToken(authenticate, cookie) : undefined;
    if (!checked?.ok) {
      if (cookie) clearTokenCookie(ctx);
      if (ctx.get('HX-Request')) {
        ctx.set('HX-Redirect', '/sign-in');
        ctx.status = 401;
        return;
      }
      ctx.redirect('/sign-in');
      return;
    }
    ctx.state['staff'] = { token: checked.token, principal: checked.principal } satisfies Staff;
    await next();
  };
}

/**
 * CSRF: mutations are POST only, the cookie is SameSite=Strict, and a POST must come from a
 * page of this console: its Origin (browsers send it on every POST) must be the console's own.
 */
export async function sameOriginPosts(ctx: Context, next: Next): Promise<void> {
  if (ctx.method === 'POST') {
    const origin = ctx.get('Origin');
    // not ctx.origin: in koa 3 that is the Origin header itself
    if (!origin || origin !== `${ctx.protocol}://${ctx.host}`) {
      ctx.status = 403;
      ctx.type = 'text/plain';
      ctx.body = 'cross-origin POST refused';
      return;
    }
  }
  await next();
}
