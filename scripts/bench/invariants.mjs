// docs/architecture.md "Invariants" at the end of a bench run, read from the run's own databases (so every row is
// this run's) and the SMTP sink's count. The same checks as system-tests' invariants.ts, in SQL
// over a whole run instead of per test order (that file is TypeScript bound to its test harness).
// Each check waits for the follow-ups of the last orders (stock committed, mails sent) as long as
// they progress (no progress for `timeoutMs`: it fails) and returns { name, ok, detail }.

const wait = (ms) => new Promise((r) => setTimeout(r, ms));
/** Waits for `check` to pass while its `pending` count keeps falling: until `timeoutMs` passes without progress. */
async function settled(check, timeoutMs) {
  let deadline = Date.now() + timeoutMs;
  let least = Infinity;
  for (;;) {
    const result = await check();
    if (result.ok || Date.now() > deadline) return result;
    if (result.pending < least) [least, deadline] = [result.pending, Date.now() + timeoutMs];
    await wait(250);
  }
}
const amount = (cents) => (cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2 });

/**
 * q: { order, stock, payment, notify }, each (sql) => rows, as a superuser on the service's database;
 * initial: { sku: units } the run created its products with (no restocks during a run);
 * accepted: orders the run placed that were answered 202 (the probes included);
 * unfinished: of those, how many the generator never saw end; mailed: () => the sink's count.
 */
