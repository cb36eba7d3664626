import { connect, headers, createInbox } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
const nc = await connect({ servers: "127.0.0.1:4222" });
const jsm = await jetstreamManager(nc);
const enc = new TextEncoder();
const prefix = createInbox();
const pending = new Map<string, (v: any) => void>();
const sub = nc.subscribe(prefix + ".*", { callback: (err, m) => { const k = m.subject.slice(prefix.length + 1); const r = pending.get(k); pending.delete(k); r?.(m.json()); } });
let seq = 0;
function pub(subject: string, data: Uint8Array, h: any) { const k = String(++seq); return new Promise((res) => { pending.set(k, res); nc.publish(subject, data, { reply: prefix + "." + k, headers: h }); }); }
for (const win of [500, 1000, 2000, 5000]) {
  try { await jsm.streams.delete("SMOKE"); } catch {}
  await jsm.streams.add({ name: "SMOKE", subjects: ["smoke.>"] });
  const N = 50000; const t0 = performance.now();
  let last: any;
  for (let b = 0; b < N; b += win) {
    const ps = [];
    for (let i = b; i < Math.min(N, b + win); i++) {
      const h = headers(); h.set("Nats-Msg-Id", "m" + i); h.set("ce-id", "id" + i); h.set("ce-type", "orders.created"); h.set("ce-source", "/order-service"); h.set("ce-specversion", "1.0"); h.set("ce-time", new Date().toISOString());
      ps.push(pub("smoke.a", enc.encode(`{"orderId":"${i}","x":"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"}`), h));
    }
    last = await Promise.all(ps);
  }
  console.log(win, Math.round(N / ((performance.now() - t0) / 1000)), last[0]);
}
await jsm.streams.delete("SMOKE");
await nc.drain();
