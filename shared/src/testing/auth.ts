import { issueToken, type Role } from '../http/auth.js';

/** The HS256 secret every service under test verifies tokens with (startServiceUnderTest sets JWT_SECRET to it). */
export const testJwtSecret = 'test-only-jwt-secret-0123456789abcdef';

/** An Authorization header for a principal, to pass as `call`'s headers. */
export async function bearer(sub: string, roles: Role[], options: { ttlSeconds?: number; secret?: string } = {}): Promise<{ authorization: string }> {
  const token = await issueToken(options.secret ?? testJwtSecret, { sub, roles, ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}) });
  return { authorization: `Bearer ${token}` };
}

export const asAdmin = (sub = 'staff-admin'): Promise<{ authorization: string }> => bearer(sub, ['admin']);
export const asCustomer = (customerId: string): Promise<{ authorization: string }> => bearer(customerId, ['customer']);
