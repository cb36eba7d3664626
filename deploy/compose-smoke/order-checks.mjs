// The saga's three paths as a client drives them: confirmed, declined, cancelled after
// confirmation; each order's outcome, its payment and the mails Mailpit received about it. The
// orders are left in smoke-orders.json for the checks of analytics-service and the console.
import { readFileSync, writeFileSync } from 'node:fs';
import { out, fail, until } from './check.mjs';
import { published, workDir } from './stack.mjs';
import { http, tokenOf, admin, outcome, apis, product, placeOrder, terminal } from './client.mjs';

const smokeOrdersFile = `${workDir}/smoke-orders.json`;
/** the orders of the `orders` check: [{ id, customer, outcome, confirmed (it was confirmed at some point) }] */
export const smokeOrders = () => JSON.parse(readFileSync(smokeOrdersFile, 'utf8'));

export async function orders() {
  const api = await apis();
  const sku = await product(api, 'SMOKE', 1000);
  const paths = [
    { path: 'confirmed', customer: 'cust-ada', card: 'tok_ok', expect: 'confirmed', subjects: 1 },
    { path: 'declined', customer: 'cust-grace', card: 'tok_declined', expect: 'cancelled/payment_declined', subjects: 1 },
    { path: 'cancelled after confirmation', customer: 'cust-alan', card: 'tok_ok', expect: 'cancelled/customer_request', subjects: 3, cancelAfterConfirm: true, payment: 'refunded' },
  ];
  const mailpit = await published('mailpit', 8025);
  const placed = [];
  for (const p of paths) {
    const token = await tokenOf(p.customer, 'customer');
    const t0 = Date.now();
    const order = await placeOrder(api, token, sku, 1, p.card);
    let final = await terminal(api, order.id, token);
    const firstMs = Date.now() - t0;
    if (p.cancelAfterConfirm) {
      if (final.status !== 'confirmed') fail(`order ${order.id} (${p.path}) ended ${outcome(final)} before it could be cancelled`);
      await http('POST', `${api.order}/orders/${order.id}/cancel`, { token, expect: [200, 202] });
      final = await until(`order ${order.id} to be cancelled`, async () => {
        const { body } = await http('GET', `${api.order}/orders/${order.id}`, { token, expect: [200] });
        return body.status === 'cancelled' ? body : undefined;
      }, 30_000, 200);
    }
    if (outcome(final) !== p.expect) fail(`order ${order.id} (${p.path}) ended ${outcome(final)}, expected ${p.expect}`);
    if (p.payment) {
      await until(`the payment of ${order.id} to be ${p.payment}`, async () => {
        const { body } = await http('GET', `${api.payment}/payments?orderId=${order.id}`, { token: await admin(), expect: [200] });
        const payments = body.items ?? body;
        return payments.some((x) => x.status === p.payment);
      }, 30_000);
    }
    const email = `${p.customer.slice(5)}@customers.example`;
    const mails = await until(`${p.subjects} mail(s) about ${order.id} in Mailpit`, async () => {
      const { body } = await http('GET', `${mailpit}/api/v1/messages`, { expect: [200] });
      const found = body.messages.filter((m) => m.Subject.includes(order.id));
      return found.length >= p.subjects ? found : undefined;
    }, 30_000);
    for (const m of mails) if (!m.To.some((t) => t.Address === email)) fail(`mail "${m.Subject}" went to ${m.To.map((t) => t.Address)}, not ${email}`);
    placed.push({ id: order.id, customer: p.customer, outcome: outcome(final), confirmed: p.expect === 'confirmed' || Boolean(p.cancelAfterConfirm) });
    out(`${p.path.padEnd(29)} ${order.id}  ${outcome(final).padEnd(27)} (first outcome in ${firstMs} ms)`);
    for (const m of mails.reverse()) out(`${''.padEnd(29)} mail to ${email}: ${m.Subject}`);
  }
  // the later checks (analytics-check.mjs, console-check.mjs) look for these very orders
  writeFileSync(smokeOrdersFile, JSON.stringify(placed));
}
