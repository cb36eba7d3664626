/**
 * The reported attack: `items` stays in scope inside {{#items}}, so each level renders the one
 * below once per order line. 24 levels, 481 characters: 2^24 copies for a 2-line order.
 */
export const selfNested24 = `${'{{#items}}'.repeat(24)}x${'{{/items}}'.repeat(24)}`;
