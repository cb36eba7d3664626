import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { ConfigSpec } from '@order-platform/shared';
import * as analyticsConfig from 'analytics-service/config';
import * as notificationConfig from 'notification-service/config';
import * as orderConfig from 'order-service/config';
import * as paymentConfig from 'payment-service/config';
import * as stockConfig from 'stock-service/config';

const root = new URL('../../../', import.meta.url);

const services: Record<string, ConfigSpec[]> = {
  'order-service': [orderConfig.apiSpec, orderConfig.workerSpec],
  'stock-service': [stockConfig.apiSpec, stockConfig.workerSpec],
  'payment-service': [paymentConfig.apiSpec, paymentConfig.workerSpec],
  'notification-service': [notificationConfig.apiSpec, notificationConfig.workerSpec],
  'analytics-service': [analyticsConfig.apiSpec, analyticsConfig.workerSpec],
};

/** The defaults of `env` in `specs` (an api's and a worker's may differ), as a README writes them. */
function defaultsOf(specs: ConfigSpec[], env: string): string[] {
  return specs.flatMap((spec) => Object.values(spec).filter((key) => key.env === env)).map((key) => (key.default === '' ? 'empty' : String(key.default)));
}

const seconds: Record<string, number> = { ms: 0.001, s: 1, min: 60, h: 3600 };

/** `value` written in `unit` (ms, s, min, h), in the unit the setting's name ends with. */
function inUnitOf(env: string, value: number, unit: string | undefined): number {
  const own = /_MS$/.test(env) ? 'ms' : /_SECONDS$/.test(env) ? 's' : /_HOURS$/.test(env) ? 'h' : undefined;
  if (!unit || !own) return value;
  return Math.round(((value * seconds[unit]!) / seconds[own]!) * 1e6) / 1e6;
}

/**
 * Where a README gives a setting's default in passing, "`KEY` (value…)", a number (with a unit,
 * or in the setting's own), `empty`, `true` or `false`, it is the default the code has: a changed
 * default cannot leave a README behind.
 */
function mentionedDefaults(text: string): { env: string; value: string; where: string }[] {
  const mentions = [];
  for (const match of text.matchAll(/`([A-Z][A-Z0-9_]{2,})` \(([^)]*)\)/g)) {
    const env = match[1]!;
    const said = /^(-?[\d,_]+(?:\.\d+)?|empty|true|false)(?: (ms|s|min|h)\b)?(?=$|[ :;,])/.exec(match[2]!);
    if (!said) continue;
    const number = Number(said[1]!.replace(/[,_]/g, ''));
    const value = Number.isNaN(number) ? said[1]! : String(inUnitOf(env, number, said[2]));
    mentions.push({ env, value, where: match[0] });
  }
  return mentions;
}

describe('READMEs: the defaults they name are the code’s', () => {
  for (const [service, specs] of Object.entries(services)) {
    it(`${service}/README.md`, () => {
      const mentions = mentionedDefaults(readFileSync(new URL(`${service}/README.md`, root), 'utf8')).filter((m) => defaultsOf(specs, m.env).length > 0);
      for (const { env, value, where } of mentions) expect(defaultsOf(specs, env), where).to.include(value);
    });
  }

  it('README.md, for a setting every service has', () => {
    const all = Object.values(services);
    const mentions = mentionedDefaults(readFileSync(new URL('README.md', root), 'utf8')).filter((m) => all.every((specs) => defaultsOf(specs, m.env).length > 0));
    expect(mentions, 'settings with a default named').to.not.be.empty;
    for (const { env, value, where } of mentions) expect(all.flatMap((specs) => defaultsOf(specs, env)), where).to.include(value);
  });
});
