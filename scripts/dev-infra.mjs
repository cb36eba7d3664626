// What `make dev` needs before it migrates: a Postgres at DATABASE_ADMIN_URL and a NATS with
// JetStream at NATS_URL. When both answer, they are used as they are. When one does not and
// Docker is available, it starts its own in a container (the compose file's image, on a loopback
// port of its own, labelled order-platform.dev=1 so `make dev-down` finds it) and uses that one.
// Without Docker it says what to install or run. It never stops or changes a server it did not start.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { parse } from 'yaml';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
export const devLabel = 'order-platform.dev=1';

/** The containers `make dev` may start; ports on 127.0.0.1, away from a local install's 5432 / 4222. */
function containers(env) {
  const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }).services;
  const pgPort = Number(env.DEV_POSTGRES_PORT ?? 15432);
  const natsPort = Number(env.DEV_NATS_PORT ?? 14222);
  return {
    postgres: {
      name: 'order-platform-dev-postgres',
      image: compose['order-db'].image,
      url: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
      // trust: the migrators create each service's roles without a password, as against a local install
      args: ['-p', `127.0.0.1:${pgPort}:5432`, '-e', 'POSTGRES_HOST_AUTH_METHOD=trust', '-v', 'order-platform-dev-postgres:/var/lib/postgresql/data',
        '--health-cmd', 'pg_isready -h 127.0.0.1 -U postgres', '--health-interval', '1s', '--health-retries', '120'],
      // room for make dev's pools and, after it, make test's (the image's default is 100)
      command: ['-c', 'max_connections=400'],
    },
    nats: {
      name: 'order-platform-dev-nats',
      image: compose.nats.image,
      url: `nats://127.0.0.1:${natsPort}`,
      // JetStream on a volume, monitoring for the health check as in the compose file; no users:
      // make dev's processes connect without credentials (NATS_USER empty), as to a local nats-server
      args: ['-p', `127.0.0.1:${natsPort}:4222`, '-v', 'order-platform-dev-nats:/data',
        '--health-cmd', 'wget -qO- http://127.0.0.1:8222/healthz?js-enabled-only=true', '--health-interval', '1s', '--health-retries', '120'],
      command: ['-js', '-sd', '/data/jetstream', '-m', '8222'],
    },
  };
}

async function postgresAnswers(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error.message || error.code || String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

async function natsAnswers(url) {
  let nc;
  try {
    nc = await connect({ servers: url, timeout: 3000, reconnect: false, user: process.env.NATS_USER || undefined, pass: process.env.NATS_PASSWORD || undefined });
    await (await jetstreamManager(nc)).getAccountInfo();
    return undefined;
  } catch (error) {
    return error.message || String(error);
  } finally {
    await nc?.close().catch(() => {});
  }
}

const docker = (...args) => run('docker', args, { maxBuffer: 16 << 20, timeout: 60_000 });

/** Whether a Docker engine answers; undefined when it does, else why not. */
async function dockerUnavailable() {
  try {
    await docker('info', '--format', '{{.ServerVersion}}');
    return undefined;
  } catch (error) {
    return error.code === 'ENOENT' ? 'no docker command' : (error.stderr || error.message).trim().split('\n').pop();
  }
}

/**
 * The compose file's image where Docker has it or can pull it; on a machine without a registry,
 * the compose smoke test's local stand-ins (deploy/compose-smoke/stand-ins, built once).
 */
async function imagesFor(names, specs, write) {
  const images = {};
  for (const name of names) {
    const image = specs[name].image;
    const present = await docker('image', 'inspect', image).then(() => true, () => false);
    if (present || (await docker('pull', '-q', image).then(() => true, () => false))) images[name] = image;
  }
  const missing = names.filter((n) => !images[n]);
  if (missing.length === 0) return images;
  write(`cannot pull ${missing.map((n) => specs[n].image).join(', ')} (no registry?): building local stand-ins (deploy/compose-smoke/stand-ins; minutes the first time, then cached)`);
  const { stdout } = await run(`${root}deploy/compose-smoke/stand-ins/build.sh`, missing, { maxBuffer: 16 << 20, timeout: 1_800_000 });
  for (const line of stdout.trim().split('\n')) {
    const [name, tag] = line.split('=');
    if (missing.includes(name)) images[name] = tag;
  }
  return images;
}

async function startContainer(spec, image, write) {
  const state = await docker('inspect', '-f', '{{.State.Running}}', spec.name).then(({ stdout }) => stdout.trim(), () => undefined);
  if (state === 'true') return write(`${spec.name} is running already (started by an earlier make dev)`);
  if (state === 'false') {
    write(`starting ${spec.name} again (its volume keeps the data)`);
    return void (await docker('start', spec.name));
  }
  const volume = spec.args[spec.args.indexOf('-v') + 1].split(':')[0];
  await docker('volume', 'create', '--label', devLabel, volume);
  write(`starting ${spec.name} (${image}) on ${spec.url}`);
  await docker('run', '-d', '--name', spec.name, '--label', devLabel, ...spec.args, image, ...spec.command);
}

async function waitHealthy(spec, timeoutMs = 120_000) {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
    const { stdout } = await docker('inspect', '-f', '{{.State.Status}} {{.State.Health.Status}}', spec.name);
    if (stdout.trim() === 'running healthy') return;
    if (!stdout.startsWith('running')) throw new Error(`${spec.name} stopped: docker logs ${spec.name}`);
  }
  throw new Error(`${spec.name} not healthy after ${timeoutMs / 1000} s: docker logs ${spec.name}`);
}

