// The checks that ask the engine: every container up and healthy (and every migrator done before
// its api and worker started), ports published on 127.0.0.1 only, and the stream report run
// through the app image.
import { out, fail, until } from './check.mjs';
import { run, dc, compose, services, containers } from './stack.mjs';

export async function healthy(...args) {
  const order = args.includes('--order');
  const profiles = args.filter((a) => !a.startsWith('--'));
  const wanted = Object.entries(compose.services)
    .filter(([, s]) => !s.profiles || s.profiles.some((p) => profiles.includes(p)))
    .map(([name, s]) => ({ name, oneShot: s.restart === 'no', hasHealthcheck: Boolean(s.healthcheck) }));
  let all = [];
  await until(`${profiles.join(' + ')} to be healthy`, async () => {
    all = await containers();
    const waiting = [];
    for (const w of wanted) {
      const own = all.filter((c) => c.service === w.name);
      if (own.length === 0) { waiting.push(`${w.name} (no container)`); continue; }
      for (const c of own) {
        if (w.oneShot) {
          if (c.state.Status === 'exited' && c.state.ExitCode !== 0) {
            const { stderr, stdout } = await run('docker', ['logs', '--tail', '15', c.id]);
            fail(`${c.name} exited ${c.state.ExitCode}:\n${(stdout + stderr).trim()}`);
          }
          if (c.state.Status !== 'exited') waiting.push(`${c.name} (${c.state.Status})`);
        } else if (c.state.Status !== 'running' || (w.hasHealthcheck && c.health !== 'healthy')) {
          waiting.push(`${c.name} (${c.state.Status}${c.health ? `, ${c.health}` : ''}${c.state.Restarting ? ', restarting' : ''})`);
        }
      }
    }
    return waiting.length === 0 ? true : new Error(`not yet: ${waiting.join(', ')}`);
  }, 200_000, 1000);
  const running = all.filter((c) => c.state.Status === 'running');
  out(`${running.length} containers running and healthy, ${all.length - running.length} migrators exited 0`);
  if (order) {
    for (const service of services) {
      const migrate = all.find((c) => c.service === `${service}-migrate`);
      const finished = Date.parse(migrate.state.FinishedAt);
      const lines = [];
      for (const role of ['api', 'worker']) {
        for (const c of all.filter((x) => x.service === `${service}-${role}`)) {
          const started = Date.parse(c.state.StartedAt);
          if (!(started >= finished)) fail(`${c.name} started at ${c.state.StartedAt}, before ${migrate.name} finished (${migrate.state.FinishedAt})`);
          lines.push(`${role} +${((started - finished) / 1000).toFixed(1)} s`);
        }
      }
      out(`${migrate.name}: exit 0 at ${migrate.state.FinishedAt.slice(11, 23)}; then ${lines.join(', ')}`);
    }
  }
}

export async function ports() {
  const seen = [];
  for (const c of (await containers()).filter((x) => x.state.Status === 'running')) {
    for (const [port, bindings] of Object.entries(c.ports)) {
      for (const b of bindings ?? []) {
        if (b.HostIp !== '127.0.0.1') fail(`${c.name} publishes ${port} on ${b.HostIp || 'every interface'}:${b.HostPort}`);
        if (c.service === 'nats' && port === '4222/tcp') fail('nats publishes its client port 4222 (docker-compose.yml should not)');
        seen.push(`${c.service} ${port.replace('/tcp', '')}`);
      }
    }
  }
  if (seen.length === 0) fail('nothing is published at all');
  out(`${seen.length} published ports, all on 127.0.0.1: ${seen.sort().join(', ')}`);
}

export async function streams() {
  // the migrator's container, as the operators' NATS user: what `docker compose run nats-box nats stream report` shows
  const tool = async (...command) => (await run(dc[0], [...dc.slice(1), '--profile', 'app', 'run', '--rm', '--no-deps', '-T', 'order-service-migrate', ...command], { maxBuffer: 16 << 20 })).stdout;
  const report = await tool('migrator/dist/src/streams.js');
  for (const line of report.trim().split('\n')) out(line);
  for (const expected of ['ORDERS', 'STOCK', 'PAYMENTS', 'DLQ', 'payment-service-stock-reserved', 'stock-service-orders-created', 'order-service-payments-captured', 'notification-service-orders-confirmed', 'analytics-service-orders-created']) {
    if (!report.includes(expected)) fail(`the stream report does not mention ${expected}`);
  }
  // none of the orders so far (every one of them a normal path) may have left a dead letter
  const dlq = await tool('migrator/dist/src/dlq.js', 'list');
  if (!/no dead letters/i.test(dlq)) fail(`dead letters after normal orders:\n${dlq.trim()}`);
  out('make dlq equivalent: no dead letters');
}
