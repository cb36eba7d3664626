import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'yaml';
import type { ConfigSpec } from '@order-platform/shared';
import { migratorSpec } from '../../src/config.js';
import { MIGRATOR_USER, natsUsers, passwordVariableOf } from '../../src/nats-authorization.js';
import { services } from '../../src/services.js';

// docker-compose.yml must not drift from the code: every app container runs a file the build
// produces, with only environment variables its process reads, and every service has its
// migrate, api and worker containers wired in the documented order.
const root = fileURLToPath(new URL('../../../', import.meta.url));
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };

interface ComposeService {
  image?: string;
  profiles?: string[];
  command?: string[];
  build?: unknown;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

const appContainers = Object.entries(compose.services).filter(([, s]) => s.image === 'order-platform:latest');

/** The config spec of the process a command starts, from the code itself. */
async function specOf(command: string[]): Promise<ConfigSpec> {
  const [script, ...args] = command;
  if (script === 'migrator/dist/src/main.js') return migratorSpec((await services[args[0]!]!()).defaultDatabaseUrl);
  if (script === 'console/dist/src/main.js') return ((await import('../../../console/src/config.js')) as { consoleSpec: ConfigSpec }).consoleSpec;
  const match = /^([a-z-]+-service)\/dist\/src\/(api|worker|customer-directory)\/main\.js$/.exec(script!);
  if (!match) throw new Error(`no known process runs ${script}`);
  const config = (await import(`${match[1]}/config`)) as Record<string, ConfigSpec>;
  const spec = { api: config['apiSpec'], worker: config['workerSpec'], 'customer-directory': config['directoryStubSpec'] }[match[2]!];
  if (!spec) throw new Error(`${match[1]} has no config spec for ${match[2]}`);
  return spec;
}

describe('docker-compose.yml against the code', () => {
  it('has app containers at all', () => {
    expect(appContainers.length).to.be.at.least(13);
  });

  it('runs in every app container a file the build produces from a source file that exists', () => {
    for (const [name, service] of appContainers) {
      const script = service.command?.[0] ?? '';
      const source = script.replace('/dist/', '/').replace(/\.js$/, '.ts');
      expect(existsSync(`${root}${source}`), `${name}: ${script} is built from ${source}`).to.equal(true);
      expect(service.profiles, name).to.deep.equal(['app']);
    }
  });

  it('sets in every app container only variables its process reads, and every variable it requires', async () => {
    for (const [name, service] of appContainers) {
      const spec = await specOf(service.command!);
      const known = new Set(Object.values(spec).map((k) => k.env));
      const set = Object.keys(service.environment ?? {});
      expect(set.filter((v) => !known.has(v)), `${name} sets variables its process does not read`).to.deep.equal([]);
      const required = Object.values(spec).filter((k) => !('default' in k) || k.default === undefined).map((k) => k.env);
      expect(required.filter((v) => !set.includes(v)), `${name} leaves required variables unset`).to.deep.equal([]);
    }
  });

  it('gives every api a way to verify bearer tokens', () => {
    for (const service of Object.keys(services)) {
      const env = compose.services[`${service}-api`]!.environment ?? {};
      expect(Boolean(env['JWT_SECRET']) !== Boolean(env['AUTH_JWKS_URL']), `${service}-api sets one of JWT_SECRET and AUTH_JWKS_URL`).to.equal(true);
    }
  });

  it('has, per service, a migrator for it that the api and worker wait for, and the api listens where it is published and checked', async () => {
    for (const service of Object.keys(services)) {
      const migrate = compose.services[`${service}-migrate`];
      expect(migrate?.command, `${service}-migrate`).to.deep.equal(['migrator/dist/src/main.js', service]);
      for (const role of ['api', 'worker']) {
        const container = compose.services[`${service}-${role}`];
        expect(container?.command, `${service}-${role}`).to.deep.equal([`${service}/dist/src/${role}/main.js`]);
        expect(container?.depends_on?.[`${service}-migrate`], `${service}-${role} waits for the migrator`).to.deep.equal({ condition: 'service_completed_successfully' });
        const url = new URL(container!.environment!['DATABASE_URL']!);
        const migrateUrl = new URL(migrate!.environment!['DATABASE_URL']!);
        expect(`${url.host}${url.pathname}`, `${service}-${role} uses its migrator's database`).to.equal(`${migrateUrl.host}${migrateUrl.pathname}`);
        expect(url.username, `${service}-${role} logs in as the app role the migrator grants, not as the owner`).to.equal(migrate!.environment!['DATABASE_APP_ROLE']).and.not.equal(migrateUrl.username);
      }
      const api = compose.services[`${service}-api`]!;
      const port = api.environment!['PORT'];
      expect(api.ports, `${service}-api`).to.deep.equal([`127.0.0.1:${port}:${port}`]);
      expect(api.healthcheck?.test.join(' '), `${service}-api healthcheck`).to.include(`127.0.0.1:${port}/readyz`);
      const worker = compose.services[`${service}-worker`]!;
      expect(worker.ports, `${service}-worker can be scaled (no fixed host port)`).to.equal(undefined);
      // ready, not merely alive: a worker waiting for Postgres or NATS answers 503 there
      expect(worker.healthcheck?.test.join(' '), `${service}-worker healthcheck`).to.include(`127.0.0.1:${worker.environment!['METRICS_PORT']}/readyz`);
    }
  });

  it('connects every app container to NATS as its own user (migrators as migrator), with the password the nats service has for that user', async () => {
    const nats = compose.services['nats']!;
    const users = natsUsers(await Promise.all(Object.values(services).map((load) => load())), { namespace: '' });
    expect(Object.keys(nats.environment ?? {}).sort()).to.deep.equal(users.map((u) => u.passwordVariable).sort());
    expect(nats.volumes).to.include.members(['./deploy/nats/nats.conf:/etc/nats/nats.conf:ro', './deploy/nats/auth.conf:/etc/nats/auth.conf:ro']);
    for (const [name, service] of appContainers) {
      const spec = await specOf(service.command!);
      if (!Object.values(spec).some((k) => k.env === 'NATS_USER')) continue;
      const user = name.endsWith('-migrate') ? MIGRATOR_USER : name.replace(/-(api|worker)$/, '');
      const variable = passwordVariableOf(user);
      expect(service.environment?.['NATS_USER'], name).to.equal(user);
      expect(service.environment?.['NATS_PASSWORD'], name).to.equal(nats.environment![variable]);
      // a dev-only default at most; nats-server parses the value, so letters and digits from a letter
      expect(service.environment?.['NATS_PASSWORD'], name).to.match(new RegExp(`^\\$\\{${variable}(:-[A-Za-z][A-Za-z0-9]*)?\\}$`));
    }
  });

  it('has services in every profile the README and the compose file name', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const header = readFileSync(`${root}docker-compose.yml`, 'utf8');
    const named = new Set([...`${readme}\n${header}`.matchAll(/--profile[ =]([a-z][\w-]*)/g)].map((m) => m[1]!));
    expect([...named]).to.include.members(['infra', 'app', 'observability']);
    for (const profile of named) {
      const members = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes(profile)).map(([n]) => n);
      expect(members, `profile ${profile} (named in README.md or docker-compose.yml) has no services`).to.not.be.empty;
    }
  });

