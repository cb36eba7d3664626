import Mustache from 'mustache';

export const channels = ['email', 'webhook'] as const;
export type Channel = (typeof channels)[number];

/** A variable is a text, or a list whose items have text fields (`{{#items}}{{sku}}{{/items}}`). */
type VariableSpec = string | { description: string; item: Record<string, string> };

const lineItem = { sku: 'product sku', quantity: 'units', unitPrice: 'price of one unit, formatted', lineTotal: 'quantity × unit price, formatted' };

/**
 * Every template the service knows: who reads it and the variables its texts may use. A text
 * that names anything else is refused (PUT /templates/:name answers 422), so a typo never
 * reaches a customer as an empty gap.
 */
export const templateCatalog = {
  'order-confirmed': {
    audience: 'customer',
    description: 'an order was paid and confirmed (orders.confirmed)',
    variables: {
      customerName: "the customer's name, or a generic greeting when the directory cannot tell",
      orderId: 'order id',
      items: { description: 'the order lines', item: lineItem },
      total: 'order total, formatted',
      confirmedAt: 'when it was confirmed (ISO 8601)',
    },
  },
  'order-cancelled': {
    audience: 'customer',
    description: 'an order was cancelled (orders.cancelled); the reason shapes the wording',
    variables: {
      customerName: "the customer's name, or a generic greeting",
      orderId: 'order id',
      reason: 'why, as a sentence fragment ("your payment was declined")',
      reasonCode: 'why, as the event says it (out_of_stock, payment_declined, …)',
      refundFollows: 'set when the order had been paid, so a refund follows',
      notCharged: 'set when no payment can have been taken (out of stock, product unavailable, payment declined)',
      refundIfCharged: 'set when neither is certain: a charge may have gone through before the cancellation (then it is refunded, with its own mail)',
      items: { description: 'the order lines', item: lineItem },
      total: 'order total, formatted',
      cancelledAt: 'when it was cancelled (ISO 8601)',
    },
  },
  'payment-refunded': {
    audience: 'customer',
    description: 'the payment of a cancelled order was refunded (payments.refunded)',
    variables: {
      customerName: "the customer's name, or a generic greeting",
      orderId: 'order id',
      amount: 'refunded amount, formatted',
      refundedAt: 'when it was refunded (ISO 8601)',
    },
  },
  'stock-low': {
    audience: 'staff',
    description: "a product's available stock fell below its threshold (stock.low)",
    variables: {
      sku: 'product sku',
      productName: 'product name',
      available: 'units available now',
      threshold: "the product's low-stock threshold",
      detectedAt: 'when it fell below (ISO 8601)',
    },
  },
} as const satisfies Record<string, { audience: 'customer' | 'staff'; description: string; variables: Record<string, VariableSpec> }>;

export type TemplateName = keyof typeof templateCatalog;
export type Audience = (typeof templateCatalog)[TemplateName]['audience'];

export function isTemplateName(name: string): name is TemplateName {
  return Object.hasOwn(templateCatalog, name);
}

export interface TemplateText {
  subject: string;
  body: string;
}

/**
 * How long a text may be (in characters, as the API's schema counts them) and how deep its
 * sections may nest. The seeded texts nest one deep; a flag around the list with a flag inside
 * it is three. Deeper nesting says nothing a logic-less text needs, and the cap also bounds
 * the work of checking and rendering whatever text is stored.
 */
export const MAX_TEXT_LENGTH = { subject: 500, body: 20_000 } as const satisfies Record<keyof TemplateText, number>;
export const MAX_SECTION_DEPTH = 3;

/**
 * What is wrong with a text of a template: too long, unknown variables, unsupported tags,
 * syntax, and nesting that multiplies the output (a section inside one of the same name, a
 * list inside a list, more than MAX_SECTION_DEPTH deep). Empty when it is fine. A refused
 * section is reported once and its content is not looked at.
 */
