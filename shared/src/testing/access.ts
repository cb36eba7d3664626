import { expect } from 'chai';
import { bearer } from './auth.js';
import { call } from './http.js';

/** The principals access tests call as: nobody, a token without a usable role, customers, staff. */
export async function principals() {
  return {
    none: {} as Record<string, string>,
    noRole: await bearer('cust-norole', []),
    ada: await bearer('cust-ada', ['customer']),
    grace: await bearer('cust-grace', ['customer']),
    admin: await bearer('staff-1', ['admin']),
  };
}

/**
 * Calls a route and checks the answer: the status, and for an error a problem+json body with
 * that status; a 401 also carries the Bearer challenge (RFC 6750).
 */
export async function expectAnswer(base: string, method: string, path: string, auth: Record<string, string>, status: number, body?: unknown) {
  const response = await call(base, method, path, body, auth);
  const what = `${method} ${path} as ${auth['authorization'] ? 'a token holder' : 'nobody'}`;
  expect(response.status, `${what}: ${JSON.stringify(response.body)}`).to.equal(status);
  if (status >= 400) {
    expect(response.headers.get('content-type'), what).to.match(/^application\/problem\+json/);
    expect(response.body, what).to.include({ status });
  }
  if (status === 401) expect(response.headers.get('www-authenticate'), what).to.match(/^Bearer realm="/);
  return response;
}
