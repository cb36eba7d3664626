import type { Answer, ServiceName, Services } from './services.js';
import { serviceNames } from './services.js';
import type { Money } from './money.js';

export interface OrderDetail {
  id: string;
  customerId: string;
  status: string;
  cancellationReason: string | null;
  total: Money;
  createdAt: string;
  updatedAt: string;
  waitingFor?: { what: string; since: string } | null;
}

interface HistoryEntry { from: string | null; to: string; cause: string; eventId: string | null; reason: string | null; at: string }
interface Handled { at: string; consumer: string; subject: string | null; messageId: string; streamSeq: number | null; deliveries: number | null; traceId: string | null }
interface ServiceRecords { service: string; orderId: string; records: { at: string; kind: string; summary: string; details?: Record<string, unknown> | null }[]; handled: Handled[] }

/** One line of the timeline: what happened where, and the message that made it happen. */
export interface TimelineEntry {
  at: string;
  service: string;
  kind: string;
  summary: string;
  cause: string | null;
  handled: Handled | null;
}

export interface Timeline {
  order: Answer<OrderDetail>;
  entries: TimelineEntry[];
  waiting: { what: string; since: string } | null;
  problems: { service: string; problem: string; down: boolean }[];
}

const terminal = new Set(['confirmed', 'cancelled']);
/** When order-service does not say what the order waits for, what its status implies. */
const implied: Record<string, string> = { pending: 'a stock reservation (stock-service)', stock_reserved: 'the payment (payment-service)' };

/**
 * Everything every service knows of one order, through each one's API: each service's records
 * and handled messages (order-service's records are the order's history, transitions with their
 * cause; without them, GET /orders/:id/events stands in), oldest first. A transition or record
 * caused by a message carries that message's consumer, delivery count and trace id.
 */
export async function loadTimeline(services: Services, token: string, orderId: string): Promise<Timeline> {
  const id = encodeURIComponent(orderId);
  const [order, ...records] = await Promise.all([
    services.call<OrderDetail>('order', `/orders/${id}`, token),
    ...serviceNames.map((s) => services.call<ServiceRecords>(s, `/admin/orders/${id}/records`, token)),
  ]);
  const history = records[0]!.ok ? undefined : await services.call<HistoryEntry[]>('order', `/orders/${id}/events`, token);
  const problems = [...records, ...(history ? [history] : [])].flatMap((a) => (a.ok ? [] : [a]));
  const entries: TimelineEntry[] = [];
  const byMessage = new Map<string, { handled: Handled; service: string; used: boolean }>();
  records.forEach((answer, i) => {
    if (!answer.ok) return;
    for (const h of answer.data.handled) byMessage.set(`${serviceNames[i]}:${h.messageId}`, { handled: h, service: answer.data.service, used: false });
  });
  const claim = (service: ServiceName, messageId: unknown): Handled | null => {
    const match = typeof messageId === 'string' ? byMessage.get(`${service}:${messageId}`) : undefined;
    if (!match) return null;
    match.used = true;
    return match.handled;
  };
  if (history?.ok) {
    for (const h of history.data) {
      const summary = `${h.from ?? '(new)'} → ${h.to}${h.reason ? ` (${h.reason})` : ''}`;
      entries.push({ at: h.at, service: 'order-service', kind: 'transition', summary, cause: h.cause, handled: null });
    }
  }
  records.forEach((answer, i) => {
    if (!answer.ok) return;
    for (const r of answer.data.records) {
      const details = r.details ?? {};
      const handled = claim(serviceNames[i]!, details['eventId'] ?? details['causeId']);
      const cause = typeof details['cause'] === 'string' ? details['cause'] : (handled?.subject ?? null);
      entries.push({ at: r.at, service: answer.data.service, kind: r.kind, summary: r.summary, cause, handled });
    }
  });
  for (const { handled, service, used } of byMessage.values()) {
    if (!used) entries.push({ at: handled.at, service, kind: 'handled', summary: handled.subject ?? handled.messageId, cause: handled.subject, handled });
  }
  entries.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return { order, entries, waiting: waitingOf(order), problems };
}

function waitingOf(order: Answer<OrderDetail>): { what: string; since: string } | null {
  if (!order.ok || terminal.has(order.data.status)) return null;
  if (order.data.waitingFor) return order.data.waitingFor;
  return { what: implied[order.data.status] ?? order.data.status, since: order.data.updatedAt };
}

export const isTerminal = (status: string): boolean => terminal.has(status);
