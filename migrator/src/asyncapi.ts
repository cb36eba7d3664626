#!/usr/bin/env node
// asyncapi [file]  writes the AsyncAPI 3.0 event catalog (stdout without a file)
import { writeFileSync } from 'node:fs';
import { eventCatalog } from './event-catalog.js';
import { services } from './services.js';

const descriptors = await Promise.all(Object.values(services).map((load) => load()));
const text = `${JSON.stringify(eventCatalog(descriptors, '1.0.0'), null, 2)}\n`;
const [file] = process.argv.slice(2);
if (file) writeFileSync(file, text);
else process.stdout.write(text);
