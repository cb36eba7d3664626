import type { Knex } from 'knex';

// The first texts of every template. Later edits go through PUT /templates/:name; this
// migration never overwrites them (on conflict do nothing).
const items = '{{#items}}\n  {{quantity}} × {{sku}} at {{unitPrice}} = {{lineTotal}}\n{{/items}}';

const texts: { name: string; channel: 'email' | 'webhook'; subject: string; body: string }[] = [
  {
    name: 'order-confirmed',
    channel: 'email',
    subject: 'Your order {{orderId}} is confirmed',
    body: `Hello {{customerName}},\n\nthank you for your order {{orderId}}. We have your payment and are getting it ready:\n\n${items}\n\nTotal: {{total}}\n\nThe Order Platform team\n`,
  },
  { name: 'order-confirmed', channel: 'webhook', subject: 'Order {{orderId}} confirmed', body: 'Hello {{customerName}}, your order {{orderId}} ({{total}}) is confirmed.' },
  {
    name: 'order-cancelled',
    channel: 'email',
    subject: 'Your order {{orderId}} was cancelled',
    body: `Hello {{customerName}},\n\nwe are sorry: your order {{orderId}} was cancelled because {{reason}}.\n\n${items}\n\n{{#refundFollows}}Your payment of {{total}} will be refunded; we will tell you when it is on its way.\n{{/refundFollows}}{{^refundFollows}}You have not been charged.\n{{/refundFollows}}\nThe Order Platform team\n`,
  },
  { name: 'order-cancelled', channel: 'webhook', subject: 'Order {{orderId}} cancelled', body: 'Hello {{customerName}}, your order {{orderId}} was cancelled because {{reason}}.' },
  {
    name: 'payment-refunded',
    channel: 'email',
    subject: 'Refund of {{amount}} for order {{orderId}}',
    body: 'Hello {{customerName}},\n\nwe have refunded {{amount}} for your cancelled order {{orderId}}. Depending on your bank it shows on your statement within a few days.\n\nThe Order Platform team\n',
  },
  { name: 'payment-refunded', channel: 'webhook', subject: 'Refund for order {{orderId}}', body: 'Hello {{customerName}}, we have refunded {{amount}} for order {{orderId}}.' },
  {
    name: 'stock-low',
    channel: 'email',
    subject: 'Low stock: {{sku}} ({{available}} left)',
    body: 'Stock of {{productName}} ({{sku}}) fell to {{available}} available, below its threshold of {{threshold}}, at {{detectedAt}}.\nRestock with POST /products/{{sku}}/restock.\n',
  },
  { name: 'stock-low', channel: 'webhook', subject: 'Low stock: {{sku}}', body: '{{productName}} ({{sku}}): {{available}} available, threshold {{threshold}}.' },
];

export async function up(knex: Knex): Promise<void> {
  const now = new Date();
  await knex('templates')
    .insert(texts.map((t) => ({ ...t, version: 1, updated_at: now })))
    .onConflict(['name', 'channel'])
    .ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('templates').whereIn('name', [...new Set(texts.map((t) => t.name))]).delete();
}
