// The running stack as the engine shows it: the derived compose file, the project's containers
// (`docker inspect`) and where Docker published their ports. run.sh sets COMPOSE_SMOKE_DC (the
// docker-compose command with the derived file) and COMPOSE_SMOKE_PROJECT.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { fail } from './check.mjs';

export const run = promisify(execFile);
export const dc = (process.env.COMPOSE_SMOKE_DC ?? '').split(' ').filter(Boolean);
const project = process.env.COMPOSE_SMOKE_PROJECT;
if (dc.length === 0 || !project) throw new Error('run me through deploy/compose-smoke/run.sh');
const composeFile = dc[dc.indexOf('-f') + 1];
export const compose = parse(readFileSync(composeFile, 'utf8'));
/** run.sh's scratch folder (it holds the derived file): where one check leaves what a later one reads */
export const workDir = dirname(composeFile);
export const services = ['order-service', 'stock-service', 'payment-service', 'notification-service', 'analytics-service'];

export const docker = async (...args) => (await run('docker', args, { maxBuffer: 64 << 20 })).stdout;
const compose$ = async (...args) => (await run(dc[0], [...dc.slice(1), ...args], { maxBuffer: 64 << 20 })).stdout;
export async function containers() {
  const ids = (await docker('ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`)).split('\n').filter(Boolean);
  if (ids.length === 0) return [];
  return JSON.parse(await docker('inspect', ...ids))
    .filter((c) => c.Config.Labels['com.docker.compose.oneoff'] !== 'True')
    .map((c) => ({
      id: c.Id.slice(0, 12), name: c.Name.slice(1), service: c.Config.Labels['com.docker.compose.service'],
      state: c.State, health: c.State.Health?.Status, ports: c.NetworkSettings.Ports ?? {},
    }));
}
const hostPorts = new Map();
/** host address of a published container port (Docker picked the host port) */
export async function published(service, port) {
  const key = `${service}:${port}`;
  if (!hostPorts.has(key)) {
    const answer = (await compose$('port', service, String(port))).trim();
    if (!/^127\.0\.0\.1:\d+$/.test(answer)) fail(`${service}:${port} is published at "${answer}", not on 127.0.0.1`);
    hostPorts.set(key, `http://${answer}`);
  }
  return hostPorts.get(key);
}
