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

/** What is wrong with a text of a template: unknown variables, unsupported tags, syntax. Empty when it is fine. */
export function templateProblems(name: TemplateName, text: TemplateText): string[] {
  const variables: Record<string, VariableSpec> = templateCatalog[name].variables;
  const problems: string[] = [];
  for (const [field, source] of Object.entries(text)) {
    let tokens: Token[];
    try {
      tokens = Mustache.parse(source) as Token[];
    } catch (error) {
      problems.push(`${field}: ${(error as Error).message}`);
      continue;
    }
    walk(tokens, new Set(Object.keys(variables)), (problem) => problems.push(`${field}: ${problem}`));
  }
  return problems;

  function walk(tokens: Token[], scope: Set<string>, report: (problem: string) => void): void {
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
      if ((type === '#' || type === '^') && children) {
        const spec = variables[value];
        const inner = typeof spec === 'object' && type === '#' ? new Set([...scope, '.', ...Object.keys(spec.item)]) : scope;
        walk(children, inner, report);
      }
    }
  }
}

type Token = [type: string, value: string, start: number, end: number, children?: Token[]];

/** Renders a text as plain text: values are inserted as they are (no HTML escaping). */
export function renderTemplate(text: TemplateText, view: Record<string, unknown>): TemplateText {
  const options = { escape: (value: unknown) => String(value) };
  return { subject: Mustache.render(text.subject, view, undefined, options).trim(), body: Mustache.render(text.body, view, undefined, options) };
}

/** The variables of a template as the API shows them. */
export function describeVariables(name: TemplateName): Record<string, VariableSpec> {
  return templateCatalog[name].variables;
}