export function templateProblems(name: TemplateName, text: TemplateText): string[] {
  const variables: Record<string, VariableSpec> = templateCatalog[name].variables;
  const isList = (variable: string) => typeof variables[variable] === 'object';
  const problems: string[] = [];
  for (const field of ['subject', 'body'] as const) {
    const report = (problem: string) => problems.push(`${field}: ${problem}`);
    if (longerThan(text[field], MAX_TEXT_LENGTH[field])) {
      report(`longer than ${MAX_TEXT_LENGTH[field]} characters`);
      continue;
    }
    let tokens: Token[];
    try {
      // a writer of its own: the default one caches every text it ever parsed
      tokens = new Mustache.Writer().parse(text[field]) as Token[];
    } catch (error) {
      report((error as Error).message);
      continue;
    }
    walk(tokens, new Set(Object.keys(variables)), [], report);
  }
  return problems;

  /** `open`: the sections around these tokens, outermost first, and whether each repeats (a list). */
  function walk(tokens: Token[], scope: Set<string>, open: { name: string; list: boolean }[], report: (problem: string) => void): void {
    for (const [type, value, , , children] of tokens) {
      if (type === 'text' || type === '!') continue;
      if (type === '>' || type === '=') {
        report(`{{${type}${value}}}: partials and delimiter changes are not supported`);
        continue;
      }
      if (!scope.has(value)) {
        report(`unknown variable "${value}"`);
        continue;
      }
      if (type !== '#' && type !== '^') continue;
      const list = type === '#' && isList(value);
      const outerList = open.find((section) => section.list);
      if (open.some((section) => section.name === value)) report(`section "${value}" is opened inside a section "${value}"`);
      else if (list && outerList) report(`list section "${value}" is inside list section "${outerList.name}"`);
      else if (open.length >= MAX_SECTION_DEPTH) report(`sections nest more than ${MAX_SECTION_DEPTH} deep ("${value}")`);
      else {
        const spec = variables[value];
        const inner = list && typeof spec === 'object' ? new Set([...scope, '.', ...Object.keys(spec.item)]) : scope;
        walk(children ?? [], inner, [...open, { name: value, list }], report);
      }
    }
  }
}

type Token = [type: string, value: string, start: number, end: number, children?: Token[]];

/** Counts code points, as JSON Schema's maxLength does, and stops counting past `max`. */
function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  let count = 0;
  for (const _ of text) if (++count > max) return true;
  return false;
}

/** A rendered text (subject and body together) is at most this long: over 50 times the seeded order email with 100 lines. */
export const MAX_RENDERED_LENGTH = 256 * 1024;

export class OutputTooLarge extends Error {
  override readonly name = 'OutputTooLarge';
}

// Parsed texts, shared by every render: a few texts are rendered over and over. Bounded, as
// each edit of a template is a new text (mustache's own cache keeps every text forever).
const parsedTexts = new Map<string, string>();
const parseCache: Mustache.TemplateCache = {
  get: (key) => parsedTexts.get(key),
  set: (key, tokens) => {
    if (parsedTexts.size >= 64) parsedTexts.clear();
    parsedTexts.set(key, tokens);
  },
  clear: () => parsedTexts.clear(),
};

/** Checks the output as each run of tokens finishes, so a runaway render stops soon after the cap, not at its end. */
class CappedWriter extends Mustache.Writer {
  constructor(private readonly maxLength: number) {
    super();
    (this as unknown as { templateCache: Mustache.TemplateCache }).templateCache = parseCache;
  }

  override renderTokens(...args: Parameters<Mustache.Writer['renderTokens']>): string {
    const output = super.renderTokens(...args);
    if (output.length > this.maxLength) throw new OutputTooLarge(`the rendered text is longer than ${this.maxLength} characters`);
    return output;
  }
}

/** Renders a text as plain text: values are inserted as they are (no HTML escaping). Throws OutputTooLarge past `maxLength`. */
export function renderTemplate(text: TemplateText, view: Record<string, unknown>, maxLength = Number.POSITIVE_INFINITY): TemplateText {
  const writer = new CappedWriter(maxLength);
  const options = { escape: (value: unknown) => String(value) };
  const rendered = { subject: writer.render(text.subject, view, undefined, options).trim(), body: writer.render(text.body, view, undefined, options) };
  if (rendered.subject.length + rendered.body.length > maxLength) throw new OutputTooLarge(`the rendered text is longer than ${maxLength} characters`);
  return rendered;
}

/** The variables of a template as the API shows them. */
export function describeVariables(name: TemplateName): Record<string, VariableSpec> {
  return templateCatalog[name].variables;
}
