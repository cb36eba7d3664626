#!/usr/bin/env node
// derive.mjs OUT_DIR APP_IMAGE STAND_INS_FILE
// Writes OUT_DIR/docker-compose.yml: docker-compose.yml as a user runs it, with only these
// mechanical changes for the smoke test (each is printed):
//  - every image is replaced by its test stand-in (STAND_INS_FILE: "<name>=<tag>" lines from
//    stand-ins/build.sh), the app's by APP_IMAGE (built from the real Dockerfile); an image with
//    no stand-in fails the run, so a service added to the compose file cannot go untested;
//  - every published port keeps its 127.0.0.1 address and container port, but the host port is
//    left to Docker (so the run never collides with anything on this machine: the smoke test
//    asks `docker-compose port` where each landed);
//  - NATS reads OUT_DIR/nats.conf: deploy/nats/nats.conf without `sync_interval`, which the
//    stand-in's nats-server 2.9 rejects (the compose file's image is 2.11);
//  - relative bind mounts become absolute (the derived file lives elsewhere).
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const [outDir, appImage, standInsFile] = process.argv.slice(2);
if (!outDir || !appImage || !standInsFile) {
  console.error('usage: derive.mjs OUT_DIR APP_IMAGE STAND_INS_FILE');
  process.exit(64);
}
const root = fileURLToPath(new URL('../../', import.meta.url));
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true });
const standIns = Object.fromEntries(readFileSync(standInsFile, 'utf8').split('\n').filter(Boolean).map((l) => l.split('=')));
// the repository part of each image the compose file names -> the stand-in that plays it
const playedBy = {
  postgres: standIns.postgres, nats: standIns.nats, 'natsio/nats-box': standIns['nats-box'],
  'axllent/mailpit': standIns.mailpit, 'prom/prometheus': standIns.prometheus,
  'grafana/grafana': standIns.grafana, 'jaegertracing/jaeger': standIns.jaeger,
};

mkdirSync(outDir, { recursive: true });
const natsConf = readFileSync(`${root}deploy/nats/nats.conf`, 'utf8');
if (!/^\s*sync_interval:/m.test(natsConf)) throw new Error('deploy/nats/nats.conf has no sync_interval any more: update derive.mjs');
writeFileSync(`${outDir}/nats.conf`, natsConf.replace(/^\s*sync_interval:.*$/m, '  # (sync_interval removed for the 2.9 stand-in)'));

for (const key of Object.keys(compose)) if (key.startsWith('x-')) delete compose[key]; // merged already
const changes = new Map();
const note = (what) => changes.set(what, (changes.get(what) ?? 0) + 1);
for (const [name, service] of Object.entries(compose.services)) {
  if (service.image === 'order-platform:latest') {
    service.image = appImage;
    delete service.build;
    note(`order-platform:latest -> ${appImage} (built from the real Dockerfile)`);
  } else {
    const repository = service.image.replace(/:[^/]*$/, '');
    const standIn = playedBy[repository];
    if (!standIn) throw new Error(`${name}: no test stand-in plays ${service.image} (add one under deploy/compose-smoke/stand-ins)`);
    note(`${service.image} -> ${standIn}`);
    service.image = standIn;
  }
  if (service.ports) {
    service.ports = service.ports.map((spec) => {
      const parts = String(spec).split(':');
      const container = parts.at(-1);
      if (parts.length !== 3 || parts[0] !== '127.0.0.1') throw new Error(`${name}: port ${spec} is not bound to 127.0.0.1`);
      note('host ports: 127.0.0.1:<port>:<port> -> 127.0.0.1::<port> (Docker picks the host port)');
      return `127.0.0.1::${container}`;
    });
  }
  if (service.volumes) {
    service.volumes = service.volumes.map((v) => {
      if (v === './deploy/nats/nats.conf:/etc/nats/nats.conf:ro') {
        note('nats: /etc/nats/nats.conf <- deploy/nats/nats.conf without sync_interval');
        return `${outDir}/nats.conf:/etc/nats/nats.conf:ro`;
      }
      return v.startsWith('./') ? `${root}${v.slice(2)}` : v;
    });
  }
}
writeFileSync(`${outDir}/docker-compose.yml`, `# Derived by deploy/compose-smoke/derive.mjs from docker-compose.yml: do not edit.\n${stringify(compose, { version: '1.1' })}`); // quotes what YAML 1.1 (PyYAML, docker-compose v1) reads as booleans, e.g. restart: "no"
for (const [what, count] of changes) console.log(`      ${what}${count > 1 ? ` (${count}×)` : ''}`);