  it('publishes every port on 127.0.0.1 only, and not NATS\'s client port', () => {
    const files = { 'docker-compose.yml': compose, 'deploy/compose/nats-client-port.yml': parse(readFileSync(`${root}deploy/compose/nats-client-port.yml`, 'utf8')) as typeof compose };
    for (const [file, { services: all }] of Object.entries(files)) {
      for (const [name, service] of Object.entries(all)) {
        for (const port of service.ports ?? []) {
          // "127.0.0.1:HOST:CONTAINER"; "HOST:CONTAINER" or a bare port binds to every interface
          expect(String(port), `${file}: ${name} publishes ${port} on every interface`).to.match(/^127\.0\.0\.1:(\d+|\$\{\w+:-\d+\}):\d+(\/(tcp|udp))?$/);
        }
      }
    }
    expect((compose.services['nats']!.ports ?? []).filter((p) => p.endsWith(':4222')), 'nats publishes 4222 (use deploy/compose/nats-client-port.yml)').to.deep.equal([]);
  });

  it('runs the observability profile: Prometheus, Grafana and Jaeger on pinned images, with the configs of deploy/', () => {
    const observability = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes('observability'));
    expect(observability.map(([n]) => n).sort()).to.deep.equal(['grafana', 'jaeger', 'prometheus']);
    for (const [name, service] of observability) expect(service.image, name).to.match(/:[^:]*\d[^:]*$/).and.not.match(/:latest$/);
    expect(compose.services['prometheus']!.volumes).to.include('./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro');
    expect(compose.services['grafana']!.volumes).to.include.members(['./deploy/grafana/provisioning:/etc/grafana/provisioning:ro', './deploy/grafana/dashboards:/var/lib/grafana/dashboards:ro']);
    // the endpoint the README gives the apps for traces: Jaeger's OTLP/HTTP port, listening beyond localhost
    expect(readFileSync(`${root}README.md`, 'utf8')).to.include('OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318');
    expect((compose.services['jaeger']!.command ?? []).join(' ')).to.include('receivers.otlp.protocols.http.endpoint=0.0.0.0:4318');
  });

  it('gives each service its own database and database users', () => {
    const urls = Object.keys(services).map((s) => new URL(compose.services[`${s}-migrate`]!.environment!['DATABASE_URL']!));
    const appUrls = Object.keys(services).map((s) => new URL(compose.services[`${s}-api`]!.environment!['DATABASE_URL']!));
    expect(new Set(urls.map((u) => u.host)).size).to.equal(urls.length);
    expect(new Set([...urls, ...appUrls].map((u) => u.username)).size).to.equal(urls.length * 2);
  });

  it("logs in with the roles and passwords its database container's init script creates", () => {
    for (const service of Object.keys(services)) {
      for (const [container, role, password] of [['migrate', 'owner', 'DB_OWNER_PASSWORD'], ['api', 'app', 'DB_APP_PASSWORD'], ['worker', 'app', 'DB_APP_PASSWORD']] as const) {
        const url = new URL(compose.services[`${service}-${container}`]!.environment!['DATABASE_URL']!);
        const db = compose.services[url.hostname]!;
        expect(db.volumes, url.hostname).to.include('./deploy/postgres:/docker-entrypoint-initdb.d:ro');
        const name = db.environment!['DB_NAME'];
        expect(url.pathname, `${service}-${container}`).to.equal(`/${name}`);
        // deploy/postgres/init-roles.sh names the roles <DB_NAME>_owner and <DB_NAME>_app
        expect(url.username, `${service}-${container}`).to.equal(`${name}_${role}`);
        expect(decodeURIComponent(url.password), `${service}-${container}`).to.equal(db.environment![password]);
      }
    }
  });
});
