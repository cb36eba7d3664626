import { jetstream } from '@nats-io/jetstream';
import { envelopeHeaders, type Money } from '@order-platform/shared';
import { eventually } from '@order-platform/shared/testing';
import type { OrderService } from './order-service.js';

let version = 0;

/** Publishes stock.product-changed as stock-service would (a unique ce-id unless given). */
export async function publishProductChanged(
  service: OrderService,
  change: { sku: string; price?: Money; active?: boolean; name?: string; version?: number },
  options: { id?: string; msgId?: string } = {},
): Promise<string> {
  const id = options.id ?? crypto.randomUUID();
  const data = {
    sku: change.sku,
    name: change.name ?? change.sku,
    price: change.price ?? { amount: 1000, currency: 'EUR' },
    active: change.active ?? true,
    version: change.version ?? ++version,
    changedAt: new Date().toISOString(),
  };
  const headers = envelopeHeaders({ id, type: 'stock.product-changed', source: '/stock-service', subject: change.sku, time: data.changedAt });
  if (options.msgId) headers.set('Nats-Msg-Id', options.msgId);
  await jetstream(service.api.resources.nc).publish(service.topology.subject('stock.product-changed'), JSON.stringify(data), { headers });
  return id;
}

/** Puts products into the read model directly, for API tests that do not exercise the worker. */
export async function seedCatalog(service: OrderService, products: { sku: string; price: Money; active?: boolean }[]): Promise<void> {
  await service.api.resources.db('catalog').insert(
    products.map((p) => ({ sku: p.sku, name: p.sku, price_amount: p.price.amount, currency: p.price.currency, active: p.active ?? true, version: 1, changed_at: new Date() })),
  );
}

export async function catalogRow(service: OrderService, sku: string) {
  return eventually(async () => {
    const row = await service.api.resources.db('catalog').where({ sku }).first();
    if (!row) throw new Error(`${sku} not in the catalog yet`);
    return row as { sku: string; name: string; price_amount: number; currency: string; active: boolean; version: number };
  });
}
