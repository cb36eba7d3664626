import { html, query, type Html } from '../html.js';
import type { Money } from '../money.js';
import { formatMoney } from '../money.js';
import type { Answer } from '../services.js';
import { down, time } from './layout.js';

export const orderStatuses = ['pending', 'stock_reserved', 'confirmed', 'cancelled'] as const;

export interface OrderRow {
  id: string;
  customerId: string;
  status: string;
  cancellationReason: string | null;
  total: Money;
  createdAt: string;
  updatedAt: string;
}

export interface OrderFilters {
  q: string;
  status: string;
}

/** The search form and the table; the table refreshes itself every 2 s with the form's filters. */
export function ordersView(filters: OrderFilters, table: Html): Html {
  return html`
<form id="filters" class="filters" method="get" action="/orders"
      hx-get="/orders/table" hx-target="#orders-table" hx-trigger="input changed delay:300ms from:#q, change from:#status, submit">
  <input type="search" id="q" name="q" value="${filters.q}" placeholder="order id or customer id" aria-label="search by order id or customer id">
  <select id="status" name="status" aria-label="status">
    <option value="">any status</option>
    ${orderStatuses.map((s) => html`<option value="${s}" ${s === filters.status ? html`selected` : ''}>${s}</option>`)}
  </select>
  <button type="submit">Search</button>
  <span class="muted">newest first · refreshed every 2 s</span>
</form>
<div id="orders-table" hx-get="/orders/table" hx-trigger="every 2s" hx-include="#filters">${table}</div>`;
}

export function ordersTable(answer: Answer<{ items: OrderRow[]; nextCursor: string | null }>, filters: OrderFilters, now: Date): Html {
  if (!answer.ok) return down([answer]);
  const { items, nextCursor } = answer.data;
  if (items.length === 0) return html`<p class="muted" id="no-orders">No orders${filters.q || filters.status ? ' match' : ' yet'}.</p>`;
  return html`
<table id="orders">
  <thead><tr><th>order</th><th>customer</th><th>status</th><th class="num">total</th><th>placed</th><th>last change</th></tr></thead>
  <tbody>
  ${items.map(
    (o) => html`<tr data-order-id="${o.id}">
    <td><a class="mono" href="/orders/${encodeURIComponent(o.id)}">${o.id}</a></td>
    <td><a href="/orders${query({ q: o.customerId })}">${o.customerId}</a></td>
    <td><span class="status status-${o.status}">${o.status}</span>${o.cancellationReason ? html` <span class="muted">${o.cancellationReason}</span>` : ''}</td>
    <td class="num">${formatMoney(o.total)}</td>
    <td>${time(o.createdAt)}</td>
    <td>${time(o.updatedAt)}</td>
  </tr>`,
  )}
  </tbody>
</table>
<p class="muted">${items.length} shown${nextCursor ? ' (newest; narrow the search for older ones)' : ''} · as of ${time(now.toISOString())}</p>`;
}
