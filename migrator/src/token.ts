#!/usr/bin/env node
// token --sub <id> --role customer|admin [--role …] [--ttl <seconds>]
// Prints a bearer token signed with JWT_SECRET (the HS256 secret the apis verify with), for
// curl and the docs pages: curl -H "Authorization: Bearer $(make -s token SUB=cust-ada ROLE=customer)" …
import { parseArgs } from 'node:util';
import { ConfigError, createLogger, exitCodes, issueToken, roles, type Role } from '@order-platform/shared';
import { loadTokenConfig } from './config.js';

const log = createLogger({ service: 'token', process: 'tool' });
const usage = 'usage: token --sub <principal id> --role customer|admin [--role …] [--ttl <seconds>]';
let args;
try {
  args = parseArgs({ options: { sub: { type: 'string' }, role: { type: 'string', multiple: true }, ttl: { type: 'string' } } }).values;
} catch (error) {
  log.fatal({ err: error }, usage);
  process.exit(64);
}
const requested = (args.role ?? []).flatMap((r) => r.split(','));
const unknown = requested.filter((r) => !(roles as readonly string[]).includes(r));
const ttlSeconds = args.ttl === undefined ? 12 * 3600 : Number(args.ttl);
if (!args.sub || requested.length === 0 || unknown.length > 0 || !Number.isInteger(ttlSeconds) || ttlSeconds <= 0) {
  log.fatal({ unknownRoles: unknown }, usage);
  process.exit(64);
}
let config;
try {
  config = loadTokenConfig();
} catch (error) {
  log.fatal(error instanceof ConfigError ? { problems: error.problems } : { err: error }, 'invalid configuration');
  process.exit(exitCodes.config);
}
const token = await issueToken(config.jwtSecret, { sub: args.sub, roles: requested as Role[], ttlSeconds, issuer: config.issuer, audience: config.audience });
process.stdout.write(`${token}\n`);
