// make bench: where an order's time goes, hop by hop, for a sample of the run's confirmed orders.
// Each hop is read from timestamps the system keeps anyway, all from the machine's one clock:
// - when orders.created was written: its outbox row's created_at (the api's single statement);
// - when an event was stored in JetStream: the stream's own time of the message (the sequence
//   each consumer recorded in processed_messages.stream_seq);
// - when a service took an event: processed_messages.processed_at, its batch's transaction start;
// - when the POST /orders was sent and orders.confirmed seen: the bench's own clock.
// So "took X → Y in JetStream" is the handler, its commit and the outbox relay together, and
// "Y in JetStream → took Y" is delivery (and any wait for a batch in flight before it).
import { jetstreamManager } from '@nats-io/jetstream';

const SAMPLE = 200;

/** Epoch ms with µs of an RFC 3339 timestamp with up to nanoseconds (JetStream's). */
function epochMs(rfc3339) {
  const match = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(rfc3339);
  if (!match) return Date.parse(rfc3339);
  const [, whole, fraction = '0', zone] = match;
  return Date.parse(`${whole}${zone}`) + Number(`0.${fraction}`) * 1000;
}

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/**
 * `orders`: [{ id, postedAt, endedAt }] in epoch ms (the bench's clock); `q[service](sql, params)`
 * queries a service's database. Answers [{ hop, p50, p90, n }] in ms, in the order of the saga.
 */
export async function hopBreakdown({ nc, namespace, orders, q }) {
  const step = Math.max(1, Math.floor(orders.length / SAMPLE));
  const sample = orders.filter((_, i) => i % step === 0).slice(0, SAMPLE);
  const ids = sample.map((o) => o.id);
  if (!ids.length) return [];
  const took = async (service, consumers) => {
    const rows = await q[service](
      `select consumer, entity_id, extract(epoch from processed_at) * 1000 as at, stream_seq
         from processed_messages where consumer = any($1) and entity_id = any($2)`,
      [consumers, ids],
    );
    const byConsumer = {};
    for (const r of rows) (byConsumer[r.consumer] ??= new Map()).set(r.entity_id, { at: Number(r.at), seq: Number(r.stream_seq) });
    return byConsumer;
  };
  const stock = await took('stock', ['stock-service-orders-created', 'stock-service-orders-confirmed']);
  const payment = await took('payment', ['payment-service-orders-created', 'payment-service-stock-reserved']);
  const order = await took('order', ['order-service-payments-captured']);
  const written = new Map((await q.order(`select subject, extract(epoch from created_at) * 1000 as at from outbox where type = 'orders.created' and subject = any($1)`, [ids])).map((r) => [r.subject, Number(r.at)]));

  const jsm = await jetstreamManager(nc);
  const streams = new Map();
  const storedAt = async (type, seq) => {
    if (!Number.isFinite(seq)) return NaN;
    if (!streams.has(type)) streams.set(type, await jsm.streams.find(`${namespace}.${type}`));
    const message = await jsm.streams.getMessage(streams.get(type), { seq });
    return message ? epochMs(message.timestamp) : NaN;
  };

  const hops = [
    ['POST /orders sent → orders.created written (order api)', []],
    ['orders.created written → in JetStream (commit, relay)', []],
    ['orders.created in JetStream → stock took it', []],
    ['stock took orders.created → stock.reserved in JetStream', []],
    ['stock.reserved in JetStream → payment took it', []],
    ['payment took its second event → payments.captured in JetStream', []],
    ['payments.captured in JetStream → order took it', []],
    ['order took payments.captured → orders.confirmed in JetStream', []],
    ['orders.confirmed in JetStream → the bench saw it', []],
    ['POST /orders sent → the bench saw orders.confirmed', []],
  ];
  for (const o of sample) {
    const stockTook = stock['stock-service-orders-created']?.get(o.id);
    const paymentTookReserved = payment['payment-service-stock-reserved']?.get(o.id);
    const paymentTookCreated = payment['payment-service-orders-created']?.get(o.id);
    const orderTook = order['order-service-payments-captured']?.get(o.id);
    const confirmedSeq = stock['stock-service-orders-confirmed']?.get(o.id)?.seq;
    if (!stockTook || !paymentTookReserved || !paymentTookCreated || !orderTook || !Number.isFinite(confirmedSeq)) continue;
    const t = [
      o.postedAt,
      written.get(o.id),
      await storedAt('orders.created', stockTook.seq),
      stockTook.at,
      await storedAt('stock.reserved', paymentTookReserved.seq),
      paymentTookReserved.at,
      await storedAt('payments.captured', orderTook.seq),
      orderTook.at,
      await storedAt('orders.confirmed', confirmedSeq),
      o.endedAt,
    ];
    // payment charges on the later of its two events: that is where its hop starts
    const paymentStart = Math.max(paymentTookReserved.at, paymentTookCreated.at);
    const segments = [t[1] - t[0], t[2] - t[1], t[3] - t[2], t[4] - t[3], t[5] - t[4], t[6] - paymentStart, t[7] - t[6], t[8] - t[7], t[9] - t[8], t[9] - t[0]];
    segments.forEach((v, i) => Number.isFinite(v) && hops[i][1].push(v));
  }
  return hops.map(([hop, values]) => {
    const sorted = values.sort((a, b) => a - b);
    return { hop, p50: percentile(sorted, 50), p90: percentile(sorted, 90), n: sorted.length };
  });
}