/**
 * Resolves with the URLs to use: the configured ones when they answer, else those of containers
 * started here. Throws an Error whose message is the instructions when it cannot.
 * @returns {Promise<{ adminUrl: string, natsUrl: string, own: string[] }>}
 */
export async function ensureInfra({ adminUrl, natsUrl, env = process.env, write }) {
  const [pgProblem, natsProblem] = await Promise.all([postgresAnswers(adminUrl), natsAnswers(natsUrl)]);
  if (!pgProblem && !natsProblem) return { adminUrl, natsUrl, own: [] };
  if (pgProblem) write(`Postgres does not answer at ${adminUrl} (DATABASE_ADMIN_URL): ${pgProblem}`);
  if (natsProblem) write(`NATS with JetStream does not answer at ${natsUrl} (NATS_URL): ${natsProblem}`);
  const specs = containers(env);
  const needed = [...(pgProblem ? ['postgres'] : []), ...(natsProblem ? ['nats'] : [])];
  const noDocker = await dockerUnavailable();
  if (noDocker) throw new Error(instructions(noDocker, specs));
  write(`Docker is available: make dev starts its own ${needed.map((n) => (n === 'postgres' ? 'Postgres' : 'NATS')).join(' and ')} (make dev-down removes ${needed.length > 1 ? 'them' : 'it'})`);
  const images = await imagesFor(needed, specs, write);
  for (const name of needed) await startContainer(specs[name], images[name], write);
  for (const name of needed) await waitHealthy(specs[name]);
  const urls = { adminUrl: pgProblem ? specs.postgres.url : adminUrl, natsUrl: natsProblem ? specs.nats.url : natsUrl };
  const still = [await postgresAnswers(urls.adminUrl), await natsAnswers(urls.natsUrl)].filter(Boolean);
  if (still.length > 0) throw new Error(`the containers are healthy but do not answer from here: ${still.join('; ')}`);
  return { ...urls, own: needed.map((n) => specs[n].name) };
}

function instructions(why, specs) {
  return `Docker is not available either (${why}), so make dev cannot start them itself. Either:

  1. run Postgres and NATS locally (Debian or Ubuntu), then make dev again:
       sudo apt-get install -y postgresql nats-server
       # the migrators create each service's roles without a password: let local TCP logins in
       sudo sed -i -E 's/^(host[[:space:]]+all[[:space:]]+all[[:space:]]+127\\.0\\.0\\.1\\/32[[:space:]]+)[^[:space:]]+/\\1trust/' /etc/postgresql/*/main/pg_hba.conf
       sudo pg_ctlcluster "$(ls /etc/postgresql)" main restart
       nats-server -a 127.0.0.1 -p 4222 -js -sd "$HOME/.nats-jetstream" &
     (elsewhere: DATABASE_ADMIN_URL=postgres://postgres@HOST:PORT/postgres NATS_URL=nats://HOST:PORT make dev)

  2. or install Docker (Docker Engine, or Docker Desktop) and start it, then make dev again: it starts
     its own Postgres on ${specs.postgres.url.replace('postgres://postgres@', '').replace('/postgres', '')} and NATS on ${specs.nats.url.replace('nats://', '')} in containers
     (images ${specs.postgres.image} and ${specs.nats.image}); make dev-down removes them.`;
}

/** make dev-down: every container, volume and network labelled order-platform.dev=1, and nothing else. */
export async function removeOwnInfra(write) {
  const noDocker = await dockerUnavailable();
  if (noDocker) return write(`Docker is not available (${noDocker}): nothing of make dev's to remove`);
  const list = async (...args) => (await docker(...args, '-q', '--filter', `label=${devLabel}`)).stdout.split('\n').filter(Boolean);
  const found = { containers: await list('ps', '-a'), volumes: await list('volume', 'ls'), networks: await list('network', 'ls') };
  if (found.containers.length) await docker('rm', '-f', '-v', ...found.containers);
  if (found.volumes.length) await docker('volume', 'rm', ...found.volumes);
  if (found.networks.length) await docker('network', 'rm', ...found.networks);
  write(`removed ${found.containers.length} containers, ${found.volumes.length} volumes and ${found.networks.length} networks of make dev (label ${devLabel})`);
}

/**
 * make test after make dev's Docker path: when TEST_DATABASE_URL or TEST_NATS_URL does not answer
 * and make dev's own container does, prints the shell assignment that points the tests at it.
 */
async function testEnv(env) {
  const specs = containers(env);
  const running = async (name) => (await docker('inspect', '-f', '{{.State.Running}}', specs[name].name).then(({ stdout }) => stdout.trim(), () => '')) === 'true';
  for (const [variable, name, answers] of [['TEST_DATABASE_URL', 'postgres', postgresAnswers], ['TEST_NATS_URL', 'nats', natsAnswers]]) {
    if (!env[variable] || !(await answers(env[variable])) || !(await running(name))) continue;
    process.stderr.write(`${variable}=${env[variable]} does not answer: the tests use make dev's own ${specs[name].url}\n`);
    process.stdout.write(`export ${variable}=${specs[name].url}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === 'down') await removeOwnInfra((line) => process.stdout.write(`${line}\n`));
  if (process.argv[2] === 'test-env') await testEnv(process.env);
}
