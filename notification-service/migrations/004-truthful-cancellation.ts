import type { Knex } from 'knex';

// The cancellation email told every customer whose order was not yet confirmed "You have not been
// charged", also when payment had captured just before the cancel and a refund followed. Its
// money sentence now says only what is certain (see moneyOf in notification-requests.ts). A
// text staff have edited is theirs: only the seeded one is replaced.
const items = '{{#items}}\n  {{quantity}} × {{sku}} at {{unitPrice}} = {{lineTotal}}\n{{/items}}';
const opening = `Hello {{customerName}},\n\nwe are sorry: your order {{orderId}} was cancelled because {{reason}}.\n\n${items}\n\n`;
const seeded = `${opening}{{#refundFollows}}Your payment of {{total}} will be refunded; we will tell you when it is on its way.\n{{/refundFollows}}{{^refundFollows}}You have not been charged.\n{{/refundFollows}}\nThe Order Platform team\n`;
const truthful =
  `${opening}{{#refundFollows}}Your payment of {{total}} will be refunded; we will tell you when it is on its way.\n{{/refundFollows}}` +
  '{{#notCharged}}You have not been charged.\n{{/notCharged}}' +
  '{{#refundIfCharged}}If a payment of {{total}} had already been taken, we refund it in full and will tell you when it is on its way.\n{{/refundIfCharged}}' +
  '\nThe Order Platform team\n';

export async function up(knex: Knex): Promise<void> {
  await knex('templates')
    .where({ name: 'order-cancelled', channel: 'email', body: seeded })
    .update({ body: truthful, version: knex.raw('version + 1'), updated_at: new Date() });
}

export async function down(knex: Knex): Promise<void> {
  await knex('templates')
    .where({ name: 'order-cancelled', channel: 'email', body: truthful })
    .update({ body: seeded, version: knex.raw('version + 1'), updated_at: new Date() });
}
