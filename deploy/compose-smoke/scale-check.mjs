// Scaling: with three payment-service-worker replicas, a burst of orders is shared among them,
// each replica's own /metrics (read inside it with `docker exec`) showing charges it handled.
import { out, fail, until } from './check.mjs';
import { docker, containers } from './stack.mjs';
import { tokenOf, outcome, apis, product, placeOrder, terminal } from './client.mjs';

export async function scale(n) {
  const count = Number(n ?? 60);
  const api = await apis();
  const sku = await product(api, 'SCALE', count * 2);
  const replicas = (await containers()).filter((c) => c.service === 'payment-service-worker' && c.state.Status === 'running');
  if (replicas.length !== 3) fail(`${replicas.length} payment-service-worker replicas run, expected 3`);
  const before = await Promise.all(replicas.map(charges));
  // a dozen shoppers (the stub directory makes up their addresses), so no one customer's rate limit is what is measured
  const customers = Array.from({ length: 12 }, (_, i) => `smoke-shopper-${i + 1}`);
  const t0 = Date.now();
  const ids = [];
  for (let i = 0; i < count; i += 10) {
    ids.push(...(await Promise.all(Array.from({ length: Math.min(10, count - i) }, async (_, j) => {
      const token = await tokenOf(customers[(i + j) % customers.length], 'customer');
      return { id: (await placeOrder(api, token, sku, 1, 'tok_ok')).id, token };
    }))));
  }
  const finals = await Promise.all(ids.map(({ id, token }) => terminal(api, id, token, 120_000)));
  const notConfirmed = finals.filter((o) => o.status !== 'confirmed');
  if (notConfirmed.length) fail(`${notConfirmed.length} of ${count} orders did not confirm: ${notConfirmed.slice(0, 3).map(outcome)}`);
  out(`${count} orders confirmed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const after = await until('every replica to report its charges', async () => {
    const now = await Promise.all(replicas.map(charges));
    const total = now.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0);
    return total >= count ? now : new Error(`${total} of ${count} charges counted`);
  }, 20_000);
  const spread = replicas.map((r, i) => after[i] - before[i]);
  out(`charges (payment-service-stock-reserved handled) per replica: ${replicas.map((r, i) => `${r.name} ${spread[i]}`).join(', ')} = ${spread.join('/')}`);
  if (spread.some((x) => x === 0)) fail(`a payment-service-worker replica handled none of the ${count} charges: ${spread.join('/')}`);
}

/** what one payment-service-worker replica says it charged: its own /metrics, read inside it */
async function charges(replica) {
  const text = await docker('exec', replica.id, 'node', '-e', "fetch('http://127.0.0.1:9464/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))");
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('consumer_messages_total{') && line.includes('consumer="payment-service-stock-reserved"') && line.includes('outcome="handled"')) {
      total += Number(line.split(' ').at(-1));
    }
  }
  return total;
}
