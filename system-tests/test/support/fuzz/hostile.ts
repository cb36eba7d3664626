/**
 * Hostile values for the fuzzer, drawn from a seeded generator so a failing run can be
 * repeated exactly (FUZZ_SEED).
 */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }

  /** mulberry32: small, fast, and good enough to pick cases */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

export const hostileStrings: readonly string[] = [
  '',
  ' ',
  'a\u0000b',
  '\u0000',
  '\ud800',
  'x\udfffy',
  '😀'.repeat(40),
  'ß̶̨̛ẞ\u202e\u200b',
  "1' OR '1'='1",
  "'; drop table orders; --",
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  '<script>alert(1)</script>',
  '{{constructor.constructor("return process")()}}',
  '{{#items}}{{#items}}{{#items}}{{/items}}{{/items}}{{/items}}',
  '${7*7}',
  '__proto__',
  'constructor',
  'x'.repeat(300),
  'x'.repeat(70_000),
  '\r\nX-Injected: 1',
  'tok_ok',
  'cust-grace',
  '00000000-0000-0000-0000-000000000000',
  'NaN',
  '-1',
  '1e309',
];

export const hostileNumbers: readonly unknown[] = [0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER + 2, '1', '0x10', null, true, [], {}];

/** Any JSON value that is not what a schema expects, including deep and prototype-polluting ones. */
export function hostileValue(random: Random, depth = 0): unknown {
  switch (random.int(depth > 2 ? 3 : 7)) {
    case 0:
      return random.pick(hostileStrings);
    case 1:
      return random.pick(hostileNumbers);
    case 2:
      return random.pick([null, true, false]);
    case 3:
      return Array.from({ length: random.int(4) }, () => hostileValue(random, depth + 1));
    case 4:
      return JSON.parse(`{"__proto__": {"admin": true}, "constructor": {"prototype": {"polluted": 1}}, "k": ${JSON.stringify(hostileValue(random, depth + 1)) ?? 'null'}}`);
    case 5:
      return nested(random.pick([50, 500, 1500]));
    default:
      return { [random.pick(hostileStrings)]: hostileValue(random, depth + 1) };
  }
}

function nested(levels: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
}

/** A copy of `value` with one field, anywhere in it, replaced, removed or joined by a hostile one. */
export function mutate(random: Random, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || random.chance(0.15)) return hostileValue(random);
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const key = keys.length > 0 ? random.pick(keys) : '0';
  const action = random.int(4);
  const target = copy as Record<string, unknown>;
  if (action === 0) delete target[key];
  else if (action === 1) target[key] = hostileValue(random);
  else if (action === 2) target[key] = mutate(random, target[key]);
  else target[random.pick(['__proto__', 'constructor', 'extra', 'customerId', 'unitPrice', 'roles', random.pick(hostileStrings)])] = hostileValue(random);
  return copy;
}
