/** One HTTP call for tests: JSON in (a string body is sent as is), status, headers and parsed JSON out. */
export async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : undefined) as any };
}

type Auth = { authorization: string };

/**
 * `call` on behalf of a principal: its Authorization header goes with every request (a request's
 * own headers win). Domain tests call as staff (`callAs(asAdmin())`); access tests use `call`.
 */
export function callAs(auth: Auth | Promise<Auth>) {
  return async (base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => call(base, method, path, body, { ...(await auth), ...headers });
}
