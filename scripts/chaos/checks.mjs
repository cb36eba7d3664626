// make chaos's verdict: docs/architecture.md "Invariants" and the mail and reason rules, read at the end from
// the run's own databases (a superuser on its own cluster), the SMTP sink's mails and what the
// load saw. Returns violations by kind, each with examples.

/**
 * q: { order, stock, payment, notify }: (sql, params?) => rows. initial: { sku: units };
 * restocks / restocksUnknown: [{ sku, quantity }] answered 200 / never answered;
 * accepted: Map id → { card }; mails: [{ subject, text, headers }] the sink received.
 */
export async function findViolations({ q, initial, restocks, restocksUnknown, accepted, mails }) {
  const violations = new Map();
  const add = (kind, example, orderId) => {
    const v = violations.get(kind) ?? violations.set(kind, { count: 0, examples: [], orderIds: [] }).get(kind);
    v.count++;
    if (v.examples.length < 3) v.examples.push(example);
    if (orderId && v.orderIds.length < 3) v.orderIds.push(orderId);
  };

  const orders = await q.order(`select o.id::text, o.status, o.cancellation_reason as reason, o.total_amount::bigint as total,
      exists (select 1 from order_history h where h.order_id = o.id and h.to_status = 'confirmed') as was_confirmed from orders o`);
  const byId = new Map(orders.map((o) => [o.id, o]));
  for (const o of orders) if (o.status !== 'confirmed' && o.status !== 'cancelled') add('order not terminal', `${o.id} ${o.status}`);
  for (const id of accepted.keys()) if (!byId.has(id)) add('accepted order not stored', id);

  // stock: initial + restocked = available + reserved + sold; nothing reserved; sold = confirmed units
  const sold = new Map((await q.order(`select i.sku, sum(i.quantity)::int as n from order_items i join orders o on o.id = i.order_id where o.status = 'confirmed' group by i.sku`)).map((r) => [r.sku, r.n]));
  for (const p of await q.stock('select sku, available, reserved, sold from products')) {
    if (!(p.sku in initial)) continue;
    const known = initial[p.sku] + restocks.filter((r) => r.sku === p.sku).reduce((a, r) => a + r.quantity, 0);
    const unknown = restocksUnknown.filter((r) => r.sku === p.sku).map((r) => r.quantity);
    const extra = p.available + p.reserved + p.sold - known;
    // a restock whose answer was lost may or may not have been applied: any subset of them is right
    if (!subsetSums(unknown).has(extra)) add('stock not conserved', `${p.sku}: available ${p.available} + reserved ${p.reserved} + sold ${p.sold} ≠ initial + restocked ${known} (+ up to ${unknown.length} unanswered restocks)`);
    if (p.reserved !== 0) add('stock left reserved', `${p.sku}: ${p.reserved} reserved`);
    if (p.sold !== (sold.get(p.sku) ?? 0)) add('sold ≠ confirmed units', `${p.sku}: sold ${p.sold}, confirmed orders hold ${sold.get(p.sku) ?? 0}`);
  }

  // money, from the gateway's own ledger
  const ledger = new Map((await q.payment(`
    select p.order_id, p.status, c.attempts as charge_attempts, c.outcome as charge_outcome,
      coalesce(case when c.outcome = 'captured' then c.amount end, 0)::bigint as captured,
      coalesce(case when r.outcome = 'refunded' then r.amount end, 0)::bigint as refunded,
      (select count(*)::int from gateway_operations g where g.kind = 'charge' and g.outcome = 'captured' and g.idempotency_key in (select id::text from payments p2 where p2.order_id = p.order_id)) as captures
    from payments p
    left join gateway_operations c on c.idempotency_key = p.id::text and c.kind = 'charge'
    left join gateway_operations r on r.idempotency_key = 'refund:' || p.id::text and r.kind = 'refund'`)).map((r) => [r.order_id, r]));
  for (const o of orders) {
    const p = ledger.get(o.id);
    const net = Number(p?.captured ?? 0) - Number(p?.refunded ?? 0);
    const expected = o.status === 'confirmed' ? Number(o.total) : 0;
    if (net !== expected) add('money not conserved', `${o.id} ${o.status}: captured − refunded = ${net}, expected ${expected} (payment ${p?.status ?? 'none'})`);
    if ((p?.captures ?? 0) > 1) add('captured twice', `${o.id}: ${p.captures} captures`);
    if (o.reason === 'payment_unavailable') {
      const gatewayFailed = p && p.charge_attempts > 0 && (p.charge_outcome === null || p.charge_outcome === 'voided');
      if (!gatewayFailed) add('payment_unavailable without gateway failures', `${o.id} (card ${accepted.get(o.id)?.card ?? '?'}): charge attempts ${p?.charge_attempts ?? 0}, outcome ${p?.charge_outcome ?? 'none'}`);
    }
  }

  // mails: what each order's history calls for, read from the mails themselves
  const notificationOrder = new Map((await q.notify('select id::text, order_id from notifications')).map((r) => [r.id, r.order_id]));
  const perOrder = new Map();
  const messageIds = new Set();
  let repeats = 0;
  for (const mail of mails) {
    // a send interrupted by a crash is made again with the same Message-ID: one message, shown once
    if (mail.messageId && messageIds.has(mail.messageId)) {
      repeats++;
      continue;
    }
    messageIds.add(mail.messageId);
    const template = header(mail, 'x-notification-template');
    if (template === 'stock-low') continue;
    const orderId = notificationOrder.get(header(mail, 'x-notification-id'));
    if (!orderId || !byId.has(orderId)) {
      add('mail for an order the system does not have', `${template} "${mail.subject}"`);
      continue;
    }
    const got = perOrder.get(orderId) ?? perOrder.set(orderId, []).get(orderId);
    got.push({ template, mail });
  }
  for (const o of orders) {
    const got = perOrder.get(o.id) ?? [];
    const count = (t) => got.filter((m) => m.template === t).length;
    const p = ledger.get(o.id);
    const moneyTaken = Number(p?.captured ?? 0) > 0;
    const expected = { 'order-confirmed': o.was_confirmed ? 1 : 0, 'order-cancelled': o.status === 'cancelled' ? 1 : 0, 'payment-refunded': Number(p?.refunded ?? 0) > 0 ? 1 : 0 };
    for (const [t, n] of Object.entries(expected)) if (count(t) !== n) add(`${t} mails ≠ ${n === 1 ? 'one' : 'none'}`, `${o.id} ${o.status}: ${count(t)} ${t} mails`, o.id);
    for (const { mail } of got.filter((m) => m.template === 'order-cancelled')) {
      if (moneyTaken && /not been charged/i.test(mail.text)) add('cancellation mail says "not charged" though money was taken', `${o.id} (${o.reason}, payment ${p?.status})`);
      if (!moneyTaken && /Your payment of .* will be refunded/.test(mail.text)) add('cancellation mail promises a refund though no money was taken', `${o.id} (${o.reason})`);
    }
  }
  return { violations, repeats };
}

function header(mail, name) {
  const v = mail.headers?.get?.(name);
  return typeof v === 'string' ? v : v?.text ?? (v === undefined ? undefined : String(v));
}

function subsetSums(values) {
  let sums = new Set([0]);
  for (const v of values.slice(0, 16)) sums = new Set([...sums, ...[...sums].map((s) => s + v)]);
  return sums;
}

/** Dead letters of the run, by consumer and cause (from the DLQ stream's headers). */
export async function deadLettersByCause(jsm, js) {
  const info = await jsm.streams.info('DLQ').catch(() => undefined);
  const causes = {};
  if (!info || info.state.messages === 0) return causes;
  for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
    const m = await jsm.streams.getMessage('DLQ', { seq }).catch(() => undefined);
    if (!m) continue;
    const cause = `${m.header.get('dlq-consumer')}: ${(m.header.get('dlq-error') ?? '').replace(/[0-9a-f-]{36}/g, '…').slice(0, 90)}`;
    causes[cause] = (causes[cause] ?? 0) + 1;
  }
  return causes;
}
