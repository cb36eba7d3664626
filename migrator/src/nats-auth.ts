#!/usr/bin/env node
// nats-auth [file]  writes nats-server's per-service users and permissions (stdout without a file)
import { writeFileSync } from 'node:fs';
import { natsAuthorization } from './nats-authorization.js';
import { services } from './services.js';

const descriptors = await Promise.all(Object.values(services).map((load) => load()));
const text = natsAuthorization(descriptors, { namespace: '' });
const [file] = process.argv.slice(2);
if (file) writeFileSync(file, text);
else process.stdout.write(text);