export async function checkInvariants({ q, initial, accepted, unfinished, mailed, timeoutMs = 60_000 }) {
  const results = [];

  const byStatus = Object.fromEntries((await q.order('select status, count(*)::int as n from orders group by status')).map((r) => [r.status, r.n]));
  const stored = Object.values(byStatus).reduce((a, b) => a + b, 0);
  const open = stored - (byStatus.confirmed ?? 0) - (byStatus.cancelled ?? 0);
  results.push({
    name: 'every order reached a terminal state',
    ok: open === 0 && unfinished === 0 && stored === accepted,
    detail: `${stored} orders stored (${accepted} accepted): ${byStatus.confirmed ?? 0} confirmed, ${byStatus.cancelled ?? 0} cancelled, ${open} not terminal; ${unfinished} never seen to end by the bench`,
  });

  const soldByConfirmed = Object.fromEntries((await q.order(`select i.sku, sum(i.quantity)::int as n from order_items i join orders o on o.id = i.order_id where o.status = 'confirmed' group by i.sku`)).map((r) => [r.sku, r.n]));
  results.push(await settled(async () => {
    const wrong = [];
    for (const p of await q.stock('select sku, available, reserved, sold from products')) {
      if (p.available + p.reserved + p.sold !== initial[p.sku] || p.reserved !== 0 || p.sold !== (soldByConfirmed[p.sku] ?? 0)) wrong.push(`${p.sku}: available ${p.available} + reserved ${p.reserved} + sold ${p.sold} (initial ${initial[p.sku]}, confirmed units ${soldByConfirmed[p.sku] ?? 0})`);
    }
    const units = Object.values(soldByConfirmed).reduce((a, b) => a + b, 0);
    return { name: 'stock conserved', ok: wrong.length === 0, pending: wrong.length, detail: wrong.length ? wrong.slice(0, 5).join('; ') : `every product: available + reserved + sold = initial, nothing left reserved, sold = the ${units} units of confirmed orders` };
  }, timeoutMs));

  const orders = await q.order(`select o.id::text, o.status, o.total_amount::bigint as total, exists (select 1 from order_history h where h.order_id = o.id and h.to_status = 'confirmed') as was_confirmed from orders o`);
  results.push(await settled(async () => {
    // the gateway's ledger (its own records, keyed by payment id) against each order's outcome
    const ledger = new Map((await q.payment(`
      select p.order_id, p.status, coalesce(c.amount, 0)::bigint as captured, coalesce(r.amount, 0)::bigint as refunded
      from payments p
      left join gateway_operations c on c.idempotency_key = p.id::text and c.kind = 'charge' and c.outcome = 'captured'
      left join gateway_operations r on r.idempotency_key = 'refund:' || p.id::text and r.kind = 'refund' and r.outcome = 'refunded'`)).map((r) => [r.order_id, r]));
    let captured = 0;
    let refunded = 0;
    let owed = 0;
    const wrong = [];
    for (const o of orders) {
      const p = ledger.get(o.id);
      const net = Number(p?.captured ?? 0) - Number(p?.refunded ?? 0);
      captured += Number(p?.captured ?? 0);
      refunded += Number(p?.refunded ?? 0);
      const expected = o.status === 'confirmed' ? Number(o.total) : 0;
      owed += expected;
      if (net !== expected) wrong.push(`${o.id} ${o.status}: captured − refunded = ${net}, payment ${p?.status ?? 'none'}`);
    }
    return {
      name: 'money conserved',
      ok: wrong.length === 0,
      pending: wrong.length,
      detail: `captured ${amount(captured)} − refunded ${amount(refunded)} = ${amount(captured - refunded)}, confirmed orders' totals ${amount(owed)}; ${wrong.length} orders off${wrong.length ? `: ${wrong.slice(0, 3).join('; ')}` : ''}`,
    };
  }, timeoutMs));

  // One notification per terminal transition: each order has exactly the rows its transitions
  // ask for (dedup keys are unique, so never two rows), each sent; and the sink received exactly
  // as many mails as rows were sent by email. Every sent row reached the sink at least once, so
  // equal totals mean no mail was sent twice.
  const refundedOrders = new Set((await q.payment(`select order_id from payments where status = 'refunded'`)).map((r) => r.order_id));
  const expected = new Map(orders.map((o) => [o.id, [o.was_confirmed && 'order-confirmed', o.status === 'cancelled' && 'order-cancelled', refundedOrders.has(o.id) && 'payment-refunded'].filter(Boolean).sort().join(',')]));
  const notifications = async () => {
    const rows = await q.notify(`select order_id, string_agg(template, ',' order by template) as templates, string_agg(status, ',') filter (where status <> 'sent') as unsent from notifications where order_id is not null group by order_id`);
    const [{ n: sentByEmail }] = await q.notify(`select count(*)::int as n from notifications where status = 'sent' and channel = 'email'`);
    const byOrder = new Map(rows.map((r) => [r.order_id, r]));
    const wrong = [...expected].filter(([id, templates]) => (byOrder.get(id)?.templates ?? '') !== templates || byOrder.get(id)?.unsent);
    // why: rows not there yet, or there and not sent (by status)
    const why = {};
    for (const [id] of wrong) for (const status of (byOrder.get(id)?.unsent ?? 'no row').split(',')) why[status] = (why[status] ?? 0) + 1;
    const strays = rows.filter((r) => !expected.has(r.order_id)).length;
    const mails = await mailed();
    return { wrong, why, strays, sentByEmail, mails, transitions: [...expected.values()].reduce((n, t) => n + (t ? t.split(',').length : 0), 0) };
  };
  let n = await settled(async () => {
    const r = await notifications();
    return { ...r, ok: r.wrong.length === 0 && r.mails >= r.sentByEmail, pending: r.wrong.length };
  }, timeoutMs);
  await wait(1000); // a late duplicate would have arrived by now
  n = await notifications();
  results.push({
    name: 'exactly one notification per terminal transition',
    ok: n.wrong.length === 0 && n.strays === 0 && n.mails === n.sentByEmail,
    detail: `${n.transitions} terminal transitions (confirmed, cancelled, refunded), ${n.sentByEmail} mails sent by notification-service, ${n.mails} received by the sink; ${n.wrong.length} orders without exactly their notifications${n.wrong.length ? ` (${Object.entries(n.why).map(([w, k]) => `${w}: ${k}`).join(', ')}; e.g. ${n.wrong[0][0]} expected ${n.wrong[0][1] || 'none'})` : ''}`,
  });
  return results;
}
