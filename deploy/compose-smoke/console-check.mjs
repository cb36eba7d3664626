// The operator console in the stack, as a browser uses it: the sign-in page for a visitor without a
// session, a form post of an admin's token (with the Origin a browser sends, which the console
// checks) that gives the session cookie, and the pages behind it reading every service with that
// token: the smoke's orders, one order's timeline, analytics-service's consumers, the dead
// letters, the analytics charts. A customer's token
// and a post from elsewhere are refused.
import { out, fail } from './check.mjs';
import { containers, published } from './stack.mjs';
import { http, admin, tokenOf, apis } from './client.mjs';
import { smokeOrders } from './order-checks.mjs';

/** one request as a browser sends it; redirects are followed only when asked (`follow`) */
async function browse(method, url, { cookie, origin, form, follow = false } = {}) {
  const response = await fetch(url, {
    method,
    redirect: follow ? 'follow' : 'manual',
    headers: { accept: 'text/html', ...(cookie ? { cookie } : {}), ...(origin ? { origin } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form ? new URLSearchParams(form).toString() : undefined,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, url: response.url, location: response.headers.get('location'), cookies: response.headers.getSetCookie(), text: await response.text() };
}

/** a page behind sign-in: 200, every service it reads answered (no "is down" / "refused" notice) */
async function staffPage(base, path, cookie) {
  const page = await browse('GET', `${base}${path}`, { cookie });
  if (page.status !== 200) fail(`GET ${path} with the session cookie: ${page.status} ${page.location ?? page.text.slice(0, 200)}`);
  if (page.text.includes('action="/sign-in"')) fail(`GET ${path} with the session cookie shows the sign-in page`);
  const notices = [...page.text.matchAll(/<p class="down"[^>]*>([\s\S]*?)<\/p>/g)].map((m) => m[1].replace(/<[^>]+>/g, ''));
  if (notices.length) fail(`GET ${path}: ${notices.join('; ')}`);
  return page.text;
}

export async function consoleCheck() {
  const [running] = (await containers()).filter((c) => c.service === 'console' && c.state.Status === 'running');
  if (!running) fail('no console container runs');
  if (running.health !== 'healthy') fail(`${running.name} is ${running.health}, not healthy`);
  const base = await published('console', 3007);
  const origin = base; // http://127.0.0.1:<port>: what a browser on the published port sends
  const placed = smokeOrders();

  // a visitor without a session: / leads to the sign-in form
  const visitor = await browse('GET', `${base}/`, { follow: true });
  if (visitor.status !== 200 || new URL(visitor.url).pathname !== '/sign-in' || !visitor.text.includes('<form method="post" action="/sign-in"')) {
    fail(`GET / without a session: ${visitor.status} at ${visitor.url}, not the sign-in form`);
  }
  out(`${running.name} healthy; GET / without a session → ${new URL(visitor.url).pathname} (200, the sign-in form)`);

  // refused: a customer's token (403, no cookie), and an admin's token posted from another origin
  const customer = await browse('POST', `${base}/sign-in`, { origin, form: { token: await tokenOf('cust-ada', 'customer') } });
  if (customer.status !== 403 || customer.cookies.some((c) => /^console_token=[^;]/.test(c))) {
    fail(`signing in with a customer's token: ${customer.status}, cookies ${JSON.stringify(customer.cookies)}; expected 403 and no session`);
  }
  const elsewhere = await browse('POST', `${base}/sign-in`, { origin: 'http://evil.example', form: { token: await admin() } });
  if (elsewhere.status !== 403) fail(`a sign-in posted from http://evil.example: ${elsewhere.status}, expected 403`);
  out('sign-in with a customer\'s token: 403, no session; an admin\'s token posted from another origin: 403');

  // an admin's token: 303 to /orders with the session cookie (httpOnly, SameSite=Strict)
  const signedIn = await browse('POST', `${base}/sign-in`, { origin, form: { token: await admin() } });
  const session = signedIn.cookies.find((c) => c.startsWith('console_token='));
  if (signedIn.status !== 303 || signedIn.location !== '/orders' || !session) {
    fail(`signing in with an admin's token: ${signedIn.status} → ${signedIn.location}, cookies ${JSON.stringify(signedIn.cookies)}`);
  }
  if (!/;\s*httponly/i.test(session) || !/;\s*samesite=strict/i.test(session)) fail(`the session cookie is not httpOnly and SameSite=Strict: ${session.replace(/=[^;]+/, '=…')}`);
  const cookie = session.split(';')[0];
  out('sign-in with an admin\'s token: 303 → /orders, cookie console_token (httpOnly, SameSite=Strict)');

  // the newest orders, then each smoke order found by its id (the page's search: later steps add orders)
  const newest = await staffPage(base, '/orders', cookie);
  if (!newest.includes('data-order-id="')) fail('/orders lists no order at all');
  for (const o of placed) {
    const found = await staffPage(base, `/orders?q=${encodeURIComponent(o.id)}`, cookie);
    const row = found.match(new RegExp(`<tr data-order-id="${o.id}">[\\s\\S]*?</tr>`))?.[0];
    if (!row) fail(`/orders?q=${o.id} does not list the smoke's order`);
    const status = o.outcome.split('/')[0];
    if (!row.includes(`status-${status}`)) fail(`/orders lists ${o.id} without its status ${status}: ${row.replace(/\s+/g, ' ')}`);
  }
  out(`/orders: 200, ${newest.match(/<tr data-order-id=/g).length} newest orders; the smoke's ${placed.map((o) => `${o.id} (${o.outcome.split('/')[0]})`).join(', ')} found by id`);

  // one order's timeline: its status, and entries from every service, each read with the staff's token
  const confirmed = placed.find((o) => o.outcome === 'confirmed');
  const timeline = await staffPage(base, `/orders/${confirmed.id}`, cookie);
  if (!/id="order-status">confirmed</.test(timeline)) fail(`/orders/${confirmed.id} does not show it confirmed`);
  const from = new Set([...timeline.matchAll(/<tr class="entry" data-service="([^"]+)"/g)].map((m) => m[1]));
  const silent = ['order', 'stock', 'payment', 'notification', 'analytics'].map((s) => `${s}-service`).filter((s) => !from.has(s));
  if (silent.length) fail(`/orders/${confirmed.id}: the timeline has no entry of ${silent.join(', ')}`);
  out(`/orders/${confirmed.id}: 200, confirmed, ${timeline.match(/<tr class="entry"/g).length} timeline entries from ${[...from].join(', ')}`);

  // every durable consumer analytics-service itself reports is on the page
  const { body } = await http('GET', `${(await apis()).analytics}/admin/consumers`, { token: await admin(), expect: [200] });
  const durables = body.consumers.map((c) => c.durable);
  const consumers = await staffPage(base, '/consumers', cookie);
  const absent = durables.filter((d) => !consumers.includes(`data-durable="${d}"`));
  if (durables.length === 0 || absent.length) fail(`/consumers lacks analytics-service's consumers ${absent.join(', ') || '(it reports none)'}`);
  const rows = consumers.match(/<tr data-durable=/g)?.length ?? 0;
  out(`/consumers: 200, ${rows} consumers of every service, among them analytics-service's ${durables.length}`);

  await staffPage(base, '/dead-letters', cookie);
  await staffPage(base, '/analytics', cookie);
  out('/dead-letters and /analytics: 200, every service answered');
}
